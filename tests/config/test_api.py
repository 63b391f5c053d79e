"""The API's contract: one error format for every 4xx, pagination on every list, a schema and docs."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tenants.roles import Role
from tenants.services import api_key_create
from tests.factories import PASSWORD, PanelistFactory, TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(make_staff):
    return make_staff(role=Role.OWNER)


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"code", "detail", "fields"}
    assert body["code"] == code
    assert body["detail"]
    return body


def test_unauthenticated_requests_get_401_in_the_error_format(client: Client) -> None:
    body = assert_error(client.get("/api/v1/panelists/"), 401, "not_authenticated")
    assert body["fields"] == {}


def test_an_unknown_key_gets_401_with_a_reason(client: Client) -> None:
    response = client.get("/api/v1/tenant/", HTTP_AUTHORIZATION="Api-Key fp_deadbeef_nope")

    body = assert_error(response, 401, "authentication_failed")
    assert "unknown or has been revoked" in body["detail"]


def test_bad_query_input_is_a_400_naming_the_field(owner) -> None:
    body = assert_error(owner.client.get("/api/v1/panelists/?status=sleeping"), 400, "invalid")

    assert list(body["fields"]) == ["status"]


def test_a_page_out_of_range_is_a_404_in_the_error_format(owner) -> None:
    assert_error(owner.client.get("/api/v1/panelists/?page=99"), 404, "not_found")


def test_an_unknown_endpoint_is_a_json_404(owner) -> None:
    assert_error(owner.client.get("/api/v1/nothing-here/"), 404, "not_found")


def test_a_wrong_method_is_a_405_in_the_error_format(owner) -> None:
    assert_error(owner.client.post("/api/v1/tenant/", {}, content_type="application/json"), 405, "method_not_allowed")


def test_a_session_user_with_several_tenants_must_name_one(make_staff) -> None:
    staff = make_staff()
    from tenants.models import Membership

    Membership.objects.create(tenant=TenantFactory.create(slug="second"), user=staff.user, role=Role.MANAGER)

    body = assert_error(staff.client.get("/api/v1/tenant/"), 400, "tenant_required")
    assert "X-Tenant" in body["detail"]
    assert staff.client.get("/api/v1/tenant/", HTTP_X_TENANT="second").json()["role"] == "manager"


def test_every_list_endpoint_is_paginated(owner) -> None:
    PanelistFactory.create_batch(3, tenant=owner.tenant)
    schema = owner.client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    list_paths = []
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if not get:
            continue
        answers = get["responses"]["200"]["content"]
        if "text/csv" in answers or "application/json" not in answers:
            continue  # a file export or download, streamed: CSV, a file, or the same rows as one JSON array
        content = answers["application/json"]["schema"]
        assert content.get("type") != "array", f"{path} returns a bare array"
        if content.get("$ref", "").startswith("#/components/schemas/Paginated"):
            list_paths.append(path)

    assert set(list_paths) >= {"/api/v1/panelists/", "/api/v1/members/", "/api/v1/api-keys/"}
    assert {"/api/v1/me/consents/", "/api/v1/me/exports/"} <= set(list_paths)  # panelists': tests/consent
    for path in [p for p in list_paths if not p.startswith("/api/v1/me/") and "{" not in p]:  # no id to fill
        body = owner.client.get(path + "?page_size=2").json()
        assert set(body) == {"count", "next", "previous", "results"}, path
        assert len(body["results"]) <= 2
    page = owner.client.get("/api/v1/panelists/?page_size=2").json()
    assert page["count"] == 3
    assert page["next"].endswith("page=2&page_size=2")


def test_the_schema_and_docs_are_served_without_a_cdn(client: Client) -> None:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    assert "ApiKey" in schema.json()["components"]["securitySchemes"]
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    # every script and stylesheet comes from our own static files, none from a CDN
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert assets
    assert all(url.startswith("/static/") for url in assets), assets


def test_an_api_key_reads_its_tenant(client: Client) -> None:
    tenant = TenantFactory.create(slug="keyed", currency="GBP", country="GB")
    key = api_key_create(tenant=tenant, name="k", role=Role.MANAGER, created_by=None).key

    body = client.get("/api/v1/tenant/", HTTP_AUTHORIZATION=f"Api-Key {key}").json()

    assert body["slug"] == "keyed"
    assert body["currency"] == "GBP"
    assert body["role"] == "manager"


def test_a_revoked_key_stops_working_at_once(owner, client: Client) -> None:
    issued = api_key_create(tenant=owner.tenant, name="k", role=Role.MANAGER, created_by=owner.user)
    assert client.get("/api/v1/tenant/", HTTP_AUTHORIZATION=f"Api-Key {issued.key}").status_code == 200

    revoked = owner.client.delete(f"/api/v1/api-keys/{issued.api_key.pk}/")

    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"]
    assert_error(
        client.get("/api/v1/tenant/", HTTP_AUTHORIZATION=f"Api-Key {issued.key}"), 401, "authentication_failed"
    )


def test_nul_bytes_and_malformed_ids_are_4xx_not_500(owner, client: Client) -> None:
    assert client.get("/t/%00/").status_code == 404
    assert_error(owner.client.get("/api/v1/panelists/pn_%00/"), 404, "not_found")
    bad_key = client.get("/api/v1/tenant/", HTTP_AUTHORIZATION="Api-Key fp_ZZ%00ZZ_secret")
    assert_error(bad_key, 401, "authentication_failed")
    named = owner.client.post(f"/t/{owner.tenant.slug}/console/api-keys/", {"name": "bad\x00name", "role": "manager"})
    assert named.status_code == 400


def test_an_oversized_body_is_a_json_400(client: Client, settings) -> None:
    panelist = PanelistFactory.create(tenant=TenantFactory.create(slug="big"))
    assert panelist.user is not None
    client.login(email=panelist.user.email, password=PASSWORD)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = client.post("/api/v1/me/consents/", "x" * 5000, content_type="application/json", HTTP_X_TENANT="big")

    assert_error(response, 400, "bad_request")


def test_the_consent_gate_maps_to_403_with_its_code() -> None:
    from config.api import exception_handler
    from consent.errors import ConsentRequired, ConsentWithdrawn

    required = exception_handler(ConsentRequired("Consent to 'receipts' is needed first."), {})
    withdrawn = exception_handler(ConsentWithdrawn("Consent to 'surveys' was withdrawn."), {})

    assert required is not None
    assert withdrawn is not None
    assert (required.status_code, required.data["code"]) == (403, "consent_required")
    assert (withdrawn.status_code, withdrawn.data["code"]) == (403, "consent_withdrawn")
