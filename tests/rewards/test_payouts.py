"""Monthly payout runs: sources credited once, one run per period, one payout per panelist, exactly-once money."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from consent.services.consent import consent_grant, consent_withdraw
from core.errors import DomainError
from panel.models import Panelist
from rewards.models import (
    Charity,
    GiftCard,
    LedgerTransaction,
    MassPaymentBatch,
    Payout,
    PayoutChunk,
    PayoutPreference,
    PayoutRun,
    RewardSettings,
)
from rewards.periods import payout_due_at, period_parse, previous_period
from rewards.selectors import (
    account_balance,
    charity_totals,
    ledger_violations,
    panelist_balance,
    payout_runs_due_list,
    reward_settings_get,
)
from rewards.services.ledger import clearing_account_ensure, panelist_credit, provider_account_ensure
from rewards.services.payouts import monthly_rewards_credit, payout_chunk_process, payout_run_enqueue, payout_run_start
from rewards.services.providers import giftcards_assign_waiting
from rewards.services.settlement import payouts_return
from rewards.sources import REWARD_SOURCES, RewardSource, SourceCredit, register_reward_source
from rewards.tasks import payout_stock_alert_task, payout_sweep_task
from tests.factories import MembershipFactory, PanelistFactory, TenantFactory, UserFactory, publish

pytestmark = pytest.mark.django_db(transaction=True)

OCTOBER = date(2026, 10, 1)


def run_all(run: PayoutRun) -> None:
    for chunk_id in PayoutChunk.objects.unscoped().filter(run=run).values_list("pk", flat=True):
        payout_chunk_process(chunk_id=chunk_id)


@pytest.fixture
def tenant():
    return TenantFactory.create(currency="EUR", timezone="Europe/Paris")


def test_a_run_pays_balances_at_or_over_the_threshold_once(tenant) -> None:
    rich, poor, exact = (PanelistFactory.create(tenant=tenant) for _ in range(3))
    panelist_credit(panelist=rich, amount=1550, reason="bonus", idempotency_key="b:1")
    panelist_credit(panelist=poor, amount=999, reason="bonus", idempotency_key="b:2")
    panelist_credit(panelist=exact, amount=1000, reason="bonus", idempotency_key="b:3")

    with override_settings(PAYOUT_CHUNK_SIZE=1):
        start = payout_run_start(tenant=tenant, period=OCTOBER)
    assert start.created
    assert start.run.chunks_total == 2
    run_all(start.run)
    run_all(start.run)  # a replayed chunk writes nothing

    run = PayoutRun.objects.unscoped().get(pk=start.run.pk)
    assert run.status == PayoutRun.Status.DONE
    assert (run.payout_count, run.total_amount) == (2, 2550)
    assert sorted(Payout.objects.unscoped().values_list("amount", flat=True)) == [1000, 1550]
    assert panelist_balance(panelist=rich) == 0
    assert panelist_balance(panelist=poor) == 999
    assert account_balance(account=clearing_account_ensure(tenant=tenant)) == 2550
    assert payout_run_start(tenant=tenant, period=OCTOBER).created is False
    assert ledger_violations(tenant=tenant) == []


def test_the_database_refuses_a_second_run_and_a_second_payout(tenant) -> None:
    panelist = PanelistFactory.create(tenant=tenant)
    panelist_credit(panelist=panelist, amount=1000, reason="bonus", idempotency_key="b:1")
    run = payout_run_start(tenant=tenant, period=OCTOBER).run
    run_all(run)
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutRun.objects.create(tenant=tenant, period=OCTOBER, threshold=1)
    payout = Payout.objects.unscoped().get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Payout.objects.create(tenant=tenant, run=run, panelist=panelist, account_id=payout.account_id, amount=5,
                              currency="EUR", method="mass_payment", reference="other")  # fmt: skip


def consent_events(tenant, *events: tuple[datetime, Panelist, str, str]) -> None:
    """Record (moment, panelist, purpose, "grant" or "withdraw") in the consent log, in time order, as
    if each happened at its moment (the log stamps events with the clock)."""
    with mock.patch.object(timezone, "now", return_value=min(e[0] for e in events) - timedelta(days=1)):
        for key in sorted({purpose for _at, _p, purpose, _kind in events}):
            publish(tenant, key)  # in force before the first of them
    for at, panelist, purpose, kind in sorted(events, key=lambda e: e[0]):
        with mock.patch.object(timezone, "now", return_value=at):
            if kind == "grant":
                consent_grant(tenant=tenant, subject=panelist.public_id, purpose_key=purpose, language="en",
                              method="web", actor="subject")  # fmt: skip
            else:
                consent_withdraw(tenant=tenant, subject=panelist.public_id, purpose_key=purpose, method="web",
                                 actor="subject")  # fmt: skip


def test_registered_sources_are_credited_once_per_panelist_and_month(tenant) -> None:
    a, b = PanelistFactory.create(tenant=tenant), PanelistFactory.create(tenant=tenant)
    september = datetime(2026, 9, 15, 12, tzinfo=UTC)
    consent_events(tenant, (september, a, "receipts", "grant"), (september, b, "receipts", "grant"))
    calls: list[tuple[date, date]] = []

    def receipts(t, start, end):
        calls.append((start, end))
        if t == tenant:
            yield SourceCredit(a.pk, 1000, f"receipts:{start:%Y-%m}")
            yield SourceCredit(b.pk, 600, f"receipts:{start:%Y-%m}")

    register_reward_source(RewardSource("receipts", LedgerTransaction.Reason.RECEIPTS, receipts, purpose="receipts"))
    try:
        start = payout_run_start(tenant=tenant, period=OCTOBER)
        assert start.credited == 2
        assert calls == [(OCTOBER, date(2026, 11, 1))]
        assert monthly_rewards_credit(tenant=tenant, period=OCTOBER) == 0  # once per panelist and month
    finally:
        REWARD_SOURCES.unregister("receipts")
    run_all(start.run)
    assert panelist_balance(panelist=a) == 0  # credited, then paid
    assert panelist_balance(panelist=b) == 600  # under the threshold: waits
    keys = set(LedgerTransaction.objects.unscoped().filter(reason="receipts").values_list("idempotency_key", flat=True))
    assert keys == {f"receipts:2026-10:{a.pk}", f"receipts:2026-10:{b.pk}"}


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_a_source_credits_a_month_only_to_panelists_whose_consent_was_active_at_some_moment_of_it(
    tenant, caplog
) -> None:
    # given panelists of a panel in Paris (UTC+1 at the end of October, UTC+2 at the end of September)
    names = ["always", "left_in_september", "withdrew_on_the_25th", "joined_on_the_10th", "joined_in_november",
             "never", "surveys_only", "joined_after_midnight_in_paris", "withdrew_after_midnight_in_paris",
             "withdrew_before_midnight_in_paris"]  # fmt: skip
    p = {name: PanelistFactory.create(tenant=tenant) for name in names}
    consent_events(
        tenant,
        (at(2026, 9, 1, 8), p["always"], "receipts", "grant"),
        (at(2026, 9, 10, 8), p["left_in_september"], "receipts", "grant"),
        (at(2026, 9, 20, 8), p["left_in_september"], "receipts", "withdraw"),
        (at(2026, 9, 10, 8), p["withdrew_on_the_25th"], "receipts", "grant"),
        (at(2026, 10, 25, 8), p["withdrew_on_the_25th"], "receipts", "withdraw"),
        (at(2026, 10, 10, 8), p["joined_on_the_10th"], "receipts", "grant"),
        (at(2026, 11, 5, 8), p["joined_in_november"], "receipts", "grant"),
        (at(2026, 9, 1, 8), p["surveys_only"], "surveys", "grant"),
        (at(2026, 10, 31, 23, 30), p["joined_after_midnight_in_paris"], "receipts", "grant"),  # Nov 1, 00:30 there
        (at(2026, 9, 1, 8), p["withdrew_after_midnight_in_paris"], "receipts", "grant"),
        (at(2026, 9, 30, 22, 30), p["withdrew_after_midnight_in_paris"], "receipts", "withdraw"),  # Oct 1, 00:30
        (at(2026, 9, 1, 8), p["withdrew_before_midnight_in_paris"], "receipts", "grant"),
        (at(2026, 9, 30, 21, 30), p["withdrew_before_midnight_in_paris"], "receipts", "withdraw"),  # Sep 30, 23:30
    )

    def receipts(t, start, end):  # the source says everyone earned something in October
        yield from (SourceCredit(panelist.pk, 500, f"receipts:{start:%Y-%m}") for panelist in p.values())

    register_reward_source(RewardSource("receipts", LedgerTransaction.Reason.RECEIPTS, receipts, purpose="receipts"))
    try:
        # when the October run credits the month
        with caplog.at_level(logging.INFO, logger="rewards.services.payouts"):
            credited = monthly_rewards_credit(tenant=tenant, period=OCTOBER)
    finally:
        REWARD_SOURCES.unregister("receipts")

    # then only those with consent at some moment of October (in Paris) are credited
    paid = {name for name, panelist in p.items() if panelist_balance(panelist=panelist) == 500}
    assert paid == {"always", "withdrew_on_the_25th", "joined_on_the_10th", "withdrew_after_midnight_in_paris"}
    assert credited == 4
    assert "without consent to receipts that month, not paid: 6" in caplog.text
    assert not [name for name in names if p[name].public_id in caplog.text]  # a count, never who


def test_a_month_that_has_not_ended_is_refused_and_the_period_must_be_a_month(tenant) -> None:
    with pytest.raises(DomainError, match="has not ended"):
        payout_run_start(tenant=tenant, period=date(2026, 11, 1), now=datetime(2026, 11, 20, tzinfo=UTC))
    with pytest.raises(DomainError, match="YYYY-MM"):
        period_parse("2026-13")
    assert period_parse(" 2026-10 ") == OCTOBER
    assert not PayoutRun.objects.unscoped().exists()


def test_the_run_is_due_at_three_on_the_first_in_the_tenants_time_zone(tenant) -> None:
    due = payout_due_at(tenant, OCTOBER)
    assert due.isoformat() == "2026-11-01T03:00:00+01:00"  # Paris, winter time
    assert previous_period(tenant, datetime(2026, 10, 31, 23, 30, tzinfo=UTC)) == OCTOBER  # 00:30 Nov 1st


def test_charity_donations_settle_at_once_and_are_totalled(tenant) -> None:
    charity = Charity.objects.create(tenant=tenant, name="Médecins Sans Frontières")
    panelist = PanelistFactory.create(tenant=tenant)
    PayoutPreference.objects.create(tenant=tenant, panelist=panelist, method="charity", charity=charity)
    panelist_credit(panelist=panelist, amount=1250, reason="bonus", idempotency_key="b:1")

    run_all(payout_run_start(tenant=tenant, period=OCTOBER).run)

    payout = Payout.objects.unscoped().get()
    assert (payout.method, payout.status, payout.amount) == ("charity", "paid", 1250)
    [total] = charity_totals(tenant=tenant)
    assert (total.donated, total.donations) == (1250, 1)
    assert account_balance(account=clearing_account_ensure(tenant=tenant)) == 0
    assert ledger_violations(tenant=tenant) == []


def test_a_returned_payout_goes_back_to_the_balance_and_is_paid_next_month(tenant) -> None:
    panelist = PanelistFactory.create(tenant=tenant)
    panelist_credit(panelist=panelist, amount=1200, reason="bonus", idempotency_key="b:1")
    run_all(payout_run_start(tenant=tenant, period=date(2026, 9, 1)).run)
    payout = Payout.objects.unscoped().get()
    assert panelist.user is not None
    assert payout.email == panelist.user.email  # no preference: the account's address

    assert payouts_return(tenant=tenant, payouts=[payout], note="mailbox closed") == 1
    assert payouts_return(tenant=tenant, payouts=[payout], note="again") == 0
    assert panelist_balance(panelist=panelist) == 1200

    run_all(payout_run_start(tenant=tenant, period=OCTOBER).run)
    assert Payout.objects.unscoped().filter(status="pending").get().amount == 1200
    assert account_balance(account=provider_account_ensure(tenant=tenant, method="mass_payment")) == 0
    assert ledger_violations(tenant=tenant) == []


def test_leaving_the_panel_never_forfeits_a_balance(tenant) -> None:
    panelist = PanelistFactory.create(tenant=tenant)
    panelist_credit(panelist=panelist, amount=1000, reason="bonus", idempotency_key="b:1")
    panelist.status, panelist.left_at = "left", timezone.now()
    panelist.save()
    run_all(payout_run_start(tenant=tenant, period=OCTOBER).run)
    assert Payout.objects.unscoped().get(panelist=panelist).amount == 1000


def test_gift_cards_pay_whole_codes_and_the_remainder_waits(tenant) -> None:
    reward_settings_get(tenant=tenant)
    panelist = PanelistFactory.create(tenant=tenant)
    PayoutPreference.objects.create(tenant=tenant, panelist=panelist, method="gift_card")
    panelist_credit(panelist=panelist, amount=2550, reason="bonus", idempotency_key="b:1")
    GiftCard.objects.create(tenant=tenant, code="AAA-1", value=1000, currency="EUR")
    GiftCard.objects.create(tenant=tenant, code="AAA-2", value=1000, currency="EUR")

    run_all(payout_run_start(tenant=tenant, period=OCTOBER).run)

    payout = Payout.objects.unscoped().get()
    assert (payout.amount, payout.status) == (2000, "paid")
    assert sorted(payout.gift_cards.values_list("code", flat=True)) == ["AAA-1", "AAA-2"]
    assert panelist_balance(panelist=panelist) == 550
    assert account_balance(account=provider_account_ensure(tenant=tenant, method="gift_card")) == 2000
    assert ledger_violations(tenant=tenant) == []


def test_ledger_check_names_a_run_whose_totals_disagree_with_its_payouts(tenant) -> None:
    panelist = PanelistFactory.create(tenant=tenant)
    panelist_credit(panelist=panelist, amount=1000, reason="bonus", idempotency_key="b:1")
    run = payout_run_start(tenant=tenant, period=OCTOBER).run
    run_all(run)
    assert ledger_violations(tenant=tenant) == []

    PayoutRun.objects.unscoped().filter(pk=run.pk).update(total_amount=999)
    assert ledger_violations(tenant=tenant) == ["payout run 2026-10 records 1 payouts for 999 but has 1 for 1000"]
    PayoutRun.objects.unscoped().filter(pk=run.pk).update(total_amount=1000)
    Payout.objects.unscoped().update(amount=900)
    assert ledger_violations(tenant=tenant)[-1] == (
        "payout run 2026-10 has 1 payouts for 900 but its ledger postings are 1 for 1000"
    )


def test_payouts_run_command_pays_once_and_names_bad_input(tenant) -> None:
    panelist = PanelistFactory.create(tenant=tenant)
    panelist_credit(panelist=panelist, amount=1000, reason="bonus", idempotency_key="b:1")
    out = StringIO()
    call_command("payouts_run", "--tenant", tenant.slug, "--period", "2026-10", "--here", stdout=out)
    assert "Started the 2026-10 run" in out.getvalue()
    assert "Status done: 1/1 chunks done, 1 payout(s), 1000 EUR" in out.getvalue()
    out = StringIO()
    call_command("payouts_run", "--tenant", tenant.slug, "--period", "2026-10", "--here", stdout=out)
    assert "Resumed the 2026-10 run" in out.getvalue()
    assert Payout.objects.unscoped().count() == 1
    with pytest.raises(CommandError, match="No tenant 'nope'"):
        call_command("payouts_run", "--tenant", "nope", "--period", "2026-10")
    with pytest.raises(CommandError, match="not a month"):
        call_command("payouts_run", "--tenant", tenant.slug, "--period", "October")
    call_command("ledger_check", "--tenant", tenant.slug, stdout=StringIO())


def test_runs_are_due_at_three_on_the_first_in_each_tenants_own_time_zone(tenant) -> None:
    tokyo = TenantFactory.create(currency="JPY", timezone="Asia/Tokyo")
    # 18:30 UTC on Oct 31st is 03:30 on Nov 1st in Tokyo, but still Oct 31st in Paris.
    due = payout_runs_due_list(now=datetime(2026, 10, 31, 18, 30, tzinfo=UTC))
    assert [(t.pk, p) for t, p in due if t.pk in (tenant.pk, tokyo.pk)] == [(tokyo.pk, OCTOBER)]
    # 02:30 UTC on Nov 1st is 03:30 in Paris: both are due, until a run exists.
    due = payout_runs_due_list(now=datetime(2026, 11, 1, 2, 30, tzinfo=UTC))
    assert {t.pk for t, _ in due} >= {tenant.pk, tokyo.pk}
    payout_run_start(tenant=tenant, period=OCTOBER, now=datetime(2026, 11, 1, 2, 30, tzinfo=UTC))
    due = payout_runs_due_list(now=datetime(2026, 11, 1, 2, 45, tzinfo=UTC))
    assert tenant.pk not in {t.pk for t, _ in due}
    # A week late, a missed run is no longer started by itself (the operator starts it by hand).
    assert tokyo.pk not in {t.pk for t, _ in payout_runs_due_list(now=datetime(2026, 11, 9, tzinfo=UTC))}


def test_the_sweeper_requeues_chunks_that_stopped_moving_and_closes_finished_runs(tenant) -> None:
    for n in range(3):
        panelist_credit(panelist=PanelistFactory.create(tenant=tenant), amount=1000, reason="bonus",
                        idempotency_key=f"b:{n}")  # fmt: skip
    with override_settings(PAYOUT_CHUNK_SIZE=1):
        run = payout_run_start(tenant=tenant, period=OCTOBER).run
    assert payout_run_enqueue(run=run) == 3
    first = PayoutChunk.objects.unscoped().filter(run=run).order_by("number").first()
    assert first is not None
    payout_chunk_process(chunk_id=first.pk)
    with override_settings(PAYOUT_CHUNK_STALL_SECONDS=3600):
        assert payout_sweep_task()["requeued"] == 0  # enqueued a moment ago: still moving
    with override_settings(PAYOUT_CHUNK_STALL_SECONDS=0):
        assert payout_sweep_task()["requeued"] == 2  # only the pending ones
    run_all(run)
    assert payout_sweep_task()["requeued"] == 0
    assert PayoutRun.objects.unscoped().get(pk=run.pk).status == "done"


def test_the_operator_is_mailed_once_when_gift_card_codes_run_out(tenant, mailoutbox) -> None:
    owner, reviewer = UserFactory.create(), UserFactory.create()
    MembershipFactory.create(tenant=tenant, user=owner, role="owner")
    MembershipFactory.create(tenant=tenant, user=reviewer, role="reviewer")
    panelist = PanelistFactory.create(tenant=tenant)
    PayoutPreference.objects.create(tenant=tenant, panelist=panelist, method="gift_card")
    panelist_credit(panelist=panelist, amount=1000, reason="bonus", idempotency_key="b:1")
    run = payout_run_start(tenant=tenant, period=OCTOBER).run
    run_all(run)

    assert Payout.objects.unscoped().get().status == "waiting_stock"
    assert payout_stock_alert_task(run.pk) == 1
    [mail] = mailoutbox
    assert mail.to == [owner.email]
    assert "1 gift-card payout(s) waiting for codes" in mail.body
    assert f"/t/{tenant.slug}/console/payouts/providers/" in mail.body


def test_seed_demo_gives_the_wallet_and_console_real_history() -> None:
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # again: nothing paid twice
    demo = PayoutRun.objects.unscoped().get(tenant__slug="demo")
    assert demo.status == "done"
    assert set(Payout.objects.unscoped().filter(run=demo).values_list("method", "status")) == {
        ("gift_card", "paid"), ("charity", "paid"), ("mass_payment", "paid")
    }  # fmt: skip
    assert LedgerTransaction.objects.unscoped().filter(tenant=demo.tenant, reason="reversal").count() == 1
    assert charity_totals(tenant=demo.tenant)[0].donated > 0
    assert ledger_violations(tenant=demo.tenant) == []


def test_erasing_a_membership_keeps_the_money_and_forgets_the_payment_address(tenant) -> None:
    from consent.services.privacy import membership_erase
    from consent.subjects import subject_for

    panelist = PanelistFactory.create(tenant=tenant)
    user = panelist.user
    PayoutPreference.objects.create(tenant=tenant, panelist=panelist, method="mass_payment", email="pay@me.test")
    panelist_credit(panelist=panelist, amount=1500, reason="bonus", idempotency_key="b:1")
    run_all(payout_run_start(tenant=tenant, period=OCTOBER).run)
    assert Payout.objects.unscoped().get().email == "pay@me.test"

    subject = subject_for(tenant, user)
    assert subject is not None
    membership_erase(subject=subject, user=user)

    payout = Payout.objects.unscoped().get()
    assert (payout.status, payout.email) == ("returned", "")  # nobody left to pay at that address
    assert not PayoutPreference.objects.unscoped().exists()
    assert panelist_balance(panelist=panelist) == 1500  # the amount outlives the erasure
    run_all(payout_run_start(tenant=tenant, period=date(2026, 10, 1).replace(month=9)).run)
    assert Payout.objects.unscoped().count() == 1  # and is never paid to whoever holds a code or an address
    assert ledger_violations(tenant=tenant) == []


def test_a_charity_no_longer_offered_is_never_donated_to(tenant) -> None:
    charity = Charity.objects.create(tenant=tenant, name="Closed Shelter", is_active=False)
    panelist = PanelistFactory.create(tenant=tenant)
    PayoutPreference.objects.create(tenant=tenant, panelist=panelist, method="charity", charity=charity)
    panelist_credit(panelist=panelist, amount=1000, reason="bonus", idempotency_key="b:1")
    run_all(payout_run_start(tenant=tenant, period=OCTOBER).run)
    payout = Payout.objects.unscoped().get()
    assert (payout.method, payout.charity_id) == ("mass_payment", None)  # paid to the person instead


def test_waiting_gift_card_payouts_keep_the_value_they_were_cut_to(tenant) -> None:
    panelist = PanelistFactory.create(tenant=tenant)
    PayoutPreference.objects.create(tenant=tenant, panelist=panelist, method="gift_card")
    panelist_credit(panelist=panelist, amount=2000, reason="bonus", idempotency_key="b:1")
    run_all(payout_run_start(tenant=tenant, period=OCTOBER).run)
    assert Payout.objects.unscoped().get().status == "waiting_stock"
    RewardSettings.objects.filter(tenant=tenant).update(gift_card_value=2500)
    GiftCard.objects.create(tenant=tenant, code="NEW-25", value=2500, currency="EUR")
    GiftCard.objects.create(tenant=tenant, code="OLD-10-A", value=1000, currency="EUR")
    GiftCard.objects.create(tenant=tenant, code="OLD-10-B", value=1000, currency="EUR")
    assert giftcards_assign_waiting(tenant=tenant).paid == 1
    payout = Payout.objects.unscoped().get()
    assert sorted(payout.gift_cards.values_list("code", flat=True)) == ["OLD-10-A", "OLD-10-B"]
    assert ledger_violations(tenant=tenant) == []


def test_erasure_leaves_a_payout_finance_already_has_to_its_result(tenant) -> None:
    from consent.services.privacy import membership_erase
    from consent.subjects import subject_for
    from rewards.services.providers import mass_payment_batch_create

    panelist = PanelistFactory.create(tenant=tenant)
    panelist_credit(panelist=panelist, amount=1500, reason="bonus", idempotency_key="b:1")
    run_all(payout_run_start(tenant=tenant, period=OCTOBER).run)
    assert mass_payment_batch_create(tenant=tenant, actor="test") is not None
    subject = subject_for(tenant, panelist.user)
    assert subject is not None
    membership_erase(subject=subject, user=panelist.user)
    payout = Payout.objects.unscoped().get()
    assert payout.status == "sent"
    assert payout.email != ""  # finance still needs it to finish (or return) the payment
    assert ledger_violations(tenant=tenant) == []


def _erase_after_finance_has_it(tenant) -> tuple[Payout, MassPaymentBatch]:
    from consent.services.privacy import membership_erase
    from consent.subjects import subject_for
    from rewards.services.providers import mass_payment_batch_create

    panelist = PanelistFactory.create(tenant=tenant)
    PayoutPreference.objects.create(tenant=tenant, panelist=panelist, method="mass_payment", email="pay@me.test")
    panelist_credit(panelist=panelist, amount=1500, reason="bonus", idempotency_key="b:1")
    run_all(payout_run_start(tenant=tenant, period=OCTOBER).run)
    batch = mass_payment_batch_create(tenant=tenant, actor="test")
    assert batch is not None
    subject = subject_for(tenant, panelist.user)
    assert subject is not None
    membership_erase(subject=subject, user=panelist.user)
    assert Payout.objects.unscoped().get().email == "pay@me.test"  # finance still needs it to finish the payment
    return Payout.objects.unscoped().get(), batch


@pytest.mark.parametrize("result", ["paid", "returned"])
def test_an_erased_persons_payout_forgets_the_address_once_finance_settles_or_returns_it(tenant, result) -> None:
    from io import BytesIO

    from rewards.services.providers import mass_payment_result_import

    payout, batch = _erase_after_finance_has_it(tenant)

    outcome = mass_payment_result_import(
        batch=batch, upload=BytesIO(f"reference,status\n{payout.reference},{result}\n".encode()), actor="test"
    )

    assert (outcome.paid, outcome.returned) == ((1, 0) if result == "paid" else (0, 1))
    payout.refresh_from_db()
    assert (payout.status, payout.email) == (result, "")
    assert ledger_violations(tenant=tenant) == []


def test_an_erased_persons_payout_forgets_the_address_when_the_batch_is_marked_paid(tenant) -> None:
    from rewards.services.providers import mass_payment_mark_paid

    payout, batch = _erase_after_finance_has_it(tenant)

    assert mass_payment_mark_paid(batch=batch, actor="test") == 1

    payout.refresh_from_db()
    assert (payout.status, payout.email) == ("paid", "")


def test_a_payout_of_someone_still_here_keeps_its_address_when_it_settles(tenant) -> None:
    from rewards.services.providers import mass_payment_batch_create, mass_payment_mark_paid

    panelist = PanelistFactory.create(tenant=tenant)
    panelist_credit(panelist=panelist, amount=1500, reason="bonus", idempotency_key="b:1")
    run_all(payout_run_start(tenant=tenant, period=OCTOBER).run)
    batch = mass_payment_batch_create(tenant=tenant, actor="test")
    assert batch is not None

    mass_payment_mark_paid(batch=batch, actor="test")

    assert panelist.user is not None
    assert Payout.objects.unscoped().get().email == panelist.user.email  # the person can still see where it went


def test_erasing_after_the_payout_settled_forgets_its_address(tenant) -> None:
    from consent.services.privacy import membership_erase
    from consent.subjects import subject_for
    from rewards.services.providers import mass_payment_batch_create, mass_payment_mark_paid

    panelist = PanelistFactory.create(tenant=tenant)
    panelist_credit(panelist=panelist, amount=1500, reason="bonus", idempotency_key="b:1")
    run_all(payout_run_start(tenant=tenant, period=OCTOBER).run)
    batch = mass_payment_batch_create(tenant=tenant, actor="test")
    assert batch is not None
    mass_payment_mark_paid(batch=batch, actor="test")
    subject = subject_for(tenant, panelist.user)
    assert subject is not None

    membership_erase(subject=subject, user=panelist.user)

    payout = Payout.objects.unscoped().get()
    assert (payout.status, payout.amount, payout.email) == ("paid", 1500, "")
    assert ledger_violations(tenant=tenant) == []


def test_an_account_erasure_forgets_payment_details_in_a_panel_the_person_left(tenant) -> None:
    from consent.services.privacy import account_erase
    from rewards.services.providers import mass_payment_batch_create, mass_payment_mark_paid

    user = UserFactory.create()
    gone = PanelistFactory.create(tenant=tenant, user=user)
    PayoutPreference.objects.create(tenant=tenant, panelist=gone, method="mass_payment", email="old@pay.test")
    panelist_credit(panelist=gone, amount=1500, reason="bonus", idempotency_key="b:1")
    run_all(payout_run_start(tenant=tenant, period=OCTOBER).run)
    batch = mass_payment_batch_create(tenant=tenant, actor="test")
    assert batch is not None
    mass_payment_mark_paid(batch=batch, actor="test")
    Panelist.objects.unscoped().filter(pk=gone.pk).update(status=Panelist.Status.LEFT, left_at=timezone.now())
    elsewhere = TenantFactory.create(currency="EUR")
    PanelistFactory.create(tenant=elsewhere, user=user)  # an active membership elsewhere

    account_erase(user=user)

    assert not PayoutPreference.objects.unscoped().filter(panelist=gone).exists()
    assert Payout.objects.unscoped().get(panelist=gone).email == ""
    gone.refresh_from_db()
    assert gone.user is None
