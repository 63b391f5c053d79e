from __future__ import annotations

import pytest

from tenants.models import ApiKey
from tenants.roles import Role
from tests.factories import PanelistFactory

pytestmark = pytest.mark.django_db


def test_an_owner_creates_an_api_key_that_is_shown_once(make_staff) -> None:
    owner = make_staff(role=Role.OWNER)
    url = f"/t/{owner.tenant.slug}/console/api-keys/"

    created = owner.client.post(url, {"name": "Warehouse export", "role": "auditor"})

    key = created.context["issued"].key
    assert key in created.content.decode()
    assert created["Cache-Control"] == "no-store"
    stored = ApiKey.objects.unscoped().get(tenant=owner.tenant)
    assert (stored.name, stored.role, stored.created_by) == ("Warehouse export", "auditor", owner.user)
    assert key not in owner.client.get(url).content.decode()


def test_a_key_without_a_name_is_refused_with_a_reason(make_staff) -> None:
    owner = make_staff(role=Role.OWNER)

    response = owner.client.post(f"/t/{owner.tenant.slug}/console/api-keys/", {"name": "  ", "role": "manager"})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not ApiKey.objects.unscoped().exists()


def test_an_owner_revokes_a_key_with_htmx(make_staff) -> None:
    owner = make_staff(role=Role.OWNER)
    owner.client.post(f"/t/{owner.tenant.slug}/console/api-keys/", {"name": "k", "role": "manager"})
    key = ApiKey.objects.unscoped().get()

    response = owner.client.post(f"/t/{owner.tenant.slug}/console/api-keys/{key.pk}/revoke/", HTTP_HX_REQUEST="true")

    key.refresh_from_db()
    assert key.revoked_at is not None
    assert response.status_code == 200
    assert f'id="api-key-{key.pk}"' in response.content.decode()
    assert "Revoked" in response.content.decode()


def test_the_panelists_page_lists_pseudonymous_ids_only(make_staff) -> None:
    manager = make_staff(role=Role.MANAGER)
    panelist = PanelistFactory.create(tenant=manager.tenant)

    html = manager.client.get(f"/t/{manager.tenant.slug}/console/panelists/").content.decode()

    assert panelist.public_id in html
    assert panelist.user is not None
    assert panelist.user.email not in html


def test_the_console_speaks_french(make_staff) -> None:
    owner = make_staff(role=Role.OWNER)

    owner.client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    html = owner.client.get(f"/t/{owner.tenant.slug}/console/").content.decode()

    assert '<html lang="fr">' in html
    assert "Vue d\u2019ensemble" in html
    assert "Panélistes" in html
