"""The panelist's receipts: send one (camera, several photos, or a PDF), confirm what was read, see
every decision and its reason, appeal a rejection once; and the signed image links."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from panel.models import Panelist
from panel.selectors import panelist_for_request
from receipts.models import Reason, Receipt
from receipts.selectors import (
    receipt_appeal_get,
    receipt_checks,
    receipt_decisions,
    receipt_get,
    receipt_images,
    receipt_list,
    receipt_program_get,
    receipt_progress,
    receipts_consent_active,
)
from receipts.services.review import receipt_appeal, receipt_confirm
from receipts.services.submission import receipt_submit
from receipts.storage import image_for_token, image_url
from tenants.http import SignedInRequest, TenantRequest
from tenants.pages import render_page


def _list_page(request: SignedInRequest, panelist: Panelist, *, error: DomainError | None = None) -> HttpResponse:
    context = {
        "receipts": receipt_list(panelist=panelist)[:50],
        "progress": receipt_progress(panelist=panelist),
        "program": receipt_program_get(tenant=panelist.tenant),
        "reasons": dict(Reason.choices),
        "consent_active": receipts_consent_active(panelist=panelist),
    }
    return render_page(request, "receipts/list.html", context, error=error)


@login_required
@require_GET
def receipts(request: SignedInRequest) -> HttpResponse:
    return _list_page(request, panelist_for_request(request))


@login_required
@require_POST
def receipt_send(request: SignedInRequest) -> HttpResponse:
    panelist = panelist_for_request(request)
    files = [(upload.name or "", upload.read()) for upload in request.FILES.getlist("files")]
    try:
        receipt = receipt_submit(panelist=panelist, files=files)
    except DomainError as exc:
        return _list_page(request, panelist, error=exc)
    messages.success(request, _("Thank you: your receipt is being read. Check the fields once it is."))
    return redirect("receipt_detail", tenant_slug=panelist.tenant.slug, public_id=receipt.public_id)


def _detail_page(request: SignedInRequest, receipt: Receipt, *, error: DomainError | None = None) -> HttpResponse:
    slug = receipt.panelist.tenant.slug
    context: dict[str, Any] = {
        "receipt": receipt,
        "images": [image_url(image=image, tenant_slug=slug) for image in receipt_images(receipt=receipt)]
        if receipt.status != Receipt.Status.READING
        else [],
        "decisions": receipt_decisions(receipt=receipt),
        "appeal": receipt_appeal_get(receipt=receipt),
        "reasons": dict(Reason.choices),
        "checks": receipt_checks(receipt=receipt) if receipt.status != Receipt.Status.TO_CONFIRM else [],
    }
    return render_page(request, "receipts/detail.html", context, error=error)


@login_required
@require_GET
def receipt_detail(request: SignedInRequest, public_id: uuid.UUID) -> HttpResponse:
    return _detail_page(request, receipt_get(panelist=panelist_for_request(request), public_id=public_id))


@login_required
@require_POST
def receipt_fields_confirm(request: SignedInRequest, public_id: uuid.UUID) -> HttpResponse:
    receipt = receipt_get(panelist=panelist_for_request(request), public_id=public_id)
    try:
        receipt_confirm(
            receipt=receipt,
            merchant=request.POST.get("merchant", ""),
            purchase_date=request.POST.get("purchase_date", ""),
            total=request.POST.get("total", ""),
            receipt_number=request.POST.get("receipt_number", ""),
            language=get_language() or "en",
        )
    except DomainError as exc:
        return _detail_page(request, receipt, error=exc)
    messages.success(request, _("Thank you: your receipt is confirmed."))
    return redirect("receipt_detail", tenant_slug=request.tenant.slug, public_id=public_id)


@login_required
@require_POST
def receipt_appeal_send(request: SignedInRequest, public_id: uuid.UUID) -> HttpResponse:
    receipt = receipt_get(panelist=panelist_for_request(request), public_id=public_id)
    try:
        receipt_appeal(receipt=receipt, message=request.POST.get("message", ""))
    except DomainError as exc:
        return _detail_page(request, receipt, error=exc)
    messages.success(request, _("Your appeal is sent: another reviewer will decide."))
    return redirect("receipt_detail", tenant_slug=request.tenant.slug, public_id=public_id)


@require_GET
def receipt_image(request: TenantRequest, token: str) -> FileResponse:
    """A receipt image, for whoever holds a fresh signed link (the panelist, or a reviewer)."""
    image = image_for_token(tenant=request.tenant, token=token)
    response = FileResponse(image.file.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = "inline"
    return response
