"""Invite-only signup: the invitation link, the age gate, consent, and the panelist's home."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from consent.selectors import consent_overview
from consent.subjects import subject_for_request
from core.errors import DomainError
from panel.errors import InvitationUnusable, TooYoung
from panel.selectors import invitation_get_by_token, invitee_has_account, join_purposes
from panel.services.invitations import invitation_accept
from tenants.http import SignedInRequest, TenantRequest
from tenants.pages import render_page


def _refused(request: TenantRequest, exc: InvitationUnusable) -> HttpResponse:
    return render(request, "panel/join_refused.html", {"message": exc.detail, "code": exc.code}, status=410)


@require_http_methods(["GET", "POST"])
def join(request: TenantRequest, token: str) -> HttpResponse:
    try:
        invitation = invitation_get_by_token(tenant=request.tenant, token=token)
    except InvitationUnusable as exc:
        return _refused(request, exc)
    signed_in_as_invitee = request.user.is_authenticated and request.user.email.lower() == invitation.email
    context = {
        "invitation": invitation,
        "purposes": join_purposes(tenant=request.tenant, language=get_language()),
        "has_account": invitee_has_account(invitation=invitation),
        "signed_in_as_invitee": signed_in_as_invitee,
    }
    if request.method == "GET":
        return render_page(request, "panel/join.html", context)
    try:
        try:
            born = date.fromisoformat(request.POST.get("date_of_birth", ""))
        except ValueError:
            raise DomainError(
                "Enter your date of birth.", fields={"date_of_birth": ["Enter your date of birth."]}
            ) from None
        panelist = invitation_accept(
            tenant=request.tenant,
            token=token,
            date_of_birth=born,
            consents=request.POST.getlist("consent"),
            language=get_language(),
            user=request.user if signed_in_as_invitee else None,
            password=request.POST.get("password", ""),
        )
    except TooYoung as exc:
        # A kind page, and nothing kept: the invitation is gone, no account was made.
        return render(request, "panel/too_young.html", {"message": exc.detail})
    except InvitationUnusable as exc:
        return _refused(request, exc)
    except DomainError as exc:
        return render_page(request, "panel/join.html", context, error=exc)
    if not request.user.is_authenticated:
        login(request, panelist.user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("panelist_home", tenant_slug=request.tenant.slug)


@login_required
@require_GET
def panelist_home(request: SignedInRequest) -> HttpResponse:
    subject = subject_for_request(request)
    overview = consent_overview(tenant=request.tenant, subject=subject.id, language=get_language())
    context = {"subject": subject, "programs": overview.programs, "states": overview.states}
    return render(request, "panel/home.html", context | {"needs_reconsent": overview.needs_reconsent})
