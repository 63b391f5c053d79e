"""The double-entry ledger: balanced, append-only, idempotent, never negative, race-safe."""

from __future__ import annotations

import threading

import psycopg
import pytest
from django.db import DatabaseError, IntegrityError, connection, connections, transaction

from core.errors import Conflict, DomainError
from rewards.models import LedgerAccount, LedgerEntry, LedgerTransaction
from rewards.selectors import account_balance, ledger_violations, panelist_balance
from rewards.services.ledger import (
    InsufficientBalance,
    Leg,
    expense_account_ensure,
    ledger_post,
    panelist_account_ensure,
    panelist_credit,
    transaction_reverse,
)
from tests.conftest import owner_cursor
from tests.factories import PanelistFactory, TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def panelist():
    return PanelistFactory.create(tenant=TenantFactory.create(currency="EUR"))


def test_a_credit_moves_money_from_expense_to_the_panelist(panelist) -> None:
    txn = panelist_credit(
        panelist=panelist, amount=50, reason="survey", idempotency_key="survey:1", source="survey-response:1"
    )

    assert panelist_balance(panelist=panelist) == 50
    assert account_balance(account=expense_account_ensure(tenant=panelist.tenant)) == -50
    assert sorted(txn.entries.values_list("amount", flat=True)) == [-50, 50]
    assert panelist_account_ensure(panelist=panelist).currency == "EUR"


def test_crediting_twice_with_one_key_pays_once_and_another_amount_is_refused(panelist) -> None:
    first = panelist_credit(panelist=panelist, amount=50, reason="survey", idempotency_key="survey:7")
    again = panelist_credit(panelist=panelist, amount=50, reason="survey", idempotency_key="survey:7")

    assert again == first
    assert LedgerEntry.objects.unscoped().count() == 2
    with pytest.raises(Conflict, match="other amounts"):
        panelist_credit(panelist=panelist, amount=60, reason="survey", idempotency_key="survey:7")
    assert panelist_balance(panelist=panelist) == 50


def test_a_reversal_is_a_new_transaction_and_happens_once(panelist) -> None:
    txn = panelist_credit(panelist=panelist, amount=200, reason="bonus", idempotency_key="bonus:1")

    reversal = transaction_reverse(txn=txn)
    again = transaction_reverse(txn=txn)

    assert again == reversal
    assert reversal.reverses == txn
    assert panelist_balance(panelist=panelist) == 0
    assert LedgerTransaction.objects.unscoped().count() == 2


def test_a_balance_never_goes_negative(panelist) -> None:
    panelist_credit(panelist=panelist, amount=6, reason="survey", idempotency_key="s:1")
    legs = [
        Leg(panelist_account_ensure(panelist=panelist), -50),
        Leg(expense_account_ensure(tenant=panelist.tenant), 50),
    ]

    with pytest.raises(InsufficientBalance):
        ledger_post(tenant=panelist.tenant, idempotency_key="adj:1", reason="adjustment", legs=legs)

    assert panelist_balance(panelist=panelist) == 6
    assert not LedgerTransaction.objects.unscoped().filter(idempotency_key="adj:1").exists()


def test_the_database_refuses_an_unbalanced_transaction(panelist) -> None:
    account = panelist_account_ensure(panelist=panelist)
    txn = LedgerTransaction.objects.create(tenant=panelist.tenant, idempotency_key="raw:1", reason="bonus")

    def post_one_leg_and_commit() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            LedgerEntry.objects.create(tenant=panelist.tenant, transaction=txn, account=account, amount=10)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what COMMIT does

    with pytest.raises(IntegrityError, match="does not balance"):
        post_one_leg_and_commit()


@pytest.mark.django_db(transaction=True)
def test_entries_and_transactions_are_append_only(panelist) -> None:
    txn = panelist_credit(panelist=panelist, amount=10, reason="bonus", idempotency_key="bonus:3")
    for sql in (
        "UPDATE rewards_ledgerentry SET amount = 99 WHERE transaction_id = %s",
        "DELETE FROM rewards_ledgerentry WHERE transaction_id = %s",
        "UPDATE rewards_ledgertransaction SET memo = 'x' WHERE id = %s",
        "DELETE FROM rewards_ledgertransaction WHERE id = %s",
    ):
        # the application's role has no such privilege
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic(), connection.cursor() as c:
            c.execute(sql, [txn.pk])
        # and the triggers refuse even the owner of the tables
        with pytest.raises(psycopg.Error, match="append-only"), owner_cursor() as cursor:
            cursor.execute(sql, [txn.pk])


def test_the_database_refuses_a_negative_panelist_balance(panelist) -> None:
    account = panelist_account_ensure(panelist=panelist)

    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.unscoped().filter(pk=account.pk).update(balance=-1)


@pytest.mark.django_db(transaction=True)
def test_credits_of_two_panelists_of_one_tenant_never_wait_for_each_other() -> None:
    # given a credit to one panelist, not yet committed
    tenant = TenantFactory.create()
    first, second = PanelistFactory.create_batch(2, tenant=tenant)
    panelist_credit(panelist=first, amount=5, reason="bonus", idempotency_key="warm-up")  # the accounts exist
    holding, done = threading.Event(), threading.Event()

    def hold_a_credit_open() -> None:
        try:
            with transaction.atomic():
                panelist_credit(panelist=first, amount=10, reason="survey", idempotency_key="first")
                holding.set()
                done.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_a_credit_open)
    holder.start()
    assert holding.wait(10)

    # when another panelist of the same tenant is credited, with no patience for a lock
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '500ms'")
            panelist_credit(panelist=second, amount=20, reason="survey", idempotency_key="second")
    finally:
        done.set()
        holder.join()

    # then it went through at once: no row of the tenant's (its expense account) is held by a credit
    assert (panelist_balance(panelist=first), panelist_balance(panelist=second)) == (15, 20)
    assert account_balance(account=expense_account_ensure(tenant=tenant)) == -35
    assert ledger_violations(tenant=tenant) == []


