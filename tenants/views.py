from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from config.errors import DomainError
from tenants.access import staff_required
from tenants.console import nav_for, overview_cards
from tenants.roles import API_KEY_ROLES, Perm, Role
from tenants.selectors import api_key_get, api_key_list, membership_list, membership_list_for_user
from tenants.services import api_key_create, api_key_revoke


def render_console(request: HttpRequest, template: str, section: str, context: dict[str, Any]) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    membership = request.membership  # type: ignore[attr-defined]
    context |= {"nav": nav_for(role=membership.role, tenant_slug=tenant.slug, current=section), "section": section}
    return render(request, template, context)


def home(request: HttpRequest) -> HttpResponse:
    memberships = membership_list_for_user(user=request.user) if request.user.is_authenticated else []
    return render(request, "home.html", {"memberships": memberships})


@staff_required(Perm.CONSOLE_VIEW)
def console_home(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    roles = dict(membership_list(tenant=tenant).values_list("role").annotate(n=Count("id")).order_by())
    return render_console(
        request,
        "console/home.html",
        "overview",
        {
            "cards": overview_cards(tenant=tenant, role=request.membership.role),  # type: ignore[attr-defined]
            "team_by_role": [(Role(r).label, roles.get(r, 0)) for r in Role],
        },
    )


@staff_required(Perm.TEAM_VIEW)
def console_team(request: HttpRequest) -> HttpResponse:
    return render_console(
        request,
        "console/team.html",
        "team",
        {"memberships": membership_list(tenant=request.tenant)},  # type: ignore[attr-defined]
    )


@staff_required(Perm.APIKEYS_MANAGE)
@require_http_methods(["GET", "POST"])
def console_api_keys(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    issued = None
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            issued = api_key_create(
                tenant=tenant,
                name=request.POST.get("name", ""),
                role=request.POST.get("role", ""),
                created_by=request.user,  # type: ignore[arg-type]
            )
        except DomainError as exc:
            errors = exc.fields or {"form": [exc.detail]}
    response = render_console(
        request,
        "console/api_keys.html",
        "api_keys",
        {
            "api_keys": api_key_list(tenant=tenant),
            "roles": API_KEY_ROLES,
            "issued": issued,
            "errors": errors,
            "form_values": request.POST if errors else {},
        },
    )
    if errors:
        response.status_code = 400
    # The page that shows a new key must never be cached or replayed from history.
    response["Cache-Control"] = "no-store"
    return response


@staff_required(Perm.APIKEYS_MANAGE)
@require_POST
def console_api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    api_key = api_key_revoke(api_key=api_key_get(tenant=tenant, pk=pk))
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "console/_api_key_row.html", {"key": api_key})
    messages.success(request, _("The key “%(name)s” is revoked.") % {"name": api_key.name})
    return redirect("console_api_keys", tenant_slug=tenant.slug)
