"""The operators' pages: the program (watch list, k, cap on devices) and its reports, with a CSV of
the reported cells only."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from adverification.models import K_FLOOR
from adverification.noise import EPSILON_MAX, EPSILON_MIN, epsilon_parse
from adverification.selectors import ad_program_get, ad_report, ad_report_charts, ad_report_csv, report_range
from adverification.services.program import ad_program_update
from core.errors import DomainError
from rewards.selectors import reward_settings_get
from tenants.access import staff_required
from tenants.http import StaffRequest
from tenants.pages import render_console
from tenants.roles import Perm


def _program_page(request: StaffRequest, *, error: DomainError | None = None) -> HttpResponse:
    context = {
        "program": ad_program_get(tenant=request.tenant),
        "rewards": reward_settings_get(tenant=request.tenant),
        "k_floor": K_FLOOR,
    }
    return render_console(request, "adverification/console/program.html", "ad_program", context, error=error)


@staff_required(Perm.AD_PROGRAM_MANAGE)
@require_GET
def console_ad_program(request: StaffRequest) -> HttpResponse:
    return _program_page(request)


@staff_required(Perm.AD_PROGRAM_MANAGE)
@require_POST
def console_ad_program_update(request: StaffRequest) -> HttpResponse:
    try:
        ad_program_update(
            tenant=request.tenant,
            ad_domains=request.POST.get("ad_domains", ""),
            landing_domains=request.POST.get("landing_domains", ""),
            k_anonymity=request.POST.get("k_anonymity", ""),
            max_devices=request.POST.get("max_devices", ""),
        )
    except DomainError as exc:
        return _program_page(request, error=exc)
    messages.success(request, _("Ad-verification program saved."))
    return redirect("console_ad_program", tenant_slug=request.tenant.slug)


@staff_required(Perm.AD_REPORTS_VIEW)
@require_GET
def console_ad_reports(request: StaffRequest) -> HttpResponse:
    start, end = report_range(tenant=request.tenant, start=request.GET.get("start"), end=request.GET.get("end"))
    asked = request.GET.get("epsilon", "")
    try:
        report = ad_report(tenant=request.tenant, start=start, end=end, epsilon=epsilon_parse(asked))
        error = None
    except DomainError as exc:  # a wrong epsilon: the exact report, with the reason
        report, error = ad_report(tenant=request.tenant, start=start, end=end), exc
    context = {"report": report, "charts": ad_report_charts(report=report), "asked_epsilon": asked,
               "epsilon_min": EPSILON_MIN, "epsilon_max": EPSILON_MAX}  # fmt: skip
    return render_console(request, "adverification/console/reports.html", "ad_reports", context, error=error)


@staff_required(Perm.AD_REPORTS_VIEW)
@require_GET
def console_ad_reports_csv(request: StaffRequest) -> HttpResponse | StreamingHttpResponse:
    start, end = report_range(tenant=request.tenant, start=request.GET.get("start"), end=request.GET.get("end"))
    try:
        epsilon = epsilon_parse(request.GET.get("epsilon"))
    except DomainError as exc:
        return HttpResponse(exc.detail, status=exc.status_code, content_type="text/plain; charset=utf-8")
    report = ad_report(tenant=request.tenant, start=start, end=end, epsilon=epsilon)
    response = StreamingHttpResponse(ad_report_csv(report=report), content_type="text/csv; charset=utf-8")
    noise = "" if epsilon is None else f"-epsilon-{epsilon:g}"
    response["Content-Disposition"] = f'attachment; filename="ad-report-{start}-{end}{noise}.csv"'
    return response
