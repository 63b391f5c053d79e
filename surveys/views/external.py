"""The external tool's way back: the panelist's return (a signed link) and the server-to-server
callback (the same signed status, posted). The signature, not a session, proves the status."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from panel.selectors import panelist_for_request
from surveys.selectors import survey_live_get
from surveys.services.external import external_status_record
from tenants.http import SignedInRequest, TenantRequest
from tenants.pages import render_page


@login_required
@require_GET
def survey_external_return(request: SignedInRequest, pk: int, status: str) -> HttpResponse:
    survey = survey_live_get(tenant=request.tenant, pk=pk)
    panelist_for_request(request)  # the way back is the panelist's own
    try:
        external_status_record(
            survey=survey, rid=request.GET.get("rid", ""), status=status, sig=request.GET.get("sig", "")
        )
    except DomainError as exc:
        return render_page(request, "surveys/intro.html", {"survey": survey, "reward": 0, "response": None}, error=exc)
    return redirect("survey_end", tenant_slug=request.tenant.slug, pk=survey.pk)


@csrf_exempt  # a server posts it, signed: there is no session to forge a request from
@require_POST
def survey_external_callback(request: HttpRequest, pk: int) -> JsonResponse:
    tenant_request: TenantRequest = request  # type: ignore[assignment]
    survey = survey_live_get(tenant=tenant_request.tenant, pk=pk)
    try:
        body = json.loads(request.body or b"{}")
        if not isinstance(body, dict):
            raise ValueError
    except ValueError:
        return JsonResponse({"code": "invalid", "detail": "The body is a JSON object.", "fields": {}}, status=400)
    try:
        response = external_status_record(
            survey=survey,
            rid=str(body.get("rid", "")),
            status=str(body.get("status", "")),
            sig=str(body.get("sig", "")),
        )
    except DomainError as exc:
        return JsonResponse({"code": exc.code, "detail": exc.detail, "fields": exc.fields}, status=exc.status_code)
    return JsonResponse({"rid": response.rid, "status": response.status})
