"""A Hypothesis state machine runs random sequences of credits, retries, reversals, payout runs and
returned payouts, and checks the ledger's invariants and every balance after each step."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from core.errors import Conflict
from rewards.models import LedgerTransaction, Payout, PayoutChunk, RewardSettings
from rewards.selectors import ledger_violations, panelist_balance
from rewards.services.ledger import InsufficientBalance, panelist_credit, transaction_reverse
from rewards.services.payouts import payout_chunk_process, payout_run_start
from rewards.services.settlement import payouts_return
from tests.factories import PanelistFactory, TenantFactory

THRESHOLD = 500


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tenant = TenantFactory.create(currency="EUR")
        RewardSettings.objects.create(tenant=self.tenant, payout_threshold=THRESHOLD)
        self.panelists = [PanelistFactory.create(tenant=self.tenant) for _ in range(2)]
        self.expected = [0, 0]
        self.keys: dict[str, tuple[int, int, int]] = {}  # key -> (panelist index, amount, transaction id)
        self.reversed: set[int] = set()
        self.month = 0

    @rule(who=st.integers(0, 1), amount=st.integers(1, 900), key=st.integers(0, 40))
    def credit(self, who: int, amount: int, key: int) -> None:
        name = f"survey:{key}"
        known = self.keys.get(name)
        if known is not None and (known[0], known[1]) != (who, amount):
            with pytest.raises(Conflict, match="other amounts"):
                panelist_credit(panelist=self.panelists[who], amount=amount, reason="survey", idempotency_key=name)
            return
        txn = panelist_credit(panelist=self.panelists[who], amount=amount, reason="survey", idempotency_key=name)
        if known is None:
            self.keys[name] = (who, amount, txn.pk)
            self.expected[who] += amount
        else:
            assert txn.pk == known[2]  # a retry returns the first transaction and writes nothing

    @precondition(lambda self: bool(self.keys))
    @rule(data=st.data())
    def retry(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.keys)))
        who, amount, pk = self.keys[name]
        again = panelist_credit(panelist=self.panelists[who], amount=amount, reason="survey", idempotency_key=name)
        assert again.pk == pk

    @precondition(lambda self: bool(self.keys))
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.keys)))
        who, amount, pk = self.keys[name]
        txn = LedgerTransaction.objects.unscoped().get(pk=pk)
        if pk in self.reversed:
            assert transaction_reverse(txn=txn).reverses_id == pk  # the first reversal, again
        elif self.expected[who] < amount:
            with pytest.raises(InsufficientBalance):
                transaction_reverse(txn=txn)  # the money left in a payout: refused, never negative
        else:
            transaction_reverse(txn=txn)
            self.reversed.add(pk)
            self.expected[who] -= amount

    @rule()
    def payout_run(self) -> None:
        self.month += 1
        run = payout_run_start(tenant=self.tenant, period=date(2000 + self.month // 12, self.month % 12 + 1, 1)).run
        for _ in range(2):  # a replayed chunk pays nothing more
            for chunk_id in PayoutChunk.objects.unscoped().filter(run=run).values_list("pk", flat=True):
                payout_chunk_process(chunk_id=chunk_id)
        for i in range(2):
            if self.expected[i] >= THRESHOLD:
                assert Payout.objects.unscoped().get(run=run, panelist=self.panelists[i]).amount == self.expected[i]
                self.expected[i] = 0

    @precondition(lambda self: self.month > 0)
    @rule(data=st.data())
    def provider_returns_a_payout(self, data: st.DataObject) -> None:
        open_ = list(Payout.objects.unscoped().filter(tenant=self.tenant, status="pending").order_by("pk"))
        if not open_:
            return
        payout = data.draw(st.sampled_from(open_))
        assert payouts_return(tenant=self.tenant, payouts=[payout], note="bounced") == 1
        assert payouts_return(tenant=self.tenant, payouts=[payout], note="bounced again") == 0
        self.expected[self.panelists.index(payout.panelist)] += payout.amount

    @invariant()
    def the_ledger_holds(self) -> None:
        assert ledger_violations(tenant=self.tenant) == []
        assert [panelist_balance(panelist=p) for p in self.panelists] == self.expected
        assert min(self.expected) >= 0


@pytest.mark.django_db(transaction=True)  # each step commits, so the deferred sum-to-zero trigger runs
def test_random_sequences_keep_every_invariant() -> None:
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=12, stateful_step_count=25, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
