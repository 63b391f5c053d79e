from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme

from tenants.roles import perms_for_role
from tenants.selectors import membership_list_for_user


def _language_next(request: HttpRequest) -> str:
    """Where the language switch returns: this page, or, when this page answered a POST (an error page
    after a form) or refused a GET (a POST-only address), the page the person came from, since a GET
    at this address could only be refused again."""
    if request.method == "GET" and not getattr(request, "method_refused", False):
        return request.get_full_path()
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        return referer
    tenant = getattr(request, "tenant", None)
    return f"/t/{tenant.slug}/" if tenant is not None else "/"


def tenant(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    return {
        "tenant": getattr(request, "tenant", None),
        "membership": membership,
        "perms_in_tenant": {p.value for p in perms_for_role(membership.role if membership else None)},
        # Only staff have second-factor settings to manage; panelists never see the link.
        "staff_anywhere": SimpleLazyObject(
            lambda: bool(user and user.is_authenticated and membership_list_for_user(user=user).exists())
        ),
        "language_next": SimpleLazyObject(lambda: _language_next(request)),
    }
