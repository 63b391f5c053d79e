"""The operators' invitations page: invite one person, revoke, resend, and the funnel."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from panel.csv_import import invitations_import_csv
from panel.invitations import invitation_create, invitation_resend, invitation_revoke
from panel.models import Invitation
from tenants.access import staff_required
from tenants.http import StaffRequest
from tenants.pages import render_console
from tenants.roles import Perm


def invitation_funnel(tenant: object) -> dict[str, int]:
    now = timezone.now()
    return Invitation.objects.for_tenant(tenant).aggregate(  # type: ignore[arg-type]
        sent=Count("id"),
        accepted=Count("id", filter=Q(status="accepted")),
        pending=Count("id", filter=Q(status="pending", expires_at__gt=now)),
        expired=Count("id", filter=Q(status="pending", expires_at__lte=now)),
        revoked=Count("id", filter=Q(status="revoked")),
    )


@staff_required(Perm.INVITATIONS_MANAGE)
@require_http_methods(["GET", "POST"])
def console_invitations(request: StaffRequest) -> HttpResponse:
    tenant = request.tenant
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and "file" in request.FILES:
        try:
            count = invitations_import_csv(tenant=tenant, upload=request.FILES["file"], created_by=request.user)  # type: ignore[arg-type]
        except DomainError as exc:
            errors = {"form": [exc.detail], **exc.fields}
        else:
            messages.success(request, _("%(n)s invitations are on their way.") % {"n": count})
            return redirect("console_invitations", tenant_slug=tenant.slug)
    elif request.method == "POST":
        try:
            invitation_create(tenant=tenant, email=request.POST.get("email", ""), created_by=request.user)
        except DomainError as exc:
            errors = exc.fields or {"form": [exc.detail]}
        else:
            messages.success(request, _("Invitation sent."))
            return redirect("console_invitations", tenant_slug=tenant.slug)
    page = Paginator(Invitation.objects.for_tenant(tenant).order_by("-created_at", "-id"), 50).get_page(
        request.GET.get("page")
    )
    response = render_console(
        request,
        "panel/console/invitations.html",
        "invitations",
        {"page": page, "funnel": invitation_funnel(tenant), "errors": errors, "form": request.POST if errors else {}},
    )
    if errors:
        response.status_code = 400
    return response


@staff_required(Perm.INVITATIONS_MANAGE)
@require_POST
def console_invitation_action(request: StaffRequest, pk: int, action: str) -> HttpResponse:
    tenant = request.tenant
    invitation = get_object_or_404(Invitation.objects.for_tenant(tenant).select_related("tenant"), pk=pk)
    try:
        if action == "revoke":
            invitation_revoke(invitation=invitation)
            messages.success(request, _("Invitation revoked."))
        else:
            invitation_resend(invitation=invitation)
            messages.success(request, _("Invitation sent again."))
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect("console_invitations", tenant_slug=tenant.slug)
