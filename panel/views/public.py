"""The public side of a panel: its landing page, the waitlist form, confirmation, status, leaving."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from panel.selectors import landing_context, person_places, waitlist_entry_status
from panel.services.waitlist import waitlist_confirm, waitlist_join, waitlist_leave
from panel.tokens import waitlist_token
from tenants.http import TenantRequest
from tenants.pages import render_page


def _client_ip(request: TenantRequest) -> str:
    # allauth's reading of the client address honours TRUSTED_PROXY_COUNT (see README).
    return str(get_adapter(request).get_client_ip(request))


def _link_refused(request: TenantRequest, exc: DomainError) -> HttpResponse:
    return render(request, "panel/join_refused.html", {"message": exc.detail, "code": exc.code}, status=404)


@require_GET
def site_home(request: HttpRequest) -> HttpResponse:
    """The front page. A signed-in person with one place (a panel, or a console) goes straight there,
    which is where signing in leads; someone with several picks one here."""
    places = person_places(user=request.user)
    if places.only_place is not None:
        return redirect(places.only_place)
    return render(request, "home.html", {"places": places})


@require_http_methods(["GET", "POST"])
def landing(request: TenantRequest) -> HttpResponse:
    """The panel's public page; a POST puts the visitor on the waitlist."""
    context = landing_context(tenant=request.tenant, language=get_language())
    if request.method == "GET":
        return render_page(request, "panel/landing.html", context)
    try:
        waitlist_join(
            tenant=request.tenant,
            email=request.POST.get("email", ""),
            answers={k.removeprefix("q_"): str(v) for k, v in request.POST.items() if k.startswith("q_")},
            agreed=request.POST.get("agree") == "yes",
            language=get_language(),
            ip=_client_ip(request),
            honeypot=request.POST.get("website", ""),
        )
    except DomainError as exc:
        # The form comes back as it was typed, each problem under its own question.
        for item in context["questions"]:
            item["value"] = request.POST.get(f"q_{item['q'].key}", "")
            item["errors"] = exc.fields.get(item["q"].key, [])
        return render_page(request, "panel/landing.html", context, error=exc)
    # The same page whether the address was new, already listed, or a bot's: nobody learns who is listed.
    return render(request, "panel/waitlist_check_email.html")


@require_http_methods(["GET", "POST"])
def confirm(request: TenantRequest, token: str) -> HttpResponse:
    # A GET only shows a button: mail scanners that open links must not confirm on someone's behalf.
    if request.method == "GET":
        return render(request, "panel/waitlist_confirm.html", {"token": token})
    try:
        entry = waitlist_confirm(tenant=request.tenant, token=token)
    except DomainError as exc:
        return _link_refused(request, exc)
    return render(request, "panel/waitlist_confirmed.html", {"status_token": waitlist_token(entry, "status")})


def status(request: TenantRequest, token: str) -> HttpResponse:
    try:
        entry, state = waitlist_entry_status(tenant=request.tenant, token=token)
    except DomainError as exc:
        return _link_refused(request, exc)
    return render(request, "panel/waitlist_status.html", {"entry": entry, "state": state, "token": token})


@require_POST
def leave(request: TenantRequest, token: str) -> HttpResponse:
    try:
        waitlist_leave(tenant=request.tenant, token=token)
    except DomainError as exc:
        return _link_refused(request, exc)
    return render(request, "panel/waitlist_left.html")
