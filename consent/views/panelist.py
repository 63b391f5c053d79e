"""A panelist's consents: one click to grant, one to withdraw, each with its signed receipt; and the
public pages of the consent texts and of the keys that sign the receipts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from consent.rendering import markdown_to_safe_html, text_diff
from consent.selectors import (
    consent_overview,
    consent_state_get,
    document_get,
    document_versions,
    purpose_get,
    receipt_get_for_subject,
)
from consent.services.consent import consent_change_by_subject
from consent.services.receipts import signing_key_get_or_create
from consent.subjects import subject_for_request
from core.errors import DomainError
from tenants.http import SignedInRequest, TenantRequest


def _base_url(request: TenantRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


@login_required
@require_GET
def my_consents(request: SignedInRequest) -> HttpResponse:
    subject = subject_for_request(request)
    overview = consent_overview(tenant=subject.tenant, subject=subject.id, language=get_language())
    return render(
        request,
        "consent/my_consents.html",
        {"states": overview.states, "needs_reconsent": overview.needs_reconsent},
    )


def _consent_change(request: SignedInRequest, purpose_key: str, action: str) -> HttpResponse:
    # In place with htmx (the purpose's card, swapped), or back to the list without it.
    subject = subject_for_request(request)
    status = 200
    receipt = None
    try:
        receipt = consent_change_by_subject(
            subject=subject, purpose_key=purpose_key, action=action, method="web", base_url=_base_url(request)
        )
    except DomainError as exc:
        status = exc.status_code
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Consent given.") if action == "grant" else _("Consent withdrawn."))
    if not request.htmx:
        return redirect("my_consents", tenant_slug=subject.tenant.slug)
    state = None
    if status < 400:
        language = get_language()
        state = consent_state_get(tenant=subject.tenant, subject=subject.id, purpose_key=purpose_key, language=language)
    return render(
        request, "consent/_purpose_card.html", {"state": state, "receipt": receipt, "swap": True}, status=status
    )


@login_required
@require_POST
def my_consent_grant(request: SignedInRequest, purpose_key: str) -> HttpResponse:
    """One click to give consent (or to agree to new terms)."""
    return _consent_change(request, purpose_key, "grant")


@login_required
@require_POST
def my_consent_withdraw(request: SignedInRequest, purpose_key: str) -> HttpResponse:
    """One click to withdraw, from the same card: it takes effect at once."""
    return _consent_change(request, purpose_key, "withdraw")


@login_required
@require_GET
def receipt_detail(request: SignedInRequest, receipt_id: str) -> HttpResponse:
    subject = subject_for_request(request)
    try:
        receipt = receipt_get_for_subject(tenant=subject.tenant, subject=subject.id, receipt_id=receipt_id)
    except DomainError:
        raise Http404 from None
    if request.GET.get("format") == "json":
        response = JsonResponse(receipt.payload, json_dumps_params={"indent": 2})
        response["Content-Disposition"] = f'attachment; filename="consent-receipt-{receipt.receipt_id}.json"'
        return response
    if request.GET.get("format") == "jws":
        return HttpResponse(receipt.token, content_type="application/jose")
    return render(request, "consent/receipt.html", {"receipt": receipt, "payload": receipt.payload})


@require_GET
def document_detail(request: TenantRequest, purpose_key: str, version: int) -> HttpResponse:
    """Consent texts are public: anyone may read what a panel asks its panelists to agree to."""
    try:
        purpose = purpose_get(tenant=request.tenant, key=purpose_key)
        document = document_get(purpose=purpose, version=version, language=request.GET.get("lang") or get_language())
    except DomainError:
        raise Http404 from None
    return render(
        request,
        "consent/document.html",
        {
            "purpose": purpose,
            "document": document,
            "html": markdown_to_safe_html(document.body),
            "versions": document_versions(purpose=purpose),
        },
    )


@require_GET
def document_diff(request: TenantRequest, purpose_key: str) -> HttpResponse:
    try:
        purpose = purpose_get(tenant=request.tenant, key=purpose_key)
        language = request.GET.get("lang") or get_language()
        old = document_get(purpose=purpose, version=int(request.GET.get("from", "")), language=language)
        new = document_get(purpose=purpose, version=int(request.GET.get("to", "")), language=language)
    except (DomainError, ValueError):
        return render(request, "404.html", status=404)
    lines = text_diff(old.body, new.body, f"v{old.version} ({old.language})", f"v{new.version} ({new.language})")
    return render(request, "consent/diff.html", {"purpose": purpose, "old": old, "new": new, "lines": lines})


@require_GET
def signing_keys(request: TenantRequest) -> JsonResponse:
    """The tenant's public key set (JWKS), against which anyone can check a receipt."""
    return JsonResponse({"keys": [signing_key_get_or_create(tenant=request.tenant).public_jwk]})
