"""The consent log: append-only in the database, hash-chained per tenant, verifiable, race-safe."""

from __future__ import annotations

import threading

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction

from consent.chain import event_hash
from consent.errors import ConsentRequired, ConsentWithdrawn
from consent.models import ConsentChain, ConsentDocument, ConsentEvent, Purpose
from consent.selectors import chain_verify
from consent.services.consent import consent_grant, consent_require, consent_withdraw
from core.errors import Conflict
from tests.conftest import owner_cursor
from tests.factories import TenantFactory, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant():
    tenant = TenantFactory.create()
    for key in ("membership", "surveys", "receipts"):
        publish(tenant, key)
    return tenant


def grant(tenant, subject: str, purpose: str = "surveys", language: str = "en") -> ConsentEvent:
    return consent_grant(
        tenant=tenant, subject=subject, purpose_key=purpose, language=language, method="web", actor="subject"
    )


def withdraw(tenant, subject: str, purpose: str = "surveys") -> ConsentEvent:
    return consent_withdraw(tenant=tenant, subject=subject, purpose_key=purpose, method="web", actor="subject")


def test_every_tenant_has_the_builtin_purposes() -> None:
    tenant = TenantFactory.create()

    keys = set(Purpose.objects.unscoped().filter(tenant=tenant).values_list("key", flat=True))

    assert keys == {"membership", "surveys", "receipts", "ad_verification", "marketing_email", "waitlist"}
    assert Purpose.objects.unscoped().get(tenant=tenant, key="membership").required


def test_an_event_records_the_document_and_its_hash_but_no_person(tenant) -> None:
    event = grant(tenant, "pn_alice", language="fr")

    document = ConsentDocument.objects.unscoped().get(tenant=tenant, purpose__key="surveys", version=1, language="fr")
    assert (event.seq, event.kind, event.document_version, event.document_language) == (1, "grant", 1, "fr")
    assert event.document_sha256 == document.body_sha256
    assert event.subject == "pn_alice"
    assert event.prev_hash == "0" * 64
    field_names = {f.name for f in ConsentEvent._meta.get_fields()}
    assert not field_names & {"ip", "ip_address", "user", "panelist"}


