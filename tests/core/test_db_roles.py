"""The runtime role, what the web processes, the workers and these tests connect as, reads and appends to
the consent log and the ledger but can never change them: no UPDATE, DELETE or TRUNCATE, no trigger
altered or disabled, and consent evidence deleted only through the purge function, by its rules."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from consent.models import ConsentEvent, ConsentReceipt
from consent.services.consent import consent_change_by_subject, consent_withdraw
from consent.subjects import subject_for
from core.db_roles import RoleProblem, runtime_role_check
from rewards.models import LedgerEntry, LedgerTransaction
from rewards.services.ledger import panelist_credit
from tests.conftest import owner_cursor
from tests.consent.evidence import append_at, years_ago
from tests.factories import PanelistFactory, TenantFactory, publish

pytestmark = pytest.mark.django_db

APPEND_ONLY = [
    "consent_consentevent",
    "consent_consentseal",
    "consent_consentreceipt",
    "rewards_ledgerentry",
    "rewards_ledgertransaction",
]
HOW_TO = "the tests connect as the owner of the tables: set DATABASE_OWNER_URL (README, 'Database roles')"


@pytest.fixture
def evidence():
    """A consent with its receipt, and a credit in the ledger."""
    tenant = TenantFactory.create()
    publish(tenant, "surveys")
    panelist = PanelistFactory.create(tenant=tenant)
    subject = subject_for(tenant, panelist.user)
    assert subject is not None
    consent_change_by_subject(subject=subject, purpose_key="surveys", action="grant", method="web", base_url="")
    panelist_credit(panelist=panelist, amount=50, reason="bonus", idempotency_key="bonus:1")
    return tenant


def refused(statement: str, match: str = "permission denied") -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        # what the purge's exception once trusted from anyone; and no deferred check pending, so that a
        # privilege is the only thing that can stop the statement
        cursor.execute("SET LOCAL fairpanel.consent_purge = 'on'")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with pytest.raises(DatabaseError, match=match), transaction.atomic():
            cursor.execute(statement)


def test_the_tests_connect_as_a_runtime_role_that_is_no_superuser_and_owns_nothing() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        (superuser,) = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)"
        )
        (owned,) = cursor.fetchone()

    assert not superuser, HOW_TO
    assert owned == 0, HOW_TO


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_the_runtime_role_cannot_update_delete_or_truncate_the_evidence_even_with_the_old_session_variable(
    evidence, table
) -> None:
    refused(f"UPDATE {table} SET id = id")  # noqa: S608 (a table of the list above)
    refused(f"DELETE FROM {table}")  # noqa: S608
    refused(f"TRUNCATE {table} CASCADE")

    assert ConsentEvent.objects.unscoped().filter(tenant=evidence).count() == 1
    assert ConsentReceipt.objects.unscoped().filter(tenant=evidence).count() == 1
    assert LedgerTransaction.objects.unscoped().filter(tenant=evidence).count() == 1
    assert LedgerEntry.objects.unscoped().filter(tenant=evidence).count() == 2


def test_the_runtime_role_moves_the_chain_head_but_never_its_seal(evidence) -> None:
    refused("UPDATE consent_consentchain SET sealed_seq = 1, sealed_hash = last_hash")
    refused("DELETE FROM consent_consentchain")
    refused("TRUNCATE consent_consentchain CASCADE")
    # appending still moves the head
    consent_withdraw(tenant=evidence, subject=ConsentEvent.objects.unscoped().get(tenant=evidence).subject,
                     purpose_key="surveys", method="web", actor="subject")  # fmt: skip
    assert ConsentEvent.objects.unscoped().filter(tenant=evidence).count() == 2


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE consent_consentevent DISABLE TRIGGER consent_event_append_only",
        "ALTER TABLE consent_consentevent DISABLE TRIGGER USER",
        "ALTER TABLE rewards_ledgerentry DISABLE TRIGGER USER",
        "ALTER TABLE rewards_ledgertransaction DISABLE TRIGGER rewards_transactions_append_only",
        "DROP TRIGGER consent_event_append_only ON consent_consentevent",
        "CREATE OR REPLACE FUNCTION consent_refuse_change() RETURNS trigger LANGUAGE plpgsql"
        " AS $$ BEGIN RETURN OLD; END $$",
        "SET session_replication_role = replica",
        "ALTER TABLE consent_consentevent OWNER TO CURRENT_USER",
    ],
)
def test_the_runtime_role_cannot_alter_or_disable_the_triggers(evidence, statement) -> None:
    refused(statement, match="must be owner|permission denied")


def test_the_runtime_role_deletes_evidence_only_through_the_purge_function_and_by_its_rules() -> None:
    tenant = TenantFactory.create()
    publish(tenant, "surveys")
    append_at(tenant, years_ago(9), "pn_old", "grant")
    append_at(tenant, years_ago(8), "pn_old", "withdraw")
    append_at(tenant, years_ago(0.1), "pn_new", "grant")
    append_at(tenant, years_ago(0.05), "pn_new", "withdraw")

    with connection.cursor() as cursor:
        # asked to purge everything recorded until now: only pn_old's grant, superseded 8 years ago, goes
        cursor.execute("SELECT scanned_to, purged FROM consent_evidence_purge(%s, now(), 0, 1000, false)", [tenant.pk])
        assert cursor.fetchone() == (1, 1)

    assert list(ConsentEvent.objects.unscoped().filter(tenant=tenant).values_list("seq", flat=True)) == [2, 3, 4]


@pytest.mark.django_db(transaction=True)
def test_migrate_refuses_a_runtime_role_that_could_rewrite_the_evidence_anyway() -> None:
    with owner_cursor() as cursor:
        cursor.execute("SELECT current_user, (SELECT rolname FROM pg_roles WHERE rolsuper ORDER BY rolname LIMIT 1)")
        row = cursor.fetchone()
        assert row is not None
        owner, superuser = row

        with pytest.raises(RoleProblem, match="is a superuser"):
            runtime_role_check(cursor, superuser)
        # the owner of the tables could disable their triggers (when it is no superuser itself)
        with pytest.raises(RoleProblem, match=r"is a superuser|is the owner role itself"):
            runtime_role_check(cursor, owner)
        with pytest.raises(RoleProblem, match="does not exist"):
            runtime_role_check(cursor, "fairpanel_nobody")
