from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from tenants.selectors import membership_get, tenant_get_active


class TenantMiddleware:
    """Resolve the tenant of a page once, from the ``/t/<slug>/`` URL prefix.

    Sets ``request.tenant`` and ``request.membership`` (the user's staff role there, or None).
    An unknown or inactive tenant is a 404 before any view runs. API requests resolve their
    tenant from the credential instead (``tenants.api.TenantApiView``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.tenant = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: dict[str, Any]
    ) -> None:
        slug = view_kwargs.pop("tenant_slug", None)
        if slug is None:
            return
        tenant = tenant_get_active(slug=slug)
        request.tenant = tenant  # type: ignore[attr-defined]
        request.membership = membership_get(tenant=tenant, user=request.user)  # type: ignore[attr-defined,arg-type]
