"""The reviewers' queue (driven by the keyboard: the image, the fields, the flags and the similar
receipts; approve, or reject with a reason and a note) and the owners' and managers' receipt program
page (its rules, the receipts per month, the approval rate, the top reasons of rejection and each
reviewer's throughput). Each action has its own URL; a refusal renders the page again with its reason."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from receipts.charts import month_chart, reasons_chart
from receipts.models import Reason, Receipt, ReceiptProgram
from receipts.selectors import (
    merchant_category,
    merchant_directory,
    milestone_steps,
    receipt_appeal_get,
    receipt_checks,
    receipt_decisions,
    receipt_get_for_staff,
    receipt_images,
    receipt_program_get,
    receipts_per_month,
    rejection_reasons_top,
    review_queue,
    review_queue_stats,
    reviewer_throughput,
    similar_receipts,
)
from receipts.services.program import STEPS_MAX, merchant_directory_replace, receipt_program_update
from receipts.services.review import receipt_approval_reverse, receipt_decide
from receipts.storage import image_url
from rewards.labels import actor_label
from tenants.access import staff_required
from tenants.http import StaffRequest
from tenants.pages import render_console
from tenants.roles import Perm, role_has_perm


def _review_page(request: StaffRequest, receipt: Receipt | None, *, error: DomainError | None = None) -> HttpResponse:
    tenant = request.tenant
    context: dict[str, Any] = {
        "receipt": receipt,
        "stats": review_queue_stats(tenant=tenant),
        "reasons": [(code, label) for code, label in Reason.choices],
    }
    if receipt is not None:
        context |= {
            "images": [image_url(image=image, tenant_slug=tenant.slug) for image in receipt_images(receipt=receipt)],
            "checks": receipt_checks(receipt=receipt),
            "similar": [
                (other, bits, [image_url(image=i, tenant_slug=tenant.slug) for i in receipt_images(receipt=other)][:1])
                for other, bits in similar_receipts(receipt=receipt)
            ],
            "decisions": [(d, actor_label(d.actor, tenant)) for d in receipt_decisions(receipt=receipt)],
            "appeal": receipt_appeal_get(receipt=receipt),
            "category": merchant_category(tenant=tenant, merchant=receipt.merchant or receipt.read_merchant),
            "may_reverse": receipt.status == Receipt.Status.APPROVED
            and role_has_perm(request.membership.role, Perm.RECEIPTS_MANAGE),
        }
    return render_console(request, "receipts/console/review.html", "receipts", context, error=error)


@staff_required(Perm.RECEIPTS_REVIEW)
@require_GET
def console_receipts_review(request: StaffRequest) -> HttpResponse:
    """The next receipt waiting for this reviewer (oldest first), or the one asked for."""
    asked = request.GET.get("receipt", "")
    if asked.isdigit():
        receipt: Receipt | None = receipt_get_for_staff(tenant=request.tenant, pk=int(asked))
    else:
        receipt = review_queue(tenant=request.tenant, reviewer_actor=f"user:{request.user.pk}").first()
    return _review_page(request, receipt)


@staff_required(Perm.RECEIPTS_REVIEW)
@require_POST
def console_receipt_decide(request: StaffRequest, pk: int) -> HttpResponse:
    receipt = receipt_get_for_staff(tenant=request.tenant, pk=pk)
    try:
        receipt_decide(
            receipt=receipt,
            reviewer=request.user,
            outcome=request.POST.get("outcome", ""),
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        return _review_page(request, receipt, error=exc)
    messages.success(request, _("Decided. Here is the next receipt."))
    return redirect("console_receipts_review", tenant_slug=request.tenant.slug)


@staff_required(Perm.RECEIPTS_MANAGE)
@require_POST
def console_receipt_approval_reverse(request: StaffRequest, pk: int) -> HttpResponse:
    """Withdraw an approval found wrong later; the operator chooses whether a paid milestone is taken back."""
    receipt = receipt_get_for_staff(tenant=request.tenant, pk=pk)
    try:
        receipt_approval_reverse(
            receipt=receipt,
            by=request.user,
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
            take_back=request.POST.get("money") == "take_back",
        )
    except DomainError as exc:
        return _review_page(request, receipt, error=exc)
    messages.success(request, _("The approval is reversed; the panelist sees why."))
    return redirect(reverse("console_receipts_review", kwargs={"tenant_slug": request.tenant.slug}) + f"?receipt={pk}")


def _program_page(request: StaffRequest, *, error: DomainError | None = None) -> HttpResponse:
    tenant = request.tenant
    months = receipts_per_month(tenant=tenant)
    reasons = rejection_reasons_top(tenant=tenant)
    program = receipt_program_get(tenant=tenant)
    context = {
        "program": program,
        "rules": ReceiptProgram.MerchantRule.choices,
        "directory": merchant_directory(tenant=tenant),
        "steps": milestone_steps(tenant=tenant, program=program),
        "step_rows": [*program.milestone_steps, *[{"receipts": None, "amount": None}] * 2][:STEPS_MAX],
        "months": months,
        "months_chart": month_chart(months),
        "reasons_chart": reasons_chart(reasons),
        "most_sent": max([m.sent for m in months], default=0),
        "reasons": reasons,
        "most_rejected": max([n for _c, _l, n in reasons], default=0),
        "throughput": [
            (actor_label(actor, tenant), n, appeals) for actor, n, appeals in reviewer_throughput(tenant=tenant)
        ],
        "stats": review_queue_stats(tenant=tenant),
    }
    return render_console(request, "receipts/console/program.html", "receipt_program", context, error=error)


@staff_required(Perm.RECEIPTS_MANAGE)
@require_GET
def console_receipt_program(request: StaffRequest) -> HttpResponse:
    return _program_page(request)


@staff_required(Perm.RECEIPTS_MANAGE)
@require_POST
def console_receipt_program_update(request: StaffRequest) -> HttpResponse:
    fields = ("photo_window_days", "pdf_window_days", "merchant_rule", "merchants", "categories", "weekly_limit",
              "images_max", "file_max_bytes", "pdf_pages_max")  # fmt: skip
    values: dict[str, Any] = {f: request.POST.get(f, "") for f in fields if f in request.POST}
    if "step_receipts" in request.POST:  # the rows of further steps; blank ones are left out
        rows = zip(request.POST.getlist("step_receipts"), request.POST.getlist("step_amount"), strict=False)
        values["milestone_steps"] = [{"receipts": n, "amount": a} for n, a in rows if n.strip() or a.strip()]
    try:
        receipt_program_update(tenant=request.tenant, values=values, language=get_language() or "en")
    except DomainError as exc:
        return _program_page(request, error=exc)
    messages.success(request, _("The receipt program is saved."))
    return redirect("console_receipt_program", tenant_slug=request.tenant.slug)


@staff_required(Perm.RECEIPTS_MANAGE)
@require_POST
def console_merchant_directory_update(request: StaffRequest) -> HttpResponse:
    """Replace the merchant directory with the lines typed (``shop = category``), all or nothing."""
    try:
        merchant_directory_replace(tenant=request.tenant, entries=request.POST.get("directory", ""))
    except DomainError as exc:
        return _program_page(request, error=exc)
    messages.success(request, _("The merchant directory is saved."))
    return redirect(reverse("console_receipt_program", kwargs={"tenant_slug": request.tenant.slug}) + "#directory")
