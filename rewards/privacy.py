"""Privacy categories of rewards: what a panelist earned and was paid."""

from __future__ import annotations

from typing import Any

from consent.registry import Category, Person, register
from panel.models import Panelist
from rewards.models import LedgerAccount, LedgerEntry, LedgerTransaction


def _accounts(person: Person) -> Any:
    if person.scope == "tenant" and person.tenant is not None:
        return LedgerAccount.objects.filter(tenant=person.tenant, panelist__public_id=person.subject)
    panelists = Panelist.objects.filter(user=person.user) if person.user is not None else Panelist.objects.none()
    return LedgerAccount.objects.filter(panelist__in=panelists)


def _export(person: Person) -> Any:
    return [
        {
            "balance": account.balance,
            "currency": account.currency,
            "history": [
                {
                    "amount": e.amount,
                    "reason": e.transaction.reason,
                    "source": e.transaction.source,
                    "at": e.transaction.created_at.isoformat(),
                }
                for e in LedgerEntry.objects.filter(account=account).select_related("transaction").order_by("id")
            ],
        }
        for account in _accounts(person)
    ]


def _erase(person: Person) -> int:
    # Amounts outlive an erasure: the accounts belong to the pseudonymous panelist row, which the
    # panel's eraser unlinks from the person. Nothing here names anyone.
    return 0


register(
    Category(
        key="rewards.ledger",
        name="What you earned and were paid",
        basis="legal_obligation",
        retention_days=None,
        models=(LedgerAccount, LedgerTransaction, LedgerEntry),
        exporter=_export,
        eraser=_erase,
        notes="Accounting records: kept, under the pseudonymous panelist id only, after an erasure.",
    )
)
