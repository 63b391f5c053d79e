"""ledger_check proves the invariants from the rows and names the first violation."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from rewards.services.ledger import panelist_account_ensure, panelist_credit
from tests.conftest import owner_cursor
from tests.factories import PanelistFactory, TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def panelist():
    panelist = PanelistFactory.create(tenant=TenantFactory.create(slug="ledgered"))
    panelist_credit(panelist=panelist, amount=300, reason="bonus", idempotency_key="b:1")
    return panelist


def test_a_sound_ledger_passes(panelist, capsys) -> None:
    call_command("ledger_check", "--tenant", "ledgered")

    assert "ledgered: the ledger holds." in capsys.readouterr().out


def tamper(sql: str, params: list) -> None:
    """Change the ledger as someone holding the owner's password could: its triggers off for the change."""
    with owner_cursor() as cursor, cursor.connection.transaction():
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE waits for no deferred FK check
        cursor.execute("ALTER TABLE rewards_ledgerentry DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE rewards_ledgerentry ENABLE TRIGGER USER")


@pytest.mark.django_db(transaction=True)
def test_an_altered_entry_is_named(panelist) -> None:
    account = panelist_account_ensure(panelist=panelist)
    tamper("UPDATE rewards_ledgerentry SET amount = 250 WHERE account_id = %s", [account.pk])

    with pytest.raises(CommandError, match=r"first violation: ledgered: transaction \d+ sums to -50"):
        call_command("ledger_check")


def test_a_drifted_cached_balance_is_named(panelist) -> None:
    account = panelist_account_ensure(panelist=panelist)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE rewards_ledgeraccount SET balance = 999 WHERE id = %s", [account.pk])

    with pytest.raises(CommandError, match=f"{account.key} caches 999 but its entries sum to 300"):
        call_command("ledger_check", "--tenant", "ledgered")


def test_an_unknown_tenant_is_refused() -> None:
    with pytest.raises(CommandError, match="No tenant 'nope'"):
        call_command("ledger_check", "--tenant", "nope")
