"""API plumbing shared by every app: the error format, pagination and the tenant-scoped base view.

Every 4xx answer has one shape: ``{"code": ..., "detail": ..., "fields": {...}}``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


def _flatten_fields(data: Any, prefix: str = "") -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            fields.update(_flatten_fields(value, name))
    elif isinstance(data, list) and all(not isinstance(item, (dict, list)) for item in data):
        fields[prefix or "non_field_errors"] = [str(item) for item in data]
    elif isinstance(data, list):
        for index, item in enumerate(data):
            fields.update(_flatten_fields(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        fields[prefix or "non_field_errors"] = [str(data)]
    return fields


def error_body(code: str, detail: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"code": code, "detail": detail, "fields": fields or {}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.detail, exc.fields), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten_fields(exc.detail)
        detail = "The input is not valid; see fields."
        if list(fields) == ["non_field_errors"]:
            detail = fields.pop("non_field_errors")[0]
        response.data = error_body("invalid", detail, fields)
    else:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        response.data = error_body(str(code), str(exc.detail))
    return response


def json_error_response(request: HttpRequest, code: str, detail: str, status_code: int) -> JsonResponse:
    return JsonResponse(error_body(code, detail), status=status_code)


def api_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return json_error_response(request, "not_found", "No such endpoint.", status.HTTP_404_NOT_FOUND)
