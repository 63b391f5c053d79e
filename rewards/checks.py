"""``ledger_check``: prove the ledger's invariants from the rows themselves, one tenant at a time."""

from __future__ import annotations

from django.db.models import F, Q, Sum

from rewards.models import LedgerAccount, LedgerEntry
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
    return problems
