"""A panelist's "My data": a copy of everything (Art. 15 and 20), and erasure (Art. 17)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from consent.registry import categories
from consent.selectors import data_export_get_by_token, data_export_list_with_links
from consent.services.privacy import account_erase, data_export_request, membership_erase
from consent.subjects import Subject, subject_for_request
from core.errors import DomainError
from tenants.http import SignedInRequest
from tenants.pages import render_page


def _my_data_page(request: SignedInRequest, subject: Subject, *, error: DomainError | None = None) -> HttpResponse:
    exports = data_export_list_with_links(tenant=subject.tenant, subject=subject.id)
    return render_page(request, "consent/my_data.html", {"exports": exports, "categories": categories()}, error=error)


@login_required
@require_GET
def my_data(request: SignedInRequest) -> HttpResponse:
    return _my_data_page(request, subject_for_request(request))


@login_required
@require_POST
def data_export_create(request: SignedInRequest) -> HttpResponse:
    subject = subject_for_request(request)
    try:
        data_export_request(subject=subject, user=request.user)
    except DomainError as exc:
        return _my_data_page(request, subject, error=exc)
    messages.success(request, _("Your copy is being prepared. Refresh this page in a minute to download it."))
    return redirect("my_data", tenant_slug=subject.tenant.slug)


@login_required
@require_GET
def data_export_download(request: SignedInRequest, token: str) -> HttpResponseBase:
    try:
        export, path = data_export_get_by_token(token=token, user=request.user)
    except DomainError:
        raise Http404 from None
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"fairpanel-{export.tenant.slug}-my-data.zip")


@login_required
@require_POST
def erase(request: SignedInRequest) -> HttpResponse:
    """Erase one membership, or (``scope=account``) the whole account, in every panel."""
    subject = subject_for_request(request)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm: erasure cannot be undone."))
        return redirect("my_data", tenant_slug=subject.tenant.slug)
    if request.POST.get("scope") == "account":
        user = request.user
        logout(request)
        account_erase(user=user)
        return render(request, "consent/erased.html", {"scope": "account"})
    membership_erase(subject=subject, user=request.user)
    return render(request, "consent/erased.html", {"scope": "membership", "panel": subject.tenant.name})
