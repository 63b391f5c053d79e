"""Posting to the double-entry ledger: its accounts, credits, reversals, and set-based batches.

Every posting carries an idempotency key unique per tenant: posting again with the same key returns
the first transaction and writes nothing; the same key with different legs is an error. Panelists'
accounts are locked in primary-key order before their cached balances move, so concurrent postings
never deadlock and never lose an update; the database refuses a negative panelist balance.

The tenant's own accounts (expense, clearing, providers, charities) cache no balance (see
``LedgerAccount``): no posting locks or updates them, so credits of different panelists of one tenant
never queue behind each other. A transaction's legs are always inserted in one statement: the
database checks each statement's legs sum to zero per transaction (migration 0010).

A single credit (``panelist_credit``) is one statement: the idempotent insert of the transaction,
the panelist's account created or its balance moved (which locks it), and both legs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pycountry
from django.db import IntegrityError, connection, transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import Conflict, DomainError
from panel.models import Panelist
from rewards.models import LedgerAccount, LedgerTransaction
from tenants.models import Tenant

# The most one leg of a posting may move, in minor units. Balances are bigints (9.2e18): far more
# postings than any panel makes would be needed to overflow one, so a balance never reaches a
# database error; an amount over this is refused as bad input before anything is written.
MAX_LEG = 10**15


class InsufficientBalance(Conflict):
    code = "insufficient_balance"


@dataclass(frozen=True)
class Leg:
    account: LedgerAccount
    amount: int


def account_get_or_create(*, tenant: Tenant, key: str, kind: str, panelist: Panelist | None = None) -> LedgerAccount:
    found = LedgerAccount.objects.filter(tenant=tenant, key=key).first()  # the usual case: one query
    if found is not None:
        return found
    try:
        with transaction.atomic():
            account, _ = LedgerAccount.objects.get_or_create(
                tenant=tenant, key=key, defaults={"kind": kind, "panelist": panelist, "currency": tenant.currency}
            )
    except IntegrityError:  # created by a concurrent posting a moment ago
        account = LedgerAccount.objects.get(tenant=tenant, key=key)
    return account


def panelist_account_ensure(*, panelist: Panelist) -> LedgerAccount:
    return account_get_or_create(
        tenant=panelist.tenant,
        key=f"panelist:{panelist.public_id}",
        kind=LedgerAccount.Kind.PANELIST,
        panelist=panelist,
    )


def expense_account_ensure(*, tenant: Tenant) -> LedgerAccount:
    return account_get_or_create(tenant=tenant, key="expense", kind=LedgerAccount.Kind.EXPENSE)


def clearing_account_ensure(*, tenant: Tenant) -> LedgerAccount:
    return account_get_or_create(tenant=tenant, key="clearing", kind=LedgerAccount.Kind.CLEARING)


def provider_account_ensure(*, tenant: Tenant, method: str) -> LedgerAccount:
    return account_get_or_create(tenant=tenant, key=f"provider:{method}", kind=LedgerAccount.Kind.PROVIDER)


def charity_account_ensure(*, tenant: Tenant, charity_id: int) -> LedgerAccount:
    return account_get_or_create(tenant=tenant, key=f"charity:{charity_id}", kind=LedgerAccount.Kind.CHARITY)


def panelist_accounts_ensure(*, tenant: Tenant, panelist_ids: Sequence[int]) -> dict[int, int]:
    """The ledger account id of each panelist, creating the missing ones in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO rewards_ledgeraccount (tenant_id, key, kind, panelist_id, currency, balance, created_at)"
            " SELECT p.tenant_id, 'panelist:' || p.public_id, 'panelist', p.id, %s, 0, now()"
            " FROM panel_panelist p WHERE p.tenant_id = %s AND p.id = ANY(%s)"
            " ON CONFLICT DO NOTHING",
            [tenant.currency, tenant.pk, list(panelist_ids)],
        )
        cursor.execute(
            "SELECT panelist_id, id FROM rewards_ledgeraccount WHERE tenant_id = %s AND panelist_id = ANY(%s)",
            [tenant.pk, list(panelist_ids)],
        )
        return dict(cursor.fetchall())


