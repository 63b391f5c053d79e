"""The auditor console and API: search, documents, verification, streamed exports, the Art. 30 record."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client

from consent.models import ConsentEvent
from consent.services.consent import consent_grant, consent_withdraw
from tenants.roles import Role
from tenants.services import api_key_create
from tests.factories import PASSWORD, PanelistFactory, TenantFactory, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(make_staff):
    auditor = make_staff(role=Role.AUDITOR)
    tenant = auditor.tenant
    for key in ("surveys", "receipts"):
        publish(tenant, key)
    for subject in ("pn_a", "pn_b", "pn_c"):
        consent_grant(
            tenant=tenant, subject=subject, purpose_key="surveys", language="en", method="web", actor="subject"
        )
    consent_grant(tenant=tenant, subject="pn_a", purpose_key="receipts", language="fr", method="api", actor="subject")
    consent_withdraw(tenant=tenant, subject="pn_b", purpose_key="surveys", method="web", actor="subject")
    return auditor


def test_an_auditor_searches_by_subject_purpose_kind_and_date(log) -> None:
    base = f"/t/{log.tenant.slug}/console/consent/"

    by_subject = log.client.get(base + "?subject=pn_a")
    by_kind = log.client.get(base + "?kind=withdraw")
    by_purpose = log.client.get(base + "?purpose=receipts")
    by_date = log.client.get(base + "?since=2000-01-01&until=2000-01-02")

    assert by_subject.context["page"].paginator.count == 2
    assert [e.subject for e in by_kind.context["page"]] == ["pn_b"]
    assert [e.subject for e in by_purpose.context["page"]] == ["pn_a"]
    assert by_date.context["page"].paginator.count == 0


def test_a_bad_search_is_a_400_naming_the_field(log) -> None:
    response = log.client.get(f"/t/{log.tenant.slug}/console/consent/?since=yesterday&kind=sideways")

    assert response.status_code == 400
    assert set(response.context["errors"]) == {"since", "kind"}


def test_the_console_verifies_the_chain(log) -> None:
    html = log.client.get(f"/t/{log.tenant.slug}/console/consent/verify/").content.decode()

    assert 'data-ok="true"' in html
    assert "5 events verified" in html


def test_exports_are_streamed_and_match_the_search(log) -> None:
    base = f"/t/{log.tenant.slug}/console/consent/"

    as_csv = log.client.get(base + "export.csv?purpose=surveys")
    as_json = log.client.get(base + "export.json?purpose=surveys")

    assert as_csv.streaming
    assert as_json.streaming
    rows = list(csv.DictReader(io.StringIO(b"".join(as_csv.streaming_content).decode())))
    assert [(r["seq"], r["subject"], r["kind"]) for r in rows] == [
        ("1", "pn_a", "grant"),
        ("2", "pn_b", "grant"),
        ("3", "pn_c", "grant"),
        ("5", "pn_b", "withdraw"),
    ]
    events = json.loads(b"".join(as_json.streaming_content))
    assert [e["seq"] for e in events] == [1, 2, 3, 5]
    assert events[0]["hash"] == ConsentEvent.objects.unscoped().get(tenant=log.tenant, seq=1).hash


def test_the_csv_export_writes_times_as_the_json_does_and_cells_that_cannot_run_as_formulas(log) -> None:
    base = f"/t/{log.tenant.slug}/console/consent/"
    consent_grant(tenant=log.tenant, subject="=HYPERLINK(1)", purpose_key="surveys", language="en", method="web",
                  actor="-2+3")  # fmt: skip

    rows = list(csv.DictReader(io.StringIO(b"".join(log.client.get(base + "export.csv").streaming_content).decode())))
    events = json.loads(b"".join(log.client.get(base + "export.json").streaming_content))

    assert [row["occurred_at"] for row in rows] == [event["occurred_at"] for event in events]
    assert rows[0]["occurred_at"].endswith("+00:00")
    assert rows[-1]["subject"] == "'=HYPERLINK(1)"
    assert rows[-1]["actor"] == "'-2+3"
    assert rows[-1]["seq"] == "6"  # numbers stay numbers


def test_the_record_of_processing_lists_every_purpose(log) -> None:
    html = log.client.get(f"/t/{log.tenant.slug}/console/consent/record/").content.decode()

    for name in ("Panel membership", "Surveys", "Receipts", "Ad verification", "News by email"):
        assert name in html


@pytest.mark.parametrize("role", [Role.MANAGER, Role.REVIEWER])
def test_other_staff_roles_cannot_read_the_consent_log(make_staff, role) -> None:
    staff = make_staff(role=role)

    assert staff.client.get(f"/t/{staff.tenant.slug}/console/consent/").status_code == 403
    assert staff.client.get("/api/v1/consent/events/").status_code == 403


def test_the_api_gives_auditors_the_same_reads(log) -> None:
    key = api_key_create(tenant=log.tenant, name="audit", role=Role.AUDITOR, created_by=None).key
    api = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")

    events = api.get("/api/v1/consent/events/?subject=pn_b").json()
    verify = api.get("/api/v1/consent/verify/").json()
    documents = api.get("/api/v1/consent/documents/").json()
    record = api.get("/api/v1/consent/record/").json()
    export = api.get("/api/v1/consent/export/?fmt=json&kind=withdraw")
    bad = api.get("/api/v1/consent/events/?until=31/12/2026")

    assert [e["kind"] for e in events["results"]] == ["grant", "withdraw"]
    assert verify == {"ok": True, "events": 5, "first_bad_seq": None, "problem": "", "sealed": 0}
    assert {d["purpose"] for d in documents["results"]} == {"surveys", "receipts"}
    assert len(record["activities"]) == 6  # every purpose, the waitlist's included
    assert [e["subject"] for e in json.loads(b"".join(export.streaming_content))] == ["pn_b"]  # type: ignore[attr-defined]
    assert bad.status_code == 400
    assert bad.json()["fields"] == {"until": ["Use a date (2026-01-31) or a date and time (2026-01-31T12:00:00Z)."]}


def test_another_tenants_log_is_invisible(log) -> None:
    other = TenantFactory.create()
    publish(other, "surveys")
    consent_grant(tenant=other, subject="pn_z", purpose_key="surveys", language="en", method="web", actor="subject")

    assert log.client.get(f"/t/{other.slug}/console/consent/").status_code == 404
    subjects = {e["subject"] for e in log.client.get("/api/v1/consent/events/").json()["results"]}
    assert "pn_z" not in subjects


def test_a_panelist_reads_and_changes_their_consents_through_the_api() -> None:
    tenant = TenantFactory.create(slug="apipanel")
    publish(tenant, "surveys")
    panelist = PanelistFactory.create(tenant=tenant)
    client = Client()
    assert panelist.user is not None
    client.login(email=panelist.user.email, password=PASSWORD)

    page = client.get("/api/v1/me/consents/", HTTP_X_TENANT="apipanel").json()
    assert set(page) == {"count", "next", "previous", "results"}
    states = page["results"]
    granted = client.post(
        "/api/v1/me/consents/",
        {"purpose": "surveys", "action": "grant"},
        content_type="application/json",
        HTTP_X_TENANT="apipanel",
    )
    again = client.post(
        "/api/v1/me/consents/",
        {"purpose": "surveys", "action": "grant"},
        content_type="application/json",
        HTTP_X_TENANT="apipanel",
    )
    malformed = client.post(
        "/api/v1/me/consents/",
        {"purpose": "surveys", "action": "perhaps"},
        content_type="application/json",
        HTTP_X_TENANT="apipanel",
    )

    assert {s["purpose"]: s["status"] for s in states}["surveys"] == "not_given"
    assert granted.status_code == 201
    assert granted.json()["payload"]["collectionMethod"] == "API"
    assert (again.status_code, again.json()["code"]) == (409, "already_granted")
    assert (malformed.status_code, list(malformed.json()["fields"])) == (400, ["action"])
    assert client.get("/api/v1/me/consents/").json()["code"] == "tenant_required"


def test_the_purge_log_is_in_the_api_for_auditors(log) -> None:
    from consent.services.privacy import privacy_purge

    privacy_purge(tenant=log.tenant, dry_run=True)
    key = api_key_create(tenant=log.tenant, name="audit", role=Role.AUDITOR, created_by=None).key

    purges = Client(HTTP_AUTHORIZATION=f"Api-Key {key}").get("/api/v1/consent/purges/").json()["results"]
    page = log.client.get(f"/t/{log.tenant.slug}/console/consent/purges/").content.decode()

    from consent.registry import categories

    assert {p["category"] for p in purges} == {c.key for c in categories() if c.purger is not None}
    assert "consent.evidence" in {p["category"] for p in purges}
    assert all(p["dry_run"] for p in purges)
    assert "consent.evidence" in page


def test_a_panelist_asks_for_a_copy_through_the_api() -> None:
    tenant = TenantFactory.create(slug="apiexport")
    panelist = PanelistFactory.create(tenant=tenant)
    client = Client()
    assert panelist.user is not None
    client.login(email=panelist.user.email, password=PASSWORD)

    created = [client.post("/api/v1/me/exports/", HTTP_X_TENANT="apiexport") for _ in range(4)]
    listed = client.get("/api/v1/me/exports/", HTTP_X_TENANT="apiexport").json()

    assert [r.status_code for r in created] == [202, 202, 202, 429]
    assert created[3].json()["code"] == "rate_limited"
    assert listed["count"] == 3
    assert {e["status"] for e in listed["results"]} == {"pending"}
