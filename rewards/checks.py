"""``ledger_check``: prove the ledger's invariants from the rows themselves, one tenant at a time."""

from __future__ import annotations

from django.db.models import Count, F, Q, Sum

from rewards.models import LedgerAccount, LedgerEntry, PayoutRun
from tenants.models import Tenant


def ledger_violations(*, tenant: Tenant) -> list[str]:
    """Every broken invariant of ``tenant``'s ledger, described; empty when the ledger holds."""
    problems: list[str] = []
    unbalanced = (
        LedgerEntry.objects.for_tenant(tenant)
        .values("transaction_id")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
        .order_by("transaction_id")
    )
    problems += [f"transaction {row['transaction_id']} sums to {row['total']}, not 0" for row in unbalanced]
    negative = LedgerAccount.objects.for_tenant(tenant).filter(kind=LedgerAccount.Kind.PANELIST, balance__lt=0)
    problems += [f"account {a.key} is negative ({a.balance})" for a in negative.order_by("pk")]
    drifted = (
        LedgerAccount.objects.for_tenant(tenant)
        .annotate(total=Sum("entries__amount", default=0))
        .filter(~Q(balance=F("total")))
        .order_by("pk")
    )
    problems += [f"account {a.key} caches {a.balance} but its entries sum to {a.total}" for a in drifted]
    runs = (
        PayoutRun.objects.for_tenant(tenant)
        .annotate(n=Count("payouts"), total=Sum("payouts__amount", default=0))
        .order_by("period")
    )
    for run in runs:
        if (run.payout_count, run.total_amount) != (run.n, run.total):
            problems.append(
                f"payout run {run.period:%Y-%m} records {run.payout_count} payouts for {run.total_amount}"
                f" but has {run.n} for {run.total}"
            )
        posted = (
            LedgerEntry.objects.for_tenant(tenant)
            .filter(transaction__source=f"payout-run:{run.pk}", account__kind=LedgerAccount.Kind.CLEARING)
            .aggregate(total=Sum("amount", default=0), n=Count("id"))
        )
        if (posted["n"], posted["total"]) != (run.n, run.total):
            problems.append(
                f"payout run {run.period:%Y-%m} has {run.n} payouts for {run.total}"
                f" but its ledger postings are {posted['n']} for {posted['total']}"
            )
    return problems
