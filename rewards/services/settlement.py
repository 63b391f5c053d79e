"""Closing payouts: settled (the provider paid, or the donation is made) or returned (the provider
could not pay). Money leaves payout clearing for the provider's account, the charity's, or back to
the panelist's balance, which the next run pays again.

A payout is closed once: each close re-reads the still-open payouts under a row lock, in primary-key
order, before it locks any ledger account, so a settle racing a return finds the payout done and
leaves it alone.

The address of a payout whose panelist is no longer linked to a person (erased, or unlinked by the
retention purge) is forgotten when the payout closes: it was kept only for finance to finish paying.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from rewards.models import LedgerTransaction, Payout, PayoutMethod
from rewards.services.ledger import (
    Posting,
    charity_account_ensure,
    clearing_account_ensure,
    ledger_post_many,
    provider_account_ensure,
)
from tenants.models import Tenant


def _settle_account(tenant: Tenant, payout: Payout) -> int:
    if payout.method == PayoutMethod.CHARITY and payout.charity_id is not None:
        return charity_account_ensure(tenant=tenant, charity_id=payout.charity_id).pk
    return provider_account_ensure(tenant=tenant, method=payout.method).pk


OPEN_STATUSES = (Payout.Status.PENDING, Payout.Status.WAITING_STOCK, Payout.Status.SENT)


def _lock_open(tenant: Tenant, payouts: list[Payout]) -> list[Payout]:
    """The payouts still open, re-read under a row lock: a settle racing a return finds one of them done."""
    return list(
        Payout.objects.for_tenant(tenant)
        .select_for_update()
        .filter(pk__in=[p.pk for p in payouts], status__in=OPEN_STATUSES)
        .order_by("pk")
    )


def _payouts_close(
    *, tenant: Tenant, payouts: list[Payout], status: str, reason: str, key: str, actor: str,
    counter_account: Callable[[Payout], int], note: str = "", notes: dict[int, str] | None = None,
) -> int:  # fmt: skip
    """Move the still-open ``payouts`` out of clearing to each one's counter account, and close them
    with ``status``; payouts settled or returned meanwhile are left alone."""
    if not payouts:
        return 0
    notes = notes or {}
    with transaction.atomic():
        open_ = _lock_open(tenant, payouts)
        if not open_:
            return 0
        clearing = clearing_account_ensure(tenant=tenant)
        postings = [
            Posting(f"{key}:{p.pk}", f"payout:{p.reference}",
                    ((clearing.pk, -p.amount), (counter_account(p), p.amount)), notes.get(p.pk, ""))
            for p in open_
        ]  # fmt: skip
        ledger_post_many(tenant=tenant, reason=reason, postings=postings, actor=actor, memo=note)
        now = timezone.now()
        closed = Payout.objects.for_tenant(tenant).filter(pk__in=[p.pk for p in open_])
        closed.update(status=status, settled_at=now, note=note[:300])
        for p in open_:
            if p.pk in notes:
                closed.filter(pk=p.pk).update(note=notes[p.pk][:300])
        # A person erased while finance held the payout: the address was kept only so that the payment
        # could finish; once it is settled or returned nobody needs it, and it goes (the amount stays).
        closed.filter(panelist__user__isnull=True).exclude(email="").update(email="")
    return len(open_)


def payouts_settle(*, tenant: Tenant, payouts: list[Payout], actor: str = "system") -> int:
    """The provider paid (or the donation is made): clearing -> provider or charity; status paid."""
    return _payouts_close(tenant=tenant, payouts=payouts, status=Payout.Status.PAID,
                          reason=LedgerTransaction.Reason.SETTLED, key="payout-settle", actor=actor,
                          counter_account=lambda p: _settle_account(tenant, p))  # fmt: skip


def payouts_return(
    *, tenant: Tenant, payouts: list[Payout], note: str = "", actor: str = "system", notes: dict[int, str] | None = None
) -> int:
    """The provider could not pay: clearing -> the panelist's balance, paid again at the next run.
    ``notes`` gives a payout its own note (by id); all are returned in one posting, one lock round."""
    return _payouts_close(tenant=tenant, payouts=payouts, status=Payout.Status.RETURNED,
                          reason=LedgerTransaction.Reason.RETURNED, key="payout-return", actor=actor,
                          counter_account=lambda p: p.account_id, note=note, notes=notes)  # fmt: skip
