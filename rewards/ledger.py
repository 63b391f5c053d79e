"""Posting to the double-entry ledger: credit a panelist, reverse a transaction, read balances.

Every posting carries an idempotency key unique per tenant: posting again with the same key returns
the first transaction and writes nothing; the same key with different legs is an error. Accounts are
locked in primary-key order before their cached balances move, so concurrent postings never
deadlock and never lose an update; the database refuses a negative panelist balance.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F

from accounts.models import User
from config.errors import Conflict, DomainError
from panel.models import Panelist
from rewards.models import LedgerAccount, LedgerEntry, LedgerTransaction
from tenants.models import Tenant


class InsufficientBalance(Conflict):
    code = "insufficient_balance"


@dataclass(frozen=True)
class Leg:
    account: LedgerAccount
    amount: int


def account_get_or_create(*, tenant: Tenant, key: str, kind: str, panelist: Panelist | None = None) -> LedgerAccount:
    try:
        with transaction.atomic():
            account, _ = LedgerAccount.objects.get_or_create(
                tenant=tenant, key=key, defaults={"kind": kind, "panelist": panelist, "currency": tenant.currency}
            )
    except IntegrityError:  # created by a concurrent posting a moment ago
        account = LedgerAccount.objects.get(tenant=tenant, key=key)
    return account


def panelist_account(*, panelist: Panelist) -> LedgerAccount:
    return account_get_or_create(
        tenant=panelist.tenant,
        key=f"panelist:{panelist.public_id}",
        kind=LedgerAccount.Kind.PANELIST,
        panelist=panelist,
    )


def expense_account(*, tenant: Tenant) -> LedgerAccount:
    return account_get_or_create(tenant=tenant, key="expense", kind=LedgerAccount.Kind.EXPENSE)


def _same_legs(existing: LedgerTransaction, legs: list[Leg]) -> bool:
    recorded = sorted(existing.entries.values_list("account_id", "amount"))
    return recorded == sorted((leg.account.pk, leg.amount) for leg in legs)


@transaction.atomic
def ledger_post(
    *,
    tenant: Tenant,
    idempotency_key: str,
    reason: str,
    legs: list[Leg],
    source: str = "",
    memo: str = "",
    created_by: User | None = None,
    reverses: LedgerTransaction | None = None,
) -> LedgerTransaction:
    if not idempotency_key or len(idempotency_key) > 200:
        raise DomainError("Every posting needs an idempotency key (at most 200 characters).",
                          fields={"idempotency_key": ["Required."]})  # fmt: skip
    if any(leg.amount == 0 for leg in legs) or sum(leg.amount for leg in legs) != 0 or len(legs) < 2:
        raise DomainError(
            "A posting needs two or more non-zero legs that sum to zero.", fields={"legs": ["Unbalanced."]}
        )
    if any(leg.account.tenant_id != tenant.pk for leg in legs):
        raise DomainError("Every leg must be an account of this tenant.", fields={"legs": ["Wrong tenant."]})
    existing = LedgerTransaction.objects.for_tenant(tenant).filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if not _same_legs(existing, legs):
            raise Conflict(f"'{idempotency_key}' was already posted with other amounts.", code="idempotency_mismatch")
        return existing
    try:
        with transaction.atomic():
            txn = LedgerTransaction.objects.create(
                tenant=tenant,
                idempotency_key=idempotency_key,
                reason=reason,
                source=source[:200],
                memo=memo[:300],
                actor=f"user:{created_by.pk}" if created_by is not None else "system",
                reverses=reverses,
            )
    except IntegrityError:  # the same key posted concurrently: that one stands
        first = LedgerTransaction.objects.for_tenant(tenant).get(idempotency_key=idempotency_key)
        if not _same_legs(first, legs):
            raise Conflict(
                f"'{idempotency_key}' was already posted with other amounts.", code="idempotency_mismatch"
            ) from None
        return first
    # Lock the accounts in primary-key order: concurrent postings over the same accounts queue up
    # instead of deadlocking.
    for account in (
        LedgerAccount.objects.select_for_update().filter(pk__in=[leg.account.pk for leg in legs]).order_by("pk")
    ):
        del account
    LedgerEntry.objects.bulk_create([LedgerEntry(tenant=tenant, transaction=txn, account=leg.account, amount=leg.amount)
                                     for leg in legs])  # fmt: skip
    try:
        with transaction.atomic():
            for leg in legs:
                LedgerAccount.objects.filter(pk=leg.account.pk).update(balance=F("balance") + leg.amount)
    except IntegrityError:
        raise InsufficientBalance("That would take a panelist's balance below zero.") from None
    return txn


def panelist_credit(
    *, panelist: Panelist, amount: int, reason: str, idempotency_key: str, source: str = "", memo: str = "",
    created_by: User | None = None,
) -> LedgerTransaction:  # fmt: skip
    """Credit a panelist (from the tenant's reward expense). Crediting twice with one key pays once."""
    if amount <= 0:
        raise DomainError("A credit is a positive amount.", fields={"amount": ["Use more than zero."]})
    tenant = panelist.tenant
    legs = [Leg(panelist_account(panelist=panelist), amount), Leg(expense_account(tenant=tenant), -amount)]
    return ledger_post(tenant=tenant, idempotency_key=idempotency_key, reason=reason, legs=legs, source=source,
                       memo=memo, created_by=created_by)  # fmt: skip


def transaction_reverse(*, txn: LedgerTransaction, memo: str = "", created_by: User | None = None) -> LedgerTransaction:
    """Post the mirror image of ``txn``; reversing twice returns the first reversal."""
    legs = [Leg(entry.account, -entry.amount) for entry in txn.entries.select_related("account")]
    return ledger_post(
        tenant=txn.tenant,
        idempotency_key=f"reversal:{txn.pk}",
        reason=LedgerTransaction.Reason.REVERSAL,
        legs=legs,
        memo=memo,
        created_by=created_by,
        reverses=txn,
    )


def panelist_balance(*, panelist: Panelist) -> int:
    account = LedgerAccount.objects.filter(panelist=panelist).first()
    return account.balance if account else 0