@pytest.mark.django_db(transaction=True)
def test_neither_the_application_nor_the_owner_may_update_or_delete_an_event(tenant) -> None:
    event = grant(tenant, "pn_alice")

    for sql in (
        "UPDATE consent_consentevent SET kind = 'withdraw' WHERE id = %s",
        "DELETE FROM consent_consentevent WHERE id = %s",
    ):
        # the application's role has no such privilege
        with (
            pytest.raises(DatabaseError, match="permission denied"),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(sql, [event.pk])
        # and the trigger refuses even the owner of the table
        with pytest.raises(psycopg.Error, match="consent log is append-only"), owner_cursor() as c:
            c.execute(sql, [event.pk])
    assert ConsentEvent.objects.unscoped().get(pk=event.pk).kind == "grant"


def test_a_published_document_is_immutable(tenant) -> None:
    document = ConsentDocument.objects.unscoped().filter(tenant=tenant).first()
    assert document is not None

    with pytest.raises(DatabaseError, match="is immutable"), transaction.atomic(), connection.cursor() as c:
        c.execute("UPDATE consent_consentdocument SET body = 'changed' WHERE id = %s", [document.pk])
    with pytest.raises(DatabaseError, match="is immutable"), transaction.atomic(), connection.cursor() as c:
        c.execute("DELETE FROM consent_consentdocument WHERE id = %s", [document.pk])


def test_grant_withdraw_and_reconsent_after_a_major_version(tenant) -> None:
    grant(tenant, "pn_bob")
    consent_require(tenant=tenant, subject="pn_bob", purpose_key="surveys")

    publish(tenant, "surveys", change="major")
    with pytest.raises(ConsentRequired, match="version 2"):
        consent_require(tenant=tenant, subject="pn_bob", purpose_key="surveys")

    again = grant(tenant, "pn_bob")
    assert (again.kind, again.document_version) == ("reconsent", 2)
    consent_require(tenant=tenant, subject="pn_bob", purpose_key="surveys")

    withdraw(tenant, "pn_bob")
    with pytest.raises(ConsentWithdrawn):
        consent_require(tenant=tenant, subject="pn_bob", purpose_key="surveys")


def test_a_minor_version_does_not_pause_collection(tenant) -> None:
    grant(tenant, "pn_carol")

    publish(tenant, "surveys", change="minor")

    assert consent_require(tenant=tenant, subject="pn_carol", purpose_key="surveys").document_version == 1


def test_bad_requests_write_nothing(tenant) -> None:
    grant(tenant, "pn_dan")
    before = ConsentEvent.objects.unscoped().count()

    with pytest.raises(Conflict, match="already given"):
        grant(tenant, "pn_dan")
    with pytest.raises(Conflict, match="no active consent"):
        withdraw(tenant, "pn_dan", purpose="receipts")
    grant(tenant, "pn_dan", purpose="membership")
    with pytest.raises(Conflict, match="leave the panel"):
        withdraw(tenant, "pn_dan", purpose="membership")
    with pytest.raises(Exception, match="Unknown purpose"):
        grant(tenant, "pn_dan", purpose="telepathy")
    with pytest.raises(Conflict, match="no published consent document"):
        grant(tenant, "pn_dan", purpose="marketing_email")

    assert ConsentEvent.objects.unscoped().count() == before + 1  # only the membership grant above
    assert chain_verify(tenant=tenant).ok


def test_never_consented_is_consent_required(tenant) -> None:
    with pytest.raises(ConsentRequired):
        consent_require(tenant=tenant, subject="pn_nobody", purpose_key="receipts")


def test_each_tenant_has_its_own_chain(tenant) -> None:
    other = TenantFactory.create()
    publish(other, "surveys")

    a = grant(tenant, "pn_x")
    b = grant(other, "pn_x")

    assert a.seq == b.seq == 1
    assert a.hash != b.hash  # the tenant is part of what is hashed


@pytest.fixture
def chain_of_five(tenant):
    for subject in ("pn_1", "pn_2", "pn_3"):
        grant(tenant, subject)
    withdraw(tenant, "pn_2")
    grant(tenant, "pn_2")
    assert chain_verify(tenant=tenant).ok
    return tenant


def tamper(sql: str, params: list) -> None:
    """Change the log as someone holding the owner's password could: its triggers off for the change."""
    with owner_cursor() as cursor, cursor.connection.transaction():
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE waits for no deferred FK check
        cursor.execute("ALTER TABLE consent_consentevent DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE consent_consentevent ENABLE TRIGGER USER")


def verify_fails_at(tenant, seq: int) -> None:
    report = chain_verify(tenant=tenant)
    assert not report.ok
    assert report.first_bad_seq == seq, report.describe()
    with pytest.raises(CommandError, match=f"broken at event #{seq}"):
        call_command("consent_verify", "--tenant", tenant.slug)


@pytest.mark.django_db(transaction=True)
def test_an_altered_event_is_caught(chain_of_five) -> None:
    tamper("UPDATE consent_consentevent SET kind = 'grant' WHERE tenant_id = %s AND seq = 4", [chain_of_five.pk])

    verify_fails_at(chain_of_five, 4)


@pytest.mark.django_db(transaction=True)
def test_a_deleted_event_is_caught(chain_of_five) -> None:
    tamper("DELETE FROM consent_consentevent WHERE tenant_id = %s AND seq = 2", [chain_of_five.pk])

    verify_fails_at(chain_of_five, 2)


@pytest.mark.django_db(transaction=True)
def test_a_deleted_last_event_is_caught(chain_of_five) -> None:
    tamper("DELETE FROM consent_consentevent WHERE tenant_id = %s AND seq = 5", [chain_of_five.pk])

    verify_fails_at(chain_of_five, 5)


@pytest.mark.django_db(transaction=True)
def test_reordered_events_are_caught(chain_of_five) -> None:
    t = chain_of_five.pk
    tamper("UPDATE consent_consentevent SET seq = 1000 WHERE tenant_id = %s AND seq = 2", [t])
    tamper("UPDATE consent_consentevent SET seq = 2 WHERE tenant_id = %s AND seq = 3", [t])
    tamper("UPDATE consent_consentevent SET seq = 3 WHERE tenant_id = %s AND seq = 1000", [t])

    verify_fails_at(chain_of_five, 2)


@pytest.mark.django_db(transaction=True)
def test_an_inserted_event_is_caught(chain_of_five) -> None:
    # A forger appends a well-formed event (valid hash over the real previous hash) behind the
    # application's back: the chain head does not know it.
    last = ConsentEvent.objects.unscoped().filter(tenant=chain_of_five).order_by("-seq").first()
    assert last is not None
    forged = {
        "seq": 6,
        "subject": "pn_1",
        "purpose_key": "surveys",
        "kind": "withdraw",
        "document_version": 1,
        "document_language": "en",
        "document_sha256": last.document_sha256,
        "method": "web",
        "actor": "subject",
        "occurred_at": last.occurred_at,
        "prev_hash": last.hash,
    }
    tamper(
        "INSERT INTO consent_consentevent (tenant_id, seq, subject, purpose_key, kind, document_version,"
        " document_language, document_sha256, method, actor, occurred_at, prev_hash, hash)"
        " VALUES (%s, 6, 'pn_1', 'surveys', 'withdraw', 1, 'en', %s, 'web', 'subject', %s, %s, %s)",
        [chain_of_five.pk, last.document_sha256, last.occurred_at, last.hash, event_hash(chain_of_five.pk, forged)],
    )

    verify_fails_at(chain_of_five, 6)


def test_consent_verify_passes_on_an_intact_chain(chain_of_five, capsys) -> None:
    call_command("consent_verify")

    assert f"{chain_of_five.slug}: chain holds (5 events)" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_concurrent_grants_and_withdrawals_keep_the_chain_whole() -> None:
    tenant = TenantFactory.create()
    publish(tenant, "surveys")
    publish(tenant, "receipts")
    errors: list[BaseException] = []

    def churn(worker: int) -> None:
        try:
            for round_ in range(5):
                for purpose in ("surveys", "receipts"):
                    subject = f"pn_{worker}_{round_ % 2}"
                    grant(tenant, subject, purpose)
                    withdraw(tenant, subject, purpose)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=churn, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    report = chain_verify(tenant=tenant)
    assert report.ok, report.describe()
    assert report.events == ConsentEvent.objects.unscoped().filter(tenant=tenant).count() == 8 * 5 * 2 * 2
    assert ConsentChain.objects.get(tenant=tenant).last_seq == report.events


@pytest.mark.django_db(transaction=True)
def test_a_double_submitted_grant_is_recorded_once() -> None:
    tenant = TenantFactory.create()
    publish(tenant, "surveys")
    outcomes: list[str] = []
    barrier = threading.Barrier(6)

    def submit() -> None:
        barrier.wait()
        try:
            grant(tenant, "pn_same", "surveys")
            outcomes.append("granted")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["already_granted"] * 5 + ["granted"]
    assert ConsentEvent.objects.unscoped().filter(tenant=tenant, subject="pn_same").count() == 1
    assert chain_verify(tenant=tenant).ok
