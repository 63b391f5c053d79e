"""A user or API key of tenant A gets 404 for every object of tenant B, in pages and in the API."""

from __future__ import annotations

import pytest
from django.test import Client

from panel.models import Panelist
from tenants.roles import Role
from tenants.services import api_key_create
from tests.factories import PanelistFactory, TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_tenants(make_staff):
    a, b = TenantFactory.create(slug="alpha"), TenantFactory.create(slug="bravo")
    staff_a = make_staff(tenant=a, role=Role.OWNER)
    make_staff(tenant=b, role=Role.OWNER)
    panelist_a = PanelistFactory.create(tenant=a)
    panelist_b = PanelistFactory.create(tenant=b)
    key_b = api_key_create(tenant=b, name="B's key", role=Role.MANAGER, created_by=None).api_key
    key_a = api_key_create(tenant=a, name="A's key", role=Role.MANAGER, created_by=None)
    return staff_a, key_a.key, panelist_a, panelist_b, key_b


def objects_of_b(panelist_b: Panelist, key_b) -> list[str]:
    return [f"/api/v1/panelists/{panelist_b.public_id}/", f"/api/v1/api-keys/{key_b.pk}/"]


def test_staff_of_a_get_404_for_every_object_of_b(two_tenants) -> None:
    staff_a, _key, _pa, panelist_b, key_b = two_tenants

    for url in objects_of_b(panelist_b, key_b):
        response = staff_a.client.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
    assert staff_a.client.delete(f"/api/v1/api-keys/{key_b.pk}/").status_code == 404
    key_b.refresh_from_db()
    assert key_b.revoked_at is None


def test_an_api_key_of_a_gets_404_for_every_object_of_b(two_tenants) -> None:
    _staff, key_a, _pa, panelist_b, _key_b = two_tenants
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key_a}")

    response = client.get(f"/api/v1/panelists/{panelist_b.public_id}/")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found.", "fields": {}}


def test_an_api_key_cannot_choose_another_tenant_with_the_header(two_tenants) -> None:
    _staff, key_a, panelist_a, panelist_b, _key_b = two_tenants
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key_a}", HTTP_X_TENANT="bravo")

    listed = client.get("/api/v1/panelists/").json()["results"]

    assert [p["public_id"] for p in listed] == [panelist_a.public_id]
    assert client.get(f"/api/v1/panelists/{panelist_b.public_id}/").status_code == 404


def test_staff_of_a_naming_b_in_the_header_get_404(two_tenants) -> None:
    staff_a, *_ = two_tenants

    response = staff_a.client.get("/api/v1/panelists/", HTTP_X_TENANT="bravo")

    assert response.status_code == 404


def test_lists_show_only_the_own_tenant(two_tenants) -> None:
    staff_a, _key, panelist_a, _pb, _kb = two_tenants

    panelists = staff_a.client.get("/api/v1/panelists/").json()
    keys = staff_a.client.get("/api/v1/api-keys/").json()
    members = staff_a.client.get("/api/v1/members/").json()

    assert [p["public_id"] for p in panelists["results"]] == [panelist_a.public_id]
    assert [k["name"] for k in keys["results"]] == ["A's key"]
    assert [m["email"] for m in members["results"]] == [staff_a.user.email]
    assert staff_a.client.get("/api/v1/tenant/").json()["slug"] == "alpha"


def test_the_console_of_another_tenant_is_a_404(two_tenants) -> None:
    staff_a, *_ = two_tenants

    for path in ["", "panelists/", "team/", "api-keys/"]:
        assert staff_a.client.get(f"/t/bravo/console/{path}").status_code == 404, path
    assert staff_a.client.get("/t/alpha/console/").status_code == 200


def test_revoking_another_tenants_key_from_the_console_is_a_404(two_tenants) -> None:
    staff_a, _key, _pa, _pb, key_b = two_tenants

    response = staff_a.client.post(f"/t/alpha/console/api-keys/{key_b.pk}/revoke/")

    assert response.status_code == 404
    key_b.refresh_from_db()
    assert key_b.revoked_at is None


def test_an_unknown_tenant_is_a_404(client: Client) -> None:
    assert client.get("/t/nobody/").status_code == 404
    assert client.get("/t/nobody/console/").status_code == 404


def test_a_query_of_a_tenant_owned_table_runs_only_once_it_names_its_tenant() -> None:
    from panel.models import Invitation
    from tenants.models import UnscopedQueryError
    from tests.factories import TenantFactory

    tenant = TenantFactory.create()
    Invitation.objects.create(tenant=tenant, email="x@example.test", nonce="n", expires_at="2099-01-01T00:00Z")

    with pytest.raises(UnscopedQueryError, match=r"panel\.Invitation names no tenant \(at .*test_isolation\.py"):
        list(Invitation.objects.filter(email="x@example.test"))
    with pytest.raises(UnscopedQueryError):
        Invitation.objects.filter(email="x@example.test").update(email="y@example.test")

    assert Invitation.objects.for_tenant(tenant).count() == 1
    assert Invitation.objects.filter(tenant=tenant, email="x@example.test").exists()
    assert Invitation.objects.unscoped().filter(email="x@example.test").count() == 1  # a system job, on purpose
    assert Invitation.objects.none().count() == 0


def test_the_lint_lists_every_query_across_tenants_and_refuses_one_without_its_reason() -> None:
    from scripts.lint_structure import ROOT, unscoped_uses

    uses = dict(unscoped_uses())
    probe = ROOT / "panel" / "_unscoped_probe.py"
    probe.write_text("from panel.models import Invitation\n\nrows = Invitation.objects.unscoped()\n")
    try:
        with_probe = dict(unscoped_uses())
    finally:
        probe.unlink()

    assert uses
    assert all(uses.values())
    assert with_probe["panel/_unscoped_probe.py:3"] is False