def accounts_lock(account_ids: Iterable[int]) -> None:
    """Lock the panelists' accounts among ``account_ids`` in the one order every posting uses, by
    primary key, so concurrent postings over the same panelists queue up instead of deadlocking. The
    tenant's own accounts are never locked: they cache no balance.

    ``FOR NO KEY UPDATE``, the lock an UPDATE of the balance takes anyway: it does not block the
    foreign-key checks of other transactions' entries (``FOR KEY SHARE``) on the same account."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM rewards_ledgeraccount WHERE id = ANY(%s) AND kind = 'panelist' ORDER BY id"
            " FOR NO KEY UPDATE",
            [sorted(set(account_ids))],
        )


_BALANCES_MOVE = (
    "UPDATE rewards_ledgeraccount AS acc SET balance = acc.balance + d.total"
    " FROM (SELECT a, SUM(m) AS total FROM unnest(%s::bigint[], %s::bigint[]) AS u(a, m) GROUP BY a) AS d"
    " WHERE acc.id = d.a AND acc.kind = 'panelist'"
)


@dataclass(frozen=True)
class Posting:
    """One transaction of a set-based posting: its idempotency key, source, and (account id, amount) legs."""

    key: str
    source: str
    legs: tuple[tuple[int, int], ...]
    memo: str = ""  # this posting's own memo; the batch's when empty


def ledger_post_many(
    *,
    tenant: Tenant,
    reason: str,
    postings: Sequence[Posting],
    memo: str = "",
    actor: str = "system",
) -> dict[str, int]:
    """Post many transactions in a few statements, for system batches (payout chunks, monthly credits).

    Keys already posted are skipped (their transactions stand), so a rerun after a crash writes only
    what is missing. Returns the newly posted transactions' ids by key. Must run inside the caller's
    transaction. (A payout chunk posts its own way, in the one statement that decides and pays it:
    ``rewards.services.payouts``.)
    """
    if not postings:
        return {}
    if len({p.key for p in postings}) != len(postings):
        raise DomainError("A batch of postings names the same idempotency key twice.", code="duplicate_key")
    for posting in postings:
        if not posting.key or len(posting.key) > 200:
            raise DomainError("Every posting needs an idempotency key (at most 200 characters).")
        if len(posting.legs) < 2 or any(a == 0 for _, a in posting.legs) or sum(a for _, a in posting.legs) != 0:
            raise DomainError(f"Posting '{posting.key}' needs two or more non-zero legs that sum to zero.")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO rewards_ledgertransaction"
            " (tenant_id, idempotency_key, reason, source, memo, actor, created_at)"
            " SELECT %s, k, %s, s, COALESCE(NULLIF(m, ''), %s), %s, clock_timestamp()"
            " FROM unnest(%s::text[], %s::text[], %s::text[]) AS u(k, s, m)"
            " ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id, idempotency_key",
            [
                tenant.pk,
                reason,
                memo[:300],
                actor,
                [p.key for p in postings],
                [p.source[:200] for p in postings],
                [p.memo[:300] for p in postings],
            ],
        )
        created = {key: pk for pk, key in cursor.fetchall()}
        _refuse_other_legs(tenant, {p.key: list(p.legs) for p in postings if p.key not in created})
        if not created:
            return {}
        legs = [(created[p.key], account, amount) for p in postings if p.key in created for account, amount in p.legs]
        _entries_insert(cursor, tenant, legs)
        accounts_lock(account for _, account, _ in legs)
        try:
            with transaction.atomic():
                cursor.execute(_BALANCES_MOVE, [[a for _, a, _ in legs], [m for _, _, m in legs]])
        except IntegrityError:
            raise InsufficientBalance(_("That would take a panelist's balance below zero.")) from None
    return created


def _entries_insert(cursor: Any, tenant: Tenant, legs: Sequence[tuple[int, int, int]]) -> None:
    """Every leg in one statement, (transaction id, account id, amount): the database checks what the
    statement added to each transaction sums to zero."""
    cursor.execute(
        "INSERT INTO rewards_ledgerentry (tenant_id, transaction_id, account_id, amount)"
        " SELECT %s, t, a, m FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS u(t, a, m)",
        [tenant.pk, [t for t, _, _ in legs], [a for _, a, _ in legs], [m for _, _, m in legs]],
    )


def _refuse_other_legs(tenant: Tenant, expected: dict[str, list[tuple[int | None, int]]]) -> None:
    """Each key posted before must have been posted with the same legs (account id, amount); otherwise it
    is an error, on every posting path: a corrected amount is never silently dropped."""
    if not expected:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.idempotency_key, e.account_id, e.amount FROM rewards_ledgerentry e"
            " JOIN rewards_ledgertransaction t ON t.id = e.transaction_id"
            " WHERE t.tenant_id = %s AND t.idempotency_key = ANY(%s)",
            [tenant.pk, list(expected)],
        )
        recorded: dict[str, list[tuple[int | None, int]]] = {}
        for key, account, amount in cursor.fetchall():
            recorded.setdefault(key, []).append((account, amount))
    for key, legs in expected.items():
        if Counter(recorded.get(key, [])) != Counter(legs):
            raise Conflict(f"'{key}' was already posted with other amounts.", code="idempotency_mismatch")


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
    if reason not in LedgerTransaction.Reason.values:
        raise DomainError(f"Unknown reason '{reason[:40]}'.", fields={"reason": ["Unknown reason."]})
    if any(leg.amount == 0 for leg in legs) or sum(leg.amount for leg in legs) != 0 or len(legs) < 2:
        raise DomainError(
            "A posting needs two or more non-zero legs that sum to zero.", fields={"legs": ["Unbalanced."]}
        )
    if any(leg.account.tenant_id != tenant.pk for leg in legs):
        raise DomainError("Every leg must be an account of this tenant.", fields={"legs": ["Wrong tenant."]})
    if any(abs(leg.amount) > MAX_LEG for leg in legs):
        raise DomainError(
            _("That amount is more than one posting may move."), code="amount_out_of_range",
            fields={"amount": [_("At most %(n)s minor units.") % {"n": number_format(MAX_LEG, force_grouping=True)}]},
        )  # fmt: skip
    txn = LedgerTransaction(
        tenant=tenant,
        idempotency_key=idempotency_key,
        reason=reason,
        source=source[:200],
        memo=memo[:300],
        actor=f"user:{created_by.pk}" if created_by is not None else "system",
        reverses=reverses,
    )
    with connection.cursor() as cursor:  # no savepoint: a concurrent twin is skipped, not an error
        cursor.execute(
            "INSERT INTO rewards_ledgertransaction"
            " (tenant_id, idempotency_key, reason, source, memo, actor, reverses_id, created_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, clock_timestamp())"
            " ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id, created_at",
            [tenant.pk, txn.idempotency_key, txn.reason, txn.source, txn.memo, txn.actor, txn.reverses_id],
        )
        row = cursor.fetchone()
    if row is None:  # the key was posted before (a retry), or concurrently a moment ago: that one stands
        _refuse_other_legs(tenant, {idempotency_key: [(leg.account.pk, leg.amount) for leg in legs]})
        return LedgerTransaction.objects.for_tenant(tenant).get(idempotency_key=idempotency_key)
    txn.pk, txn.created_at = row
    txn._state.adding = False
    moved = [leg for leg in legs if leg.account.kind == LedgerAccount.Kind.PANELIST]
    accounts_lock([leg.account.pk for leg in moved])
    try:  # no savepoint: the error rolls this whole posting back, as it should
        with connection.cursor() as cursor:
            _entries_insert(cursor, tenant, [(txn.pk, leg.account.pk, leg.amount) for leg in legs])
            cursor.execute(_BALANCES_MOVE, [[leg.account.pk for leg in moved], [leg.amount for leg in moved]])
    except IntegrityError:
        raise InsufficientBalance(_("That would take a panelist's balance below zero.")) from None
    return txn


def panelist_credit(
    *, panelist: Panelist, amount: int, reason: str, idempotency_key: str, source: str = "", memo: str = "",
    created_by: User | None = None, currency: str | None = None,
) -> LedgerTransaction:  # fmt: skip
    """Credit a panelist (from the tenant's reward expense). Crediting twice with one key pays once.

    ``currency``, when the caller names one, must be the tenant's: amounts are never converted."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise DomainError(
            "A credit is a positive whole number of minor units.", fields={"amount": ["Use more than zero."]}
        )
    tenant = panelist.tenant
    if currency is not None and pycountry.currencies.get(alpha_3=currency) is None:
        raise DomainError(f"'{currency[:10]}' is not an ISO 4217 currency.", fields={"currency": ["Unknown currency."]})
    if currency is not None and currency != tenant.currency:
        raise DomainError(f"This panel pays in {tenant.currency}, not {currency}.",
                          fields={"currency": [f"Use {tenant.currency}."]})  # fmt: skip
    if amount > MAX_LEG:
        raise DomainError(
            "That amount is more than one posting may move.", code="amount_out_of_range",
            fields={"amount": [f"At most {MAX_LEG:,} minor units."]},
        )  # fmt: skip
    if not idempotency_key or len(idempotency_key) > 200:
        raise DomainError("Every posting needs an idempotency key (at most 200 characters).",
                          fields={"idempotency_key": ["Required."]})  # fmt: skip
    if reason not in LedgerTransaction.Reason.values:
        raise DomainError(f"Unknown reason '{reason[:40]}'.", fields={"reason": ["Unknown reason."]})
    txn = LedgerTransaction(
        tenant=tenant, idempotency_key=idempotency_key, reason=reason, source=source[:200], memo=memo[:300],
        actor=f"user:{created_by.pk}" if created_by is not None else "system",
    )  # fmt: skip
    account_key = f"panelist:{panelist.public_id}"
    for _attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(
                _CREDIT,
                {"tenant": tenant.pk, "key": txn.idempotency_key, "reason": txn.reason, "source": txn.source,
                 "memo": txn.memo, "actor": txn.actor, "account_key": account_key, "panelist": panelist.pk,
                 "currency": tenant.currency, "amount": amount},
            )  # fmt: skip
            txn_id, created_at, expense_id, account_id = cursor.fetchone()
        if expense_id is None:  # the tenant's first credit ever: make its expense account, then post
            expense_account_ensure(tenant=tenant)
            continue
        if txn_id is None:  # posted before (a retry), or concurrently a moment ago: that one stands
            _refuse_other_legs(tenant, {idempotency_key: [(account_id, amount), (expense_id, -amount)]})
            return LedgerTransaction.objects.for_tenant(tenant).get(idempotency_key=idempotency_key)
        txn.pk, txn.created_at = txn_id, created_at
        txn._state.adding = False
        return txn
    raise AssertionError("the expense account exists after it was ensured")  # pragma: no cover


