"""The OpenAPI schema's one error body, documented on every operation.

Every 4xx of the API has the body ``{"code": ..., "detail": ..., "fields": {...}}``
(``config.api.exception_handler``). drf-spectacular documents only the success responses, so this
post-processing hook adds the error responses an operation can give, each with that body, so that a
client (and the schema test, tests/config/test_openapi.py) knows every answer it may get.
"""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["code", "detail", "fields"],
    "properties": {
        "code": {"type": "string", "description": "Stable, machine-readable reason, e.g. `invalid`."},
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "fields": {
            "type": "object",
            "description": "The input fields at fault, each with its messages.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}

ERROR_RESPONSES = {
    "400": "The input is not valid: `fields` names what to fix.",
    "401": "No credentials, or credentials that are not valid.",
    "403": "The credentials do not allow this (role, second factor, or consent).",
    "404": "No such object in this tenant (another tenant's objects do not exist for you).",
    "405": "The method is not allowed here.",
    "409": "The request conflicts with the current state (for example, already done).",
    "429": "Too many requests: try again later.",
}


def error_responses_hook(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_RESPONSES.items():
                responses.setdefault(status, {"description": description, "content": body})
    return result
