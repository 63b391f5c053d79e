"""The step in front of allauth's set-up of a second factor: a code mailed to the account's verified
address, typed in the same session (see ``accounts.services``). allauth's activation page itself is
reached only through ``totp_activate``, which sends a session without that pass to the code first."""

from __future__ import annotations

from typing import Any

from allauth.mfa.totp.views import activate_totp as allauth_activate_totp
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.forms import EnrolmentCodeForm
from accounts.models import User
from accounts.selectors import mfa_enrolment_code_pending, mfa_enrolment_passed, user_has_totp, user_verified_email
from accounts.services import mfa_enrolment_code_send, mfa_enrolment_code_verify
from core.errors import DomainError
from core.masking import email_masked


class SignedInRequest(HttpRequest):
    """A request behind ``login_required``."""

    user: User


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return ""


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


@login_required
def totp_activate(request: SignedInRequest) -> HttpResponse:
    """allauth's TOTP activation, once this session typed the emailed code; before that, the code."""
    if user_has_totp(user=request.user) or mfa_enrolment_passed(user=request.user, session=request.session):
        response: HttpResponse = allauth_activate_totp(request)
        return response
    return redirect(_with_next(reverse("accounts_mfa_email_code"), _next(request)))


def _code_page(request: SignedInRequest, *, error: DomainError | None = None) -> HttpResponse:
    address = user_verified_email(user=request.user)
    context: dict[str, Any] = {
        "address": email_masked(address) if address else "",
        "pending": mfa_enrolment_code_pending(user=request.user, session=request.session),
        "next": _next(request),
        "error": error,
        "errors": (error.fields or {"form": [error.detail]}) if error else {},
    }
    return render(request, "accounts/mfa_email_code.html", context, status=error.status_code if error else 200)


@login_required
@require_GET
def mfa_email_code(request: SignedInRequest) -> HttpResponse:
    return _code_page(request)


@login_required
@require_POST
def mfa_email_code_send(request: SignedInRequest) -> HttpResponse:
    try:
        address = mfa_enrolment_code_send(user=request.user, session=request.session)
    except DomainError as exc:
        return _code_page(request, error=exc)
    messages.info(request, _("We sent a code to %(address)s. It works for 10 minutes.") % {"address": address})
    return redirect(_with_next(reverse("accounts_mfa_email_code"), _next(request)))


@login_required
@require_POST
def mfa_email_code_verify(request: SignedInRequest) -> HttpResponse:
    form = EnrolmentCodeForm(request.POST)
    code = form.cleaned_data["code"] if form.is_valid() else ""
    try:
        mfa_enrolment_code_verify(user=request.user, session=request.session, code=code)
    except DomainError as exc:
        return _code_page(request, error=exc)
    return redirect(_with_next(reverse("mfa_activate_totp"), _next(request)))
