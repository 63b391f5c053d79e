"""The console's own pages: the overview, the team and the API keys; and the site's front page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from tenants.access import staff_required
from tenants.console import checklist_steps, overview_cards
from tenants.http import StaffRequest
from tenants.pages import render_console
from tenants.roles import API_KEY_ROLES, Perm, Role
from tenants.selectors import (
    api_key_get,
    api_key_list,
    membership_counts_by_role,
    membership_list,
)
from tenants.services import IssuedApiKey, api_key_create, api_key_revoke, staff_add, staff_remove


@staff_required(Perm.CONSOLE_VIEW)
def console_home(request: StaffRequest) -> HttpResponse:
    checklist = checklist_steps(tenant=request.tenant)
    return render_console(
        request,
        "console/home.html",
        "overview",
        {
            "cards": overview_cards(tenant=request.tenant, role=request.membership.role),
            "checklist": checklist,
            "checklist_open": not all(step.done for step in checklist),
            "team_by_role": membership_counts_by_role(tenant=request.tenant),
        },
    )


def _team_page(request: StaffRequest, error: DomainError | None = None) -> HttpResponse:
    context = {"memberships": membership_list(tenant=request.tenant), "roles": Role.choices}
    return render_console(request, "console/team.html", "team", context, error=error)


@staff_required(Perm.TEAM_VIEW)
@require_GET
def console_team(request: StaffRequest) -> HttpResponse:
    return _team_page(request)


@staff_required(Perm.TEAM_MANAGE)
@require_POST
def console_staff_add(request: StaffRequest) -> HttpResponse:
    try:
        membership = staff_add(
            tenant=request.tenant,
            email=request.POST.get("email", ""),
            role=request.POST.get("role", ""),
            added_by=request.user,
        )
    except DomainError as exc:
        return _team_page(request, exc)
    messages.success(
        request, _("%(email)s is on the team; we mailed them how to sign in.") % {"email": membership.user.email}
    )
    return redirect("console_team", tenant_slug=request.tenant.slug)


@staff_required(Perm.TEAM_MANAGE)
@require_POST
def console_staff_remove(request: StaffRequest, pk: int) -> HttpResponse:
    try:
        staff_remove(tenant=request.tenant, membership_id=pk)
    except DomainError as exc:
        return _team_page(request, exc)
    messages.success(request, _("Removed from the team."))
    return redirect("console_team", tenant_slug=request.tenant.slug)


def _api_keys_page(
    request: StaffRequest, *, issued: IssuedApiKey | None = None, error: DomainError | None = None
) -> HttpResponse:
    context = {"api_keys": api_key_list(tenant=request.tenant), "roles": API_KEY_ROLES, "issued": issued}
    response = render_console(request, "console/api_keys.html", "api_keys", context, error=error)
    # The page that shows a new key must never be cached or replayed from history.
    response["Cache-Control"] = "no-store"
    return response


@staff_required(Perm.APIKEYS_MANAGE)
@require_http_methods(["GET", "POST"])
def console_api_keys(request: StaffRequest) -> HttpResponse:
    if request.method == "GET":
        return _api_keys_page(request)
    try:
        issued = api_key_create(
            tenant=request.tenant,
            name=request.POST.get("name", ""),
            role=request.POST.get("role", ""),
            created_by=request.user,
        )
    except DomainError as exc:
        return _api_keys_page(request, error=exc)
    return _api_keys_page(request, issued=issued)


@staff_required(Perm.APIKEYS_MANAGE)
@require_POST
def console_api_key_revoke(request: StaffRequest, pk: int) -> HttpResponse:
    api_key = api_key_revoke(api_key=api_key_get(tenant=request.tenant, pk=pk))
    if request.htmx:
        return render(request, "console/_api_key_row.html", {"key": api_key})
    messages.success(request, _("The key “%(name)s” is revoked.") % {"name": api_key.name})
    return redirect("console_api_keys", tenant_slug=request.tenant.slug)
