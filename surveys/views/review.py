"""The reviewers' queue: held responses and appeals, each approved or rejected with a reason."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from surveys.selectors import response_get, review_queue
from surveys.services.review import response_review
from tenants.access import staff_required
from tenants.http import StaffRequest
from tenants.pages import render_console
from tenants.roles import Perm


def _queue(request: StaffRequest, *, error: DomainError | None = None) -> HttpResponse:
    return render_console(request, "surveys/console/reviews.html", "survey_reviews",
                          {"queue": review_queue(tenant=request.tenant)}, error=error)  # fmt: skip


@staff_required(Perm.SURVEYS_REVIEW)
@require_GET
def console_survey_reviews(request: StaffRequest) -> HttpResponse:
    return _queue(request)


def _decide(request: StaffRequest, pk: int, *, approve: bool) -> HttpResponse:
    try:
        response_review(response=response_get(tenant=request.tenant, pk=pk), reviewer=request.user, approve=approve,
                        reason=request.POST.get("reason", ""))  # fmt: skip
    except DomainError as exc:
        return _queue(request, error=exc)
    messages.success(request, _("Approved and paid.") if approve else _("Rejected; the panelist sees the reason."))
    return redirect("console_survey_reviews", tenant_slug=request.tenant.slug)


@staff_required(Perm.SURVEYS_REVIEW)
@require_POST
def console_survey_review_approve(request: StaffRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=True)


@staff_required(Perm.SURVEYS_REVIEW)
@require_POST
def console_survey_review_reject(request: StaffRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=False)
