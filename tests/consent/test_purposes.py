"""Operators add their own purposes and publish new versions of the consent texts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from consent.models import ConsentDocument, Purpose
from consent.selectors import document_current
from consent.services.documents import document_publish
from core.errors import DomainError
from tenants.roles import Role
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

NEW_PURPOSE = {
    "key": "tasting_panels",
    "legal_basis": "consent",
    "retention_days": "180",
    "data_categories": "taste_notes, attendance",
    "name_en": "Tasting panels",
    "name_fr": "Panels de dégustation",
    "description_en": "Your notes from the tastings you attend.",
    "description_fr": "Vos notes des dégustations auxquelles vous participez.",
}


def test_a_manager_adds_a_purpose_and_publishes_its_text(make_staff) -> None:
    manager = make_staff(role=Role.MANAGER)
    base = f"/t/{manager.tenant.slug}/console/purposes/"

    added = manager.client.post(base, NEW_PURPOSE)
    published = manager.client.post(
        base + "tasting_panels/publish/",
        {"change": "major", "title_en": "Tasting terms", "body_en": "We keep **your notes**.",
         "title_fr": "Conditions", "body_fr": "Nous gardons **vos notes**."},
    )  # fmt: skip

    assert (added.status_code, published.status_code) == (302, 302)
    purpose = Purpose.objects.unscoped().get(tenant=manager.tenant, key="tasting_panels")
    assert purpose.data_categories == ["taste_notes", "attendance"]
    assert purpose.names == {"en": "Tasting panels", "fr": "Panels de dégustation"}
    document = document_current(purpose=purpose, language="fr")
    assert document is not None
    assert (document.version, document.language, document.created_by) == (1, "fr", manager.user)


def test_bad_purposes_and_texts_are_refused_with_reasons_and_write_nothing(make_staff) -> None:
    owner = make_staff(role=Role.OWNER)
    base = f"/t/{owner.tenant.slug}/console/purposes/"

    duplicate = owner.client.post(base, NEW_PURPOSE | {"key": "surveys"})
    no_days = owner.client.post(base, NEW_PURPOSE | {"retention_days": "forever"})
    bad_basis = owner.client.post(base, NEW_PURPOSE | {"legal_basis": "because"})
    empty_text = owner.client.post(base + "surveys/publish/", {"change": "major"})
    bad_date = owner.client.post(
        base + "surveys/publish/", {"change": "minor", "effective_on": "soon", "title_en": "T", "body_en": "B"}
    )

    assert [r.status_code for r in (duplicate, no_days, bad_basis, empty_text, bad_date)] == [400] * 5
    assert "exists already" in duplicate.content.decode()
    assert not Purpose.objects.unscoped().filter(tenant=owner.tenant, key="tasting_panels").exists()
    assert not ConsentDocument.objects.unscoped().filter(tenant=owner.tenant).exists()


def test_a_future_version_is_not_in_force_until_its_date(make_staff) -> None:
    owner = make_staff(role=Role.OWNER)
    base = f"/t/{owner.tenant.slug}/console/purposes/surveys/publish/"
    owner.client.post(base, {"change": "major", "title_en": "v1", "body_en": "First."})

    owner.client.post(base, {"change": "major", "effective_on": "2999-01-01", "title_en": "v2", "body_en": "Later."})

    purpose = Purpose.objects.unscoped().get(tenant=owner.tenant, key="surveys")
    current = document_current(purpose=purpose, language="en")
    assert current is not None
    assert current.version == 1


def test_a_version_cannot_take_effect_in_the_past(make_staff) -> None:
    owner = make_staff(role=Role.OWNER)
    base = f"/t/{owner.tenant.slug}/console/purposes/surveys/publish/"
    yesterday = (timezone.localdate(timezone=owner.tenant.tzinfo) - timedelta(days=1)).isoformat()

    refused = owner.client.post(base, {"change": "major", "effective_on": yesterday, "title_en": "v1", "body_en": "B"})

    assert refused.status_code == 400
    assert "cannot take effect in the past" in refused.content.decode()
    assert not ConsentDocument.objects.unscoped().filter(tenant=owner.tenant).exists()


def test_a_version_effective_today_takes_effect_now(make_staff) -> None:
    owner = make_staff(role=Role.OWNER)
    base = f"/t/{owner.tenant.slug}/console/purposes/surveys/publish/"
    today = timezone.localdate(timezone=owner.tenant.tzinfo).isoformat()
    before = timezone.now()

    published = owner.client.post(base, {"change": "major", "effective_on": today, "title_en": "v1", "body_en": "B"})

    assert published.status_code == 302
    document = ConsentDocument.objects.unscoped().get(tenant=owner.tenant)
    assert document.effective_at >= before  # not the start of the day: nobody consented before it existed


def test_the_service_refuses_a_past_effective_moment_but_tolerates_a_moment_ago() -> None:
    tenant = TenantFactory.create()
    purpose = Purpose.objects.unscoped().get(tenant=tenant, key="surveys")
    texts = {"en": ("Surveys", "We ask.")}

    with pytest.raises(DomainError, match="cannot take effect in the past") as refused:
        document_publish(purpose=purpose, texts=texts, change="major", effective_at=timezone.now() - timedelta(hours=1))
    assert list(refused.value.fields) == ["effective_on"]
    assert refused.value.status_code == 400
    assert not ConsentDocument.objects.unscoped().filter(tenant=tenant).exists()

    moment_ago = timezone.now() - timedelta(seconds=30)
    [document] = document_publish(purpose=purpose, texts=texts, change="major", effective_at=moment_ago)
    assert document.published_at is not None
    assert document.effective_at >= document.published_at  # stored as now, never before publication


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.REVIEWER])
def test_only_owners_and_managers_write_purposes(make_staff, role) -> None:
    staff = make_staff(role=role)

    assert staff.client.get(f"/t/{staff.tenant.slug}/console/purposes/").status_code == 403
    assert staff.client.post(f"/t/{staff.tenant.slug}/console/purposes/", NEW_PURPOSE).status_code == 403


def test_an_owner_shortens_a_retention_but_cannot_lengthen_it(make_staff) -> None:
    from consent.models import RetentionOverride

    owner = make_staff(role=Role.OWNER)
    url = f"/t/{owner.tenant.slug}/console/retention/"

    shorter = owner.client.post(url, {"category": "panel.panelist", "days": "90"})
    longer = owner.client.post(url, {"category": "panel.panelist", "days": "9999"})
    unknown = owner.client.post(url, {"category": "nope", "days": "9"})

    assert (shorter.status_code, longer.status_code, unknown.status_code) == (302, 400, 400)
    assert "at most 365" in longer.content.decode()
    assert RetentionOverride.objects.unscoped().get(tenant=owner.tenant, category="panel.panelist").days == 90
    assert 'value="90"' in owner.client.get(f"/t/{owner.tenant.slug}/console/purposes/").content.decode()