# One round trip: the idempotent insert of the transaction; the panelist's account created with the
# amount, or its balance moved (the row lock that orders concurrent postings to one panelist); both
# legs in one insert. Nothing is written when the key exists, or before the tenant has its expense
# account (the caller makes it and asks again).
_CREDIT = """
WITH expense AS (
    SELECT id FROM rewards_ledgeraccount WHERE tenant_id = %(tenant)s AND key = 'expense'
), txn AS (
    INSERT INTO rewards_ledgertransaction (tenant_id, idempotency_key, reason, source, memo, actor, created_at)
    SELECT %(tenant)s, %(key)s, %(reason)s, %(source)s, %(memo)s, %(actor)s, clock_timestamp() FROM expense
    ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
    RETURNING id, created_at
), account AS (
    INSERT INTO rewards_ledgeraccount AS acc (tenant_id, key, kind, panelist_id, currency, balance, created_at)
    SELECT %(tenant)s, %(account_key)s, 'panelist', %(panelist)s, %(currency)s, %(amount)s, now() FROM txn
    ON CONFLICT (tenant_id, key) DO UPDATE SET balance = acc.balance + EXCLUDED.balance
    RETURNING id
), legs AS (
    INSERT INTO rewards_ledgerentry (tenant_id, transaction_id, account_id, amount)
    SELECT %(tenant)s, txn.id, account.id, %(amount)s FROM txn, account
    UNION ALL
    SELECT %(tenant)s, txn.id, expense.id, -%(amount)s FROM txn, expense
)
SELECT (SELECT id FROM txn), (SELECT created_at FROM txn), (SELECT id FROM expense),
       -- the panelist's account as it was before this statement: a replay compares its legs by id
       (SELECT id FROM rewards_ledgeraccount WHERE tenant_id = %(tenant)s AND key = %(account_key)s)
"""


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
