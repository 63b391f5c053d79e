"""Invite-only signup: the invitation link, the age gate, consent, and the panelist's home."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consent.selectors import consent_overview
from consent.subjects import subject_for_request
from core.errors import DomainError
from panel.errors import InvitationUnusable, TooYoung
from panel.home import home_cards_for
from panel.models import Invitation
from panel.selectors import invitation_get_by_token, invitee_has_account, join_purposes, panelist_for_request
from panel.services.invitations import invitation_accept
from tenants.http import SignedInRequest, TenantRequest
from tenants.pages import render_page


def _refused(request: TenantRequest, exc: InvitationUnusable) -> HttpResponse:
    return render(request, "panel/join_refused.html", {"message": exc.detail, "code": exc.code}, status=exc.status_code)


# The invitation's token never travels in a URL, so it never lands in an access log (the web
# server's, a proxy's) nor in a Referer header. The emailed link is ``/t/<slug>/join/#<token>``: a
# browser never sends the fragment. A small script on the join page posts it in a form body (or the
# person pastes it), and the session keeps it, per tenant, until the person joins.
JOIN_SESSION_KEY = "panel.join_tokens"


def _session_token(request: TenantRequest) -> str | None:
    token = request.session.get(JOIN_SESSION_KEY, {}).get(str(request.tenant.pk))
    return token if isinstance(token, str) else None


def _session_token_set(request: TenantRequest, token: str | None) -> None:
    tokens = dict(request.session.get(JOIN_SESSION_KEY, {}))
    if token is None:
        tokens.pop(str(request.tenant.pk), None)
    else:
        tokens[str(request.tenant.pk)] = token
    request.session[JOIN_SESSION_KEY] = tokens


def _join_context(request: TenantRequest, invitation: Invitation) -> dict[str, Any]:
    return {
        "invitation": invitation,
        "purposes": join_purposes(tenant=request.tenant, language=get_language()),
        "has_account": invitee_has_account(invitation=invitation),
        "signed_in_as_invitee": _signed_in_as(request, invitation),
    }


def _signed_in_as(request: TenantRequest, invitation: Invitation) -> bool:
    return request.user.is_authenticated and request.user.email.lower() == invitation.email


@require_http_methods(["GET", "POST"])
def join(request: TenantRequest) -> HttpResponse:
    """GET: the join form of the invitation this browser opened, or the page that opens one.
    POST: open an invitation (its token in the body), then come back here to the form."""
    if request.method == "POST":
        opened = request.POST.get("token", "").strip()
        try:
            invitation_get_by_token(tenant=request.tenant, token=opened)
        except InvitationUnusable as exc:
            return _refused(request, exc)
        _session_token_set(request, opened)
        return redirect("join", tenant_slug=request.tenant.slug)
    token = _session_token(request)
    if token is None:
        return render_page(request, "panel/join_open.html", {})
    try:
        invitation = invitation_get_by_token(tenant=request.tenant, token=token)
    except InvitationUnusable as exc:
        _session_token_set(request, None)
        return _refused(request, exc)
    return render_page(request, "panel/join.html", _join_context(request, invitation))


@require_POST
def join_accept(request: TenantRequest) -> HttpResponse:
    """Accept the invitation this browser opened: the age gate, the account, the consents."""
    token = _session_token(request)
    if token is None:
        not_opened = _("Open your invitation from the link in your email first.")
        return _refused(request, InvitationUnusable(not_opened, code="invitation_not_opened"))
    try:
        invitation = invitation_get_by_token(tenant=request.tenant, token=token)
        born = _date_of_birth(request.POST.get("date_of_birth", ""))
        panelist = invitation_accept(
            tenant=request.tenant,
            token=token,
            date_of_birth=born,
            consents=request.POST.getlist("consent"),
            language=get_language(),
            user=request.user if _signed_in_as(request, invitation) else None,
            password=request.POST.get("password", ""),
        )
    except TooYoung as exc:
        # A kind page, and nothing kept: the invitation is gone, no account was made.
        _session_token_set(request, None)
        return render(request, "panel/too_young.html", {"message": exc.detail})
    except InvitationUnusable as exc:
        _session_token_set(request, None)
        return _refused(request, exc)
    except DomainError as exc:
        return render_page(request, "panel/join.html", _join_context(request, invitation), error=exc)
    _session_token_set(request, None)
    if not request.user.is_authenticated:
        login(request, panelist.user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("panelist_home", tenant_slug=request.tenant.slug)


def _date_of_birth(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        message = _("Enter your date of birth.")
        raise DomainError(message, fields={"date_of_birth": [message]}) from None


@login_required
@require_GET
def panelist_home(request: SignedInRequest) -> HttpResponse:
    subject = subject_for_request(request)
    overview = consent_overview(tenant=request.tenant, subject=subject.id, language=get_language())
    cards = home_cards_for(panelist=panelist_for_request(request), language=get_language())
    context = {"subject": subject, "programs": overview.programs, "states": overview.states, "cards": cards}
    return render(request, "panel/home.html", context | {"needs_reconsent": overview.needs_reconsent})
