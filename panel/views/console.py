"""The operators' pages of the panel: panelists, the waitlist with its releases and screening
questions, and invitations (one by one, from a CSV file, revoke, resend, the funnel)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from panel.models import ScreeningQuestion, WaitlistRelease
from panel.selectors import (
    invitation_funnel,
    invitation_get,
    invitation_list,
    panelist_list,
    release_progress,
    waitlist_overview,
    waitlist_question_items,
)
from panel.services.invitation_import import invitations_csv_import
from panel.services.invitations import invitation_create, invitation_resend, invitation_revoke
from panel.services.release import release_targets_parse, waitlist_release
from panel.services.waitlist import screening_question_add
from tenants.access import staff_required
from tenants.http import StaffRequest
from tenants.pages import render_console
from tenants.roles import Perm


@staff_required(Perm.PANELISTS_VIEW)
@require_GET
def console_panelists(request: StaffRequest) -> HttpResponse:
    page = Paginator(panelist_list(tenant=request.tenant), 50).get_page(request.GET.get("page"))
    return render_console(request, "console/panelists.html", "panelists", {"page": page})


# -- invitations --------------------------------------------------------------------------------------


def _invitations_page(request: StaffRequest, error: DomainError | None = None) -> HttpResponse:
    page = Paginator(invitation_list(tenant=request.tenant), 50).get_page(request.GET.get("page"))
    context = {"page": page, "funnel": invitation_funnel(tenant=request.tenant)}
    return render_console(request, "panel/console/invitations.html", "invitations", context, error=error)


@staff_required(Perm.INVITATIONS_MANAGE)
@require_http_methods(["GET", "POST"])
def console_invitations(request: StaffRequest) -> HttpResponse:
    """The invitations, and (POST) inviting one person by email."""
    if request.method == "GET":
        return _invitations_page(request)
    try:
        invitation_create(tenant=request.tenant, email=request.POST.get("email", ""), created_by=request.user)
    except DomainError as exc:
        return _invitations_page(request, exc)
    messages.success(request, _("Invitation sent."))
    return redirect("console_invitations", tenant_slug=request.tenant.slug)


@staff_required(Perm.INVITATIONS_MANAGE)
@require_POST
def console_invitations_import(request: StaffRequest) -> HttpResponse:
    try:
        upload = request.FILES.get("file")
        if upload is None:
            raise DomainError(_("Choose a CSV file."), fields={"file": [_("Required.")]})
        count = invitations_csv_import(tenant=request.tenant, upload=upload, created_by=request.user)
    except DomainError as exc:
        return _invitations_page(request, exc)
    messages.success(request, _("%(n)s invitations are on their way.") % {"n": count})
    return redirect("console_invitations", tenant_slug=request.tenant.slug)


@staff_required(Perm.INVITATIONS_MANAGE)
@require_POST
def console_invitation_revoke(request: StaffRequest, pk: int) -> HttpResponse:
    invitation_revoke(invitation=invitation_get(tenant=request.tenant, pk=pk))
    messages.success(request, _("Invitation revoked."))
    return redirect("console_invitations", tenant_slug=request.tenant.slug)


@staff_required(Perm.INVITATIONS_MANAGE)
@require_POST
def console_invitation_resend(request: StaffRequest, pk: int) -> HttpResponse:
    try:
        invitation_resend(invitation=invitation_get(tenant=request.tenant, pk=pk))
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Invitation sent again."))
    return redirect("console_invitations", tenant_slug=request.tenant.slug)


# -- the waitlist -------------------------------------------------------------------------------------


def _waitlist_page(request: StaffRequest, error: DomainError | None = None) -> HttpResponse:
    overview = waitlist_overview(tenant=request.tenant, params=request.GET.dict())
    context = {
        "questions": overview.questions,
        "question_items": waitlist_question_items(overview=overview, language=get_language()),
        "filters": overview.filters,
        "by_attribute": overview.by_attribute,
        "status_counts": overview.status_counts,
        "matching": overview.pool.count(),
        "capacity": overview.capacity,
        "methods": WaitlistRelease.Method.choices,
        "kinds": ScreeningQuestion.Kind.choices,
        "releases": overview.releases,
        "page": Paginator(overview.pool, 50).get_page(request.GET.get("page")),
    }
    return render_console(
        request, "panel/console/waitlist.html", "waitlist", context, error=error or overview.filter_error
    )


def _whole_number(raw: str, field: str) -> int | None:
    """Parse an optional whole number typed in a form; a refusal names the field."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise DomainError(_("Give whole numbers."), fields={field: [_("Enter a whole number.")]}) from None


@staff_required(Perm.WAITLIST_MANAGE)
@require_GET
def console_waitlist(request: StaffRequest) -> HttpResponse:
    return _waitlist_page(request)


@staff_required(Perm.WAITLIST_MANAGE)
@require_POST
def console_waitlist_release(request: StaffRequest) -> HttpResponse:
    """Release people from the list; the filters of the page (its query string) choose the pool."""
    overview = waitlist_overview(tenant=request.tenant, params=request.GET.dict())
    try:
        count = _whole_number(request.POST.get("count", ""), "count")
        release = waitlist_release(
            tenant=request.tenant,
            count=count or 0,
            method=request.POST.get("method", ""),
            seed=_whole_number(request.POST.get("seed", ""), "seed"),
            filters=overview.filters,
            targets=release_targets_parse(request.POST.get("targets", "")) or None,
            created_by=request.user,
        )
    except DomainError as exc:
        return _waitlist_page(request, exc)
    text = _("Released %(n)s of %(asked)s (seed %(seed)s).") % {
        "n": release.released, "asked": release.requested, "seed": release.seed}  # fmt: skip
    if release.note:
        text += " " + release.note + "."
    messages.success(request, text)
    query = request.GET.urlencode()
    return redirect(
        reverse("console_waitlist", kwargs={"tenant_slug": request.tenant.slug}) + (f"?{query}" if query else "")
    )


@staff_required(Perm.WAITLIST_MANAGE)
@require_POST
def console_screening_question_add(request: StaffRequest) -> HttpResponse:
    try:
        screening_question_add(
            tenant=request.tenant,
            key=request.POST.get("key", ""),
            labels={lang: request.POST.get(f"label_{lang}", "") for lang in request.tenant.languages},
            kind=request.POST.get("kind", ""),
            choices=request.POST.get("choices", "").split(","),
            choice_labels={
                lang: request.POST.get(f"choice_labels_{lang}", "").split(",") for lang in request.tenant.languages
            },
            minimum=_whole_number(request.POST.get("minimum", ""), "minimum"),
            maximum=_whole_number(request.POST.get("maximum", ""), "maximum"),
        )
    except DomainError as exc:
        return _waitlist_page(request, exc)
    messages.success(request, _("Question added to the waitlist form."))
    return redirect("console_waitlist", tenant_slug=request.tenant.slug)


@staff_required(Perm.WAITLIST_MANAGE)
@require_GET
def console_release_progress(request: StaffRequest, pk: int) -> HttpResponse:
    """How far the Celery batches have got in mailing one release's invitations (polled by htmx)."""
    progress = release_progress(tenant=request.tenant, pk=pk)
    context = {
        "release": progress.release,
        "sent": progress.sent,
        "withdrawn": progress.withdrawn,
        "done": progress.done,
    }
    return render(request, "panel/console/_release_progress.html", context)
