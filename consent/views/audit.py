"""The auditor console: read-only (role auditor; owners see it too)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from consent.checkpoints import checkpoint_filename
from consent.exports import export_response
from consent.models import ConsentEvent
from consent.selectors import (
    EventFilter,
    chain_verify,
    consent_event_list,
    documents_by_purpose,
    event_filter_from,
    processing_record_get,
    purge_log_list,
    purpose_list,
    retention_change_list,
)
from consent.services.checkpoints import checkpoint_issue
from core.errors import DomainError
from tenants.access import staff_required
from tenants.http import StaffRequest
from tenants.pages import render_console
from tenants.roles import Perm


@staff_required(Perm.CONSENT_AUDIT)
@require_GET
def console_consent(request: StaffRequest) -> HttpResponse:
    """The log, newest first, searched by subject, purpose, kind and dates; a bad search is a 400 that
    names its fields and still shows the whole log."""
    tenant = request.tenant
    errors: dict[str, list[str]] = {}
    try:
        filters = event_filter_from(request.GET)
    except DomainError as exc:
        errors, filters = exc.fields, EventFilter()
    events = consent_event_list(tenant=tenant, filters=filters, newest_first=True)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    response = render_console(
        request,
        "consent/console/log.html",
        "consent",
        {
            "page": page,
            "errors": errors,
            "params": request.GET,
            "query": query.urlencode(),
            "purposes": purpose_list(tenant=tenant),
            "kinds": ConsentEvent.Kind.choices,
            "documents": documents_by_purpose(tenant=tenant),
        },
    )
    if errors:
        response.status_code = 400
    return response


@staff_required(Perm.CONSENT_AUDIT)
@require_GET
def console_consent_export(request: StaffRequest, fmt: str) -> HttpResponseBase:
    try:
        filters = event_filter_from(request.GET)
    except DomainError as exc:
        return HttpResponse(exc.detail, status=400, content_type="text/plain")
    return export_response(tenant=request.tenant, filters=filters, fmt=fmt)


@staff_required(Perm.CONSENT_AUDIT)
@require_GET
def console_consent_verify(request: StaffRequest) -> HttpResponse:
    report = chain_verify(tenant=request.tenant)
    return render(request, "consent/console/_verify.html", {"report": report})


@staff_required(Perm.CONSENT_AUDIT)
@require_GET
def console_consent_checkpoint(request: StaffRequest) -> JsonResponse:
    """A signed checkpoint of the chain head, as a file to keep outside Fairpanel."""
    document = checkpoint_issue(tenant=request.tenant)
    response = JsonResponse(document, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{checkpoint_filename(document["checkpoint"])}"'
    return response


@staff_required(Perm.CONSENT_AUDIT)
@require_GET
def console_processing_record(request: StaffRequest) -> HttpResponse:
    record = processing_record_get(tenant=request.tenant, language=get_language())
    return render_console(request, "consent/console/processing_record.html", "consent", {"record": record})


@staff_required(Perm.CONSENT_AUDIT)
@require_GET
def console_purge_log(request: StaffRequest) -> HttpResponse:
    """What purges removed, and every change of how long a category is kept."""
    page = Paginator(purge_log_list(tenant=request.tenant), 50).get_page(request.GET.get("page"))
    changes = retention_change_list(tenant=request.tenant)[:100]
    return render_console(request, "consent/console/purge_log.html", "consent", {"page": page, "changes": changes})
