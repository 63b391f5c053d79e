"""Schemathesis over the whole OpenAPI schema, with a manager's API key: whatever it sends, the API
never answers 5xx, and every answer (its status, content type and body) is the one the schema
documents."""

from __future__ import annotations

import json
from collections.abc import Iterator

import jsonschema
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer as JSONRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from consent.services.consent import consent_grant
from tenants.roles import Role
from tenants.services import api_key_create
from tests.factories import PanelistFactory, TenantFactory, publish

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api_key(db: None) -> str:
    """A manager's key of a tenant with panelists and published consent texts."""
    tenant = TenantFactory.create(slug="fuzzed")
    PanelistFactory.create_batch(3, tenant=tenant)
    publish(tenant, "membership")
    return api_key_create(tenant=tenant, name="fuzz", role=Role.MANAGER, created_by=None).key


def _schema() -> schemathesis.schemas.BaseSchema:
    """The schema as /api/schema/ serves it, driving the WSGI app in this thread."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(json.loads(JSONRenderer().render(document)))
    schema.app = get_wsgi_application()
    return schema


schema = _schema()


@pytest.fixture(autouse=True)
def _requests_keep_the_test_connection() -> Iterator[None]:
    # The WSGI app runs in this thread, inside the test's transaction; as Django's test client does, keep
    # the end of each request from closing the connection that transaction lives on.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_server_error_or_an_answer_the_schema_does_not_document(case, api_key: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Api-Key {api_key}"}, checks=CHECKS)


def test_the_consent_json_export_is_documented_as_the_array_of_events_it_returns(db: None, client) -> None:
    # given an auditor's key of a tenant whose log has events
    tenant = TenantFactory.create(slug="exported")
    publish(tenant, "membership")
    PanelistFactory.create_batch(2, tenant=tenant)
    key = api_key_create(tenant=tenant, name="audit", role=Role.AUDITOR, created_by=None).key
    consent_grant(
        tenant=tenant, subject="pn_exported", purpose_key="membership", language="en", method="web", actor="subject"
    )
    document = json.loads(JSONRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))

    # when the export is read as JSON
    answer = client.get("/api/v1/consent/export/?fmt=json", HTTP_AUTHORIZATION=f"Api-Key {key}")
    events = json.loads(b"".join(answer.streaming_content))

    # then the schema says it is an array of events, and what came back is one
    documented = document["paths"]["/api/v1/consent/export/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert documented["schema"] == {"type": "array", "items": {"$ref": "#/components/schemas/ConsentEventOutput"}}
    assert events
    jsonschema.validate(events, documented["schema"] | {"components": document["components"]})
