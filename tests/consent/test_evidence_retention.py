"""Consent evidence survives every purge: what proves a consent stays, a superseded event stays for its
retention counted from when it was superseded, no setting goes under the floor, and only the owner
changes the retention, on the record."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from consent.models import ConsentEvent, ConsentSeal, RetentionChange, RetentionOverride
from consent.privacy import EVIDENCE_FLOOR_DAYS, evidence_purge
from consent.registry import category_get
from consent.selectors import chain_verify, retention_days
from consent.services.consent import consent_require
from consent.services.privacy import privacy_purge
from tenants.roles import Role
from tenants.services import api_key_create
from tests.consent.evidence import append_at, years_ago
from tests.factories import TenantFactory, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def old_evidence():
    """Ten years of one tenant's log, oldest first (seq in brackets):

    pn_active  grant -10y [1]                                   still active
    pn_gone    grant -10y [2], withdraw -8y [5]                 superseded 8 years ago
    pn_recent  grant -10y [3], withdraw -3y [7]                 superseded 3 years ago
    pn_twice   grant -9y [4], reconsent -7y [6], withdraw -1y [8]
    """
    tenant = TenantFactory.create(slug="old-evidence")
    publish(tenant, "surveys")
    for subject in ("pn_active", "pn_gone", "pn_recent"):
        append_at(tenant, years_ago(10), subject, "grant")
    append_at(tenant, years_ago(9), "pn_twice", "grant")
    append_at(tenant, years_ago(8), "pn_gone", "withdraw")
    append_at(tenant, years_ago(7), "pn_twice", "reconsent")
    append_at(tenant, years_ago(3), "pn_recent", "withdraw")
    append_at(tenant, years_ago(1), "pn_twice", "withdraw")
    return tenant


def seqs(tenant) -> list[int]:
    return list(ConsentEvent.objects.unscoped().filter(tenant=tenant).order_by("seq").values_list("seq", flat=True))


def test_the_purge_keeps_what_proves_an_active_consent_and_the_latest_event_of_each_subject_and_purpose(
    old_evidence, capsys
) -> None:
    counts = privacy_purge(tenant=old_evidence)

    assert counts["consent.evidence"] == 2
    kept = seqs(old_evidence)
    assert 1 in kept  # pn_active's only event: ten years old, and the proof of a consent still given
    assert consent_require(tenant=old_evidence, subject="pn_active", purpose_key="surveys").seq == 1
    assert {5, 8} <= set(kept)  # the latest of pn_gone and pn_twice: their withdrawals
    # the log still verifies, through what was purged
    report = chain_verify(tenant=old_evidence)
    assert report.ok, report.describe()
    call_command("consent_verify", "--tenant", old_evidence.slug)
    assert "old-evidence: chain holds" in capsys.readouterr().out
    assert list(ConsentSeal.objects.unscoped().filter(tenant=old_evidence).values_list("seq", flat=True)) == [2, 4]


def test_a_superseded_event_stays_for_its_retention_counted_from_when_it_was_superseded(old_evidence) -> None:
    privacy_purge(tenant=old_evidence)

    # Gone: pn_gone's grant (superseded 8 years ago) and pn_twice's grant (superseded 7 years ago).
    # Kept, though ten years old: pn_recent's grant, superseded only 3 years ago; and pn_twice's
    # re-consent, superseded a year ago.
    assert seqs(old_evidence) == [1, 3, 5, 6, 7, 8]
    privacy_purge(tenant=old_evidence)  # safe to rerun
    assert seqs(old_evidence) == [1, 3, 5, 6, 7, 8]


def test_the_database_keeps_the_floor_whatever_it_is_asked_to_purge(old_evidence) -> None:
    # a retention set before the floor existed, and a purge asked for everything older than now
    RetentionOverride.objects.create(tenant=old_evidence, category="consent.evidence", days=1)

    assert retention_days(tenant=old_evidence, category=category_get("consent.evidence")) == EVIDENCE_FLOOR_DAYS
    assert evidence_purge(old_evidence, timezone.now(), 1000, False) == 2
    privacy_purge(tenant=old_evidence)

    # pn_recent's grant was superseded 3 years ago: under the 5-year floor, so it stays
    assert seqs(old_evidence) == [1, 3, 5, 6, 7, 8]
    assert chain_verify(tenant=old_evidence).ok


def test_no_tenant_setting_goes_under_the_floor_of_consent_evidence(make_staff) -> None:
    owner = make_staff(role=Role.OWNER)
    url = f"/t/{owner.tenant.slug}/console/retention/"

    one_day = owner.client.post(url, {"category": "consent.evidence", "days": "1"})
    floor = owner.client.post(url, {"category": "consent.evidence", "days": str(EVIDENCE_FLOOR_DAYS)})
    past_ceiling = owner.client.post(url, {"category": "consent.evidence", "days": "9999"})

    assert one_day.status_code == 400
    assert f"at least {EVIDENCE_FLOOR_DAYS} days" in one_day.content.decode()
    assert floor.status_code == 302
    assert past_ceiling.status_code == 400
    assert (
        RetentionOverride.objects.unscoped().get(tenant=owner.tenant, category="consent.evidence").days
        == EVIDENCE_FLOOR_DAYS
    )


def test_only_the_owner_changes_the_evidence_retention_and_auditors_see_each_change(make_staff) -> None:
    owner = make_staff(role=Role.OWNER)
    tenant = owner.tenant
    manager = make_staff(tenant=tenant, role=Role.MANAGER)
    auditor = make_staff(tenant=tenant, role=Role.AUDITOR)
    url = f"/t/{tenant.slug}/console/retention/"

    by_manager = manager.client.post(url, {"category": "consent.evidence", "days": "2000"})
    other_by_manager = manager.client.post(url, {"category": "panel.panelist", "days": "200"})
    by_owner = owner.client.post(url, {"category": "consent.evidence", "days": "2000"})

    assert by_manager.status_code == 403
    assert "Only an owner" in by_manager.content.decode()
    assert other_by_manager.status_code == 302  # managers still set the other categories
    assert by_owner.status_code == 302
    assert RetentionOverride.objects.unscoped().get(tenant=tenant, category="consent.evidence").days == 2000
    changes = RetentionChange.objects.unscoped().filter(tenant=tenant).order_by("id")
    assert [(c.category, c.previous_days, c.days, c.changed_by, c.role) for c in changes] == [
        ("panel.panelist", 365, 200, manager.user, "manager"),
        ("consent.evidence", 365 * 6, 2000, owner.user, "owner"),
    ]
    # auditors read the changes in the console and the API
    page = auditor.client.get(f"/t/{tenant.slug}/console/consent/purges/").content.decode()
    assert "consent.evidence" in page
    assert owner.user.email in page
    key = api_key_create(tenant=tenant, name="audit", role=Role.AUDITOR, created_by=None).key
    listed = Client(HTTP_AUTHORIZATION=f"Api-Key {key}").get("/api/v1/consent/retention-changes/").json()
    assert [(c["category"], c["previous_days"], c["days"], c["changed_by"], c["role"]) for c in listed["results"]] == [
        ("consent.evidence", 365 * 6, 2000, owner.user.email, "owner"),
        ("panel.panelist", 365, 200, manager.user.email, "manager"),
    ]
