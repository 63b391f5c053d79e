"""Each role sees and may use what ROLE_PERMISSIONS gives it, in the console and in the API."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tenants.console import NAV
from tenants.roles import ROLE_PERMISSIONS, Role
from tenants.services import api_key_create
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

PAGES = {"overview": "", "panelists": "panelists/", "team": "team/", "api_keys": "api-keys/"}


def nav_keys(html: str) -> set[str]:
    return set(re.findall(r'data-nav="([a-z_]+)"', html))


@pytest.mark.parametrize("role", list(Role))
def test_the_console_shows_each_role_its_sections_and_refuses_the_rest(make_staff, role: Role) -> None:
    staff = make_staff(role=role)
    base = f"/t/{staff.tenant.slug}/console/"

    home = staff.client.get(base)

    expected = {item.key for item in NAV if role in ROLE_PERMISSIONS[item.perm]}
    assert home.status_code == 200
    assert nav_keys(home.content.decode()) == expected
    for key, path in PAGES.items():
        allowed = key in expected
        assert staff.client.get(base + path).status_code == (200 if allowed else 403), (role, key)


def test_the_expected_shape_of_the_roles() -> None:
    # The matrix the product promises; a change to ROLE_PERMISSIONS must be deliberate.
    def sections(role: Role) -> set[str]:
        return {item.key for item in NAV if role in ROLE_PERMISSIONS[item.perm]}

    assert sections(Role.AUDITOR) == {"overview", "consent"}
    assert "purposes" in sections(Role.MANAGER)
    assert sections(Role.REVIEWER) == {"overview", "panelists", "receipts", "ad_reports"}
    assert "consent" not in sections(Role.MANAGER)
    assert sections(Role.OWNER) == {item.key for item in NAV}


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        (Role.MANAGER, "/api/v1/panelists/", 200),
        (Role.REVIEWER, "/api/v1/panelists/", 200),
        (Role.AUDITOR, "/api/v1/panelists/", 403),
        (Role.MANAGER, "/api/v1/members/", 200),
        (Role.REVIEWER, "/api/v1/members/", 403),
        (Role.MANAGER, "/api/v1/api-keys/", 403),
        (Role.AUDITOR, "/api/v1/tenant/", 200),
    ],
)
def test_an_api_key_acts_with_its_role(role: Role, path: str, status: int) -> None:
    tenant = TenantFactory.create()
    key = api_key_create(tenant=tenant, name="k", role=role, created_by=None).key

    response = Client(HTTP_AUTHORIZATION=f"Api-Key {key}").get(path)

    assert response.status_code == status
    if status == 403:
        assert response.json()["code"] == "permission_denied"


def test_a_person_who_is_not_staff_gets_404_for_the_console(make_staff) -> None:
    staff = make_staff()
    other = TenantFactory.create()

    assert staff.client.get(f"/t/{other.slug}/console/").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    tenant = TenantFactory.create()

    response = client.get(f"/t/{tenant.slug}/console/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
