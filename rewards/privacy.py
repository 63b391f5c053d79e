"""Privacy categories of rewards: what a panelist earned and was paid."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from consent.registry import Category, Person, register
from panel.models import Panelist
from rewards.models import LedgerAccount, LedgerEntry, LedgerTransaction, Payout, PayoutPreference
from rewards.services.settlement import payouts_return


def _accounts(person: Person) -> Any:
    if person.scope == "tenant" and person.tenant is not None:
        return LedgerAccount.objects.filter(tenant=person.tenant, panelist__public_id=person.subject)
    return LedgerAccount.objects.unscoped().filter(panelist__in=_panelists(person))  # across tenants: the account's


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
                for e in LedgerEntry.objects.filter(tenant_id=account.tenant_id, account=account)
                .select_related("transaction")
                .order_by("id")
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
        name=_("What you earned and were paid"),
        basis="legal_obligation",
        retention_days=None,
        models=(LedgerAccount, LedgerTransaction, LedgerEntry),
        exporter=_export,
        eraser=_erase,
        notes="Accounting records: kept, under the pseudonymous panelist id only, after an erasure.",
    )
)


def _panelists(person: Person) -> Any:
    if person.scope == "tenant" and person.tenant is not None:
        return Panelist.objects.filter(tenant=person.tenant, public_id=person.subject)
    if person.user is None:
        return Panelist.objects.none()
    # across tenants: an account-wide export or erasure reaches the person's rows in every panel
    return Panelist.objects.unscoped().filter(user=person.user)


def _export_payouts(person: Person) -> Any:
    panelists = _panelists(person)
    return {
        "preferences": [
            {"method": p.method, "email": p.email, "charity": p.charity.name if p.charity else None}
            for p in PayoutPreference.objects.unscoped()  # across tenants: the person's, in every panel
            .filter(panelist__in=panelists)
            .select_related("charity")
        ],
        "payouts": [
            {
                "period": f"{p.run.period:%Y-%m}",
                "amount": p.amount,
                "currency": p.currency,
                "method": p.method,
                "status": p.status,
                "reference": p.reference,
                "email": p.email,
                "gift_card_codes": [c.code for c in p.gift_cards.all()],
            }
            for p in Payout.objects.unscoped()  # across tenants: the person's, in every panel
            .filter(panelist__in=panelists)
            .select_related("run")
            .prefetch_related("gift_cards")
        ],
    }


def _erase_payouts(person: Person) -> int:
    panelists = list(_panelists(person))
    # A payout not yet handed to a provider cannot reach a person who is gone: it goes back to the
    # (pseudonymous) balance, which is never paid out again. A payout already in finance's batch
    # keeps its address until the provider's result settles or returns it, which then forgets it
    # (rewards.services.settlement). Amounts stay.
    for panelist in panelists:
        unpaid = list(Payout.objects.filter(panelist=panelist, status__in=["pending", "waiting_stock"]))
        payouts_return(tenant=panelist.tenant, payouts=unpaid, note="erased at the person's request")
    erased = (
        Payout.objects.unscoped()  # across tenants: the person's, in every panel
        .filter(panelist__in=panelists)
        .exclude(email="")
        .exclude(status="sent")
        .update(email="")
    )
    deleted, _ = PayoutPreference.objects.unscoped().filter(panelist__in=panelists).delete()  # across tenants: as above
    return erased + deleted


register(
    Category(
        key="rewards.payouts",
        name=_("How you are paid, and your payouts"),
        basis="contract",
        retention_days=None,
        models=(PayoutPreference, Payout),
        exporter=_export_payouts,
        eraser=_erase_payouts,
        notes="Payout amounts are accounting records; the payment address is erased on request.",
    )
)
