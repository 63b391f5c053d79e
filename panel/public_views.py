"""The public side of a panel: its landing page, the waitlist form, confirmation, status, leaving."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods, require_POST

from consent.selectors import document_current, purpose_get, purpose_list
from core.errors import DomainError
from panel.models import ScreeningQuestion
from panel.offers import offers_for
from panel.waitlist import waitlist_confirm, waitlist_join, waitlist_leave, waitlist_status, waitlist_token
from tenants.http import TenantRequest


def _client_ip(request: TenantRequest) -> str:
    # allauth's reading of the client address honours TRUSTED_PROXY_COUNT (see README).
    return str(get_adapter(request).get_client_ip(request))


def _landing(request: TenantRequest, errors: dict[str, list[str]] | None = None, status: int = 200) -> HttpResponse:
    tenant = request.tenant
    language = get_language()
    waitlist_doc = document_current(purpose=purpose_get(tenant=tenant, key="waitlist"), language=language)
    offers = offers_for(tenant=tenant, language=language)
    programs = [
        {
            "name": p.name_in(language),
            "description": p.description_in(language),
            "days": p.retention_days,
            "key": p.key,
            "data": p.data_categories,
            "pays": offers.get(p.key, ""),
        }
        for p in purpose_list(tenant=tenant)
        if p.key != "waitlist"
    ]
    questions = [
        {"q": q, "label": q.label_in(language)}
        for q in ScreeningQuestion.objects.for_tenant(tenant).order_by("position")
    ]
    return render(
        request,
        "panel/landing.html",
        {
            "programs": programs,
            "questions": questions,
            "waitlist_doc": waitlist_doc,
            "errors": errors or {},
            "form": request.POST if errors else {},
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def landing(request: TenantRequest) -> HttpResponse:
    if request.method == "GET":
        return _landing(request)
    tenant = request.tenant
    try:
        waitlist_join(
            tenant=tenant,
            email=request.POST.get("email", ""),
            answers={k.removeprefix("q_"): str(v) for k, v in request.POST.items() if k.startswith("q_")},
            agreed=request.POST.get("agree") == "yes",
            language=get_language(),
            ip=_client_ip(request),
            honeypot=request.POST.get("website", ""),
        )
    except DomainError as exc:
        return _landing(request, exc.fields or {"form": [exc.detail]}, exc.status_code)
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
        return render(request, "panel/join_refused.html", {"message": exc.detail, "code": exc.code}, status=404)
    return render(request, "panel/waitlist_confirmed.html", {"status_token": waitlist_token(entry, "status")})


def status(request: TenantRequest, token: str) -> HttpResponse:
    try:
        entry, state = waitlist_status(tenant=request.tenant, token=token)
    except DomainError as exc:
        return render(request, "panel/join_refused.html", {"message": exc.detail, "code": exc.code}, status=404)
    return render(request, "panel/waitlist_status.html", {"entry": entry, "state": state, "token": token})


@require_POST
def leave(request: TenantRequest, token: str) -> HttpResponse:
    try:
        waitlist_leave(tenant=request.tenant, token=token)
    except DomainError as exc:
        return render(request, "panel/join_refused.html", {"message": exc.detail, "code": exc.code}, status=404)
    return render(request, "panel/waitlist_left.html")
