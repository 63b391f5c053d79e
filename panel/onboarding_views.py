"""Invite-only signup: the invitation link, the age gate, consent, and the panelist's home."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from consent.selectors import consent_states_for_subject, document_current, panelist_purpose_list
from consent.subjects import subject_for
from core.errors import DomainError
from panel.errors import InvitationUnusable, TooYoung
from panel.invitations import invitation_accept, invitation_from_token
from tenants.http import SignedInRequest, TenantRequest


def _purposes(request: TenantRequest) -> list[dict[str, object]]:
    language = get_language()
    return [
        {
            "purpose": purpose,
            "name": purpose.name_in(language),
            "description": purpose.description_in(language),
            "document": document_current(purpose=purpose, language=language),
        }
        for purpose in panelist_purpose_list(tenant=request.tenant)
    ]


@require_http_methods(["GET", "POST"])
def join(request: TenantRequest, token: str) -> HttpResponse:
    tenant = request.tenant
    try:
        invitation = invitation_from_token(tenant=tenant, token=token)
    except InvitationUnusable as exc:
        return render(request, "panel/join_refused.html", {"message": exc.detail, "code": exc.code}, status=410)
    has_account = User.objects.filter(email__iexact=invitation.email).exists()
    signed_in_as_invitee = request.user.is_authenticated and request.user.email.lower() == invitation.email
    context = {
        "invitation": invitation,
        "purposes": [p for p in _purposes(request) if p["document"] is not None],
        "has_account": has_account,
        "signed_in_as_invitee": signed_in_as_invitee,
        "errors": {},
        "form": {},
    }
    if request.method == "GET":
        return render(request, "panel/join.html", context)
    try:
        born = date.fromisoformat(request.POST.get("date_of_birth", ""))
    except ValueError:
        context |= {"errors": {"date_of_birth": ["Enter your date of birth."]}, "form": request.POST}
        return render(request, "panel/join.html", context, status=400)
    try:
        panelist = invitation_accept(
            tenant=tenant,
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
        return render(request, "panel/join_refused.html", {"message": exc.detail, "code": exc.code}, status=410)
    except DomainError as exc:
        context |= {"errors": exc.fields or {"form": [exc.detail]}, "form": request.POST}
        return render(request, "panel/join.html", context, status=exc.status_code)
    if not request.user.is_authenticated:
        login(request, panelist.user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("panelist_home", tenant_slug=tenant.slug)


@login_required
@require_GET
def panelist_home(request: SignedInRequest) -> HttpResponse:
    tenant = request.tenant
    subject = subject_for(tenant, request.user)
    if subject is None:
        raise Http404("You are not a panelist of this panel.")
    states = consent_states_for_subject(tenant=tenant, subject=subject.id, language=get_language())
    return render(
        request,
        "panel/home.html",
        {
            "subject": subject,
            "programs": [s for s in states if s.status == "active" and not s.purpose.required],
            "states": states,
            "needs_reconsent": [s for s in states if s.status == "reconsent_needed"],
        },
    )