def test_the_tenants_own_accounts_cache_no_balance(panelist) -> None:
    expense = expense_account_ensure(tenant=panelist.tenant)

    with pytest.raises(IntegrityError, match="only_panelists_cache_a_balance"), transaction.atomic():
        LedgerAccount.objects.unscoped().filter(pk=expense.pk).update(balance=-10)


@pytest.mark.django_db(transaction=True)
def test_concurrent_credits_and_reversals_lose_nothing() -> None:
    panelist = PanelistFactory.create(tenant=TenantFactory.create())
    seed = panelist_credit(panelist=panelist, amount=1000, reason="bonus", idempotency_key="seed")
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for n in range(10):
                txn = panelist_credit(panelist=panelist, amount=7, reason="survey", idempotency_key=f"w{worker}:{n}")
                panelist_credit(
                    panelist=panelist, amount=7, reason="survey", idempotency_key=f"w{worker}:{n}"
                )  # retried
                if n % 2:
                    transaction_reverse(txn=txn)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    account = panelist_account_ensure(panelist=panelist)
    entries_sum = sum(LedgerEntry.objects.unscoped().filter(account=account).values_list("amount", flat=True))
    assert account.balance == entries_sum == 1000 + 6 * 5 * 7
    assert seed.pk


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": -50}, "amount"),
        ({"amount": 1.5}, "amount"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "USD"}, "currency"),
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"idempotency_key": "k" * 201}, "idempotency_key"),
    ],
)
def test_bad_credits_are_refused_with_the_field_and_write_nothing(panelist, kwargs, field) -> None:
    credit = {"panelist": panelist, "amount": 50, "reason": "survey", "idempotency_key": "survey:bad"} | kwargs

    with pytest.raises(DomainError) as refused:
        panelist_credit(**credit)

    assert list((refused.value.fields or {}).keys()) == [field]
    assert refused.value.status_code == 400
    assert not LedgerTransaction.objects.unscoped().exists()
    assert not LedgerEntry.objects.unscoped().exists()


def test_an_unknown_reason_is_refused_and_the_database_would_refuse_it_too(panelist) -> None:
    with pytest.raises(DomainError, match="Unknown reason 'lottery'"):
        panelist_credit(panelist=panelist, amount=50, reason="lottery", idempotency_key="x:1")
    assert not LedgerEntry.objects.unscoped().exists()
    with pytest.raises(IntegrityError, match="ledgertxn_reason_valid"), transaction.atomic():
        LedgerTransaction.objects.create(tenant=panelist.tenant, idempotency_key="x:2", reason="lottery")


def test_a_batch_posting_refuses_a_repeated_key_and_a_changed_amount(panelist) -> None:
    from rewards.services.ledger import Posting, ledger_post_many

    account, expense = panelist_account_ensure(panelist=panelist), expense_account_ensure(tenant=panelist.tenant)
    twice = [Posting("src:1", "s", ((account.pk, 50), (expense.pk, -50)))] * 2
    with pytest.raises(DomainError, match="same idempotency key twice"), transaction.atomic():
        ledger_post_many(tenant=panelist.tenant, reason="survey", postings=twice)
    assert not LedgerEntry.objects.unscoped().exists()

    first = ledger_post_many(tenant=panelist.tenant, reason="survey", postings=twice[:1])
    assert ledger_post_many(tenant=panelist.tenant, reason="survey", postings=twice[:1]) == {}  # replay: nothing
    changed = [Posting("src:1", "s", ((account.pk, 60), (expense.pk, -60)))]
    with pytest.raises(Conflict, match="other amounts"), transaction.atomic():
        ledger_post_many(tenant=panelist.tenant, reason="survey", postings=changed)
    assert list(first) == ["src:1"]
    assert panelist_balance(panelist=panelist) == 50


def test_a_transaction_without_legs_is_named_by_the_ledger_check(panelist) -> None:
    # given a transaction inserted bare, past the services (its tenant is proven only by its legs)
    panelist_credit(panelist=panelist, amount=5, reason="survey", idempotency_key="with-legs")
    LedgerTransaction.objects.create(tenant=panelist.tenant, idempotency_key="bare", reason="bonus")

    # when the ledger is checked, then the bare one is named, and only it
    assert ledger_violations(tenant=panelist.tenant) == ["transaction bare has no legs"]


def test_a_transaction_is_reversed_once_at_most(panelist) -> None:
    txn = panelist_credit(panelist=panelist, amount=5, reason="survey", idempotency_key="once")
    transaction_reverse(txn=txn)

    # a second reversal row, past the service, is refused by the database
    with pytest.raises(IntegrityError, match="ledgertxn_reversed_once"), transaction.atomic():
        LedgerTransaction.objects.create(
            tenant=panelist.tenant, idempotency_key="again", reason="reversal", reverses=txn
        )
