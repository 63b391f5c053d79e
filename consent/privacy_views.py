"""A panelist's "My data": a copy of everything (Art. 15 and 20), and erasure (Art. 17)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from consent.models import DataExport
from consent.privacy_services import (
    data_export_from_token,
    data_export_link_token,
    data_export_request,
    erase_account,
    erase_membership,
)
from consent.registry import categories
from consent.subjects import subject_for, subject_for_request
from core.errors import DomainError
from tenants.http import SignedInRequest
from tenants.models import Tenant


@login_required
@require_GET
def my_data(request: SignedInRequest) -> HttpResponse:
    subject = subject_for_request(request)
    exports = DataExport.objects.for_tenant(subject.tenant).filter(subject=subject.id).order_by("-requested_at")[:10]
    rows = [(e, data_export_link_token(e) if e.status == DataExport.Status.READY else None) for e in exports]
    return render(request, "consent/my_data.html", {"exports": rows, "categories": categories()})


@login_required
@require_POST
def data_export_create(request: SignedInRequest) -> HttpResponse:
    subject = subject_for_request(request)
    try:
        data_export_request(subject=subject, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
        response = render(request, "consent/my_data.html", {"exports": [], "categories": categories()})
        response.status_code = exc.status_code
        return response
    messages.success(request, _("Your copy is being prepared. Refresh this page in a minute to download it."))
    return redirect("my_data", tenant_slug=subject.tenant.slug)


@login_required
@require_GET
def data_export_download(request: SignedInRequest, token: str) -> HttpResponseBase:
    try:
        export, path = data_export_from_token(token=token, user=request.user)
    except DomainError:
        raise Http404 from None
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"fairpanel-{export.tenant.slug}-my-data.zip")


@login_required
@require_POST
def erase(request: SignedInRequest) -> HttpResponse:
    subject = subject_for_request(request)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm: erasure cannot be undone."))
        return redirect("my_data", tenant_slug=subject.tenant.slug)
    if request.POST.get("scope") == "account":
        subjects = [s for t in Tenant.objects.filter(is_active=True) if (s := subject_for(t, request.user))]
        user = request.user
        logout(request)
        erase_account(user=user, subjects=subjects)
        return render(request, "consent/erased.html", {"scope": "account"})
    erase_membership(subject=subject, user=request.user)
    return render(request, "consent/erased.html", {"scope": "membership", "panel": subject.tenant.name})
