"""The panelist's pages: pair a browser and list or remove devices; "What my browser sent", per day
and site, where any day can be deleted."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from adverification.selectors import (
    ad_consent_active,
    ad_program_get,
    device_get,
    device_list,
    panelist_month_progress,
    panelist_sent_days,
)
from adverification.services.counts import ad_day_delete as day_delete
from adverification.services.devices import IssuedCode, device_revoke, pairing_code_create
from core.errors import DomainError
from panel.models import Panelist
from panel.selectors import panelist_for_request
from tenants.http import SignedInRequest
from tenants.pages import render_page


def _devices_page(
    request: SignedInRequest, panelist: Panelist, *, issued: IssuedCode | None = None, error: DomainError | None = None
) -> HttpResponse:
    context = {
        "program": ad_program_get(tenant=panelist.tenant),
        "consented": ad_consent_active(panelist=panelist),
        "devices": list(device_list(panelist=panelist)),
        "progress": panelist_month_progress(panelist=panelist),
        "asks_birth_date": panelist.tenant.minimum_age < 18,
        "issued": issued,
    }
    return render_page(request, "adverification/devices.html", context, error=error)


@login_required
@require_GET
def ad_devices(request: SignedInRequest) -> HttpResponse:
    return _devices_page(request, panelist_for_request(request))


def _birth_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise DomainError(_("Enter your date of birth."), fields={"date_of_birth": [_("Use YYYY-MM-DD.")]}) from None


@login_required
@require_POST
def ad_pairing_code_create(request: SignedInRequest) -> HttpResponse:
    panelist = panelist_for_request(request)
    try:
        issued = pairing_code_create(
            panelist=panelist, date_of_birth=_birth_date(request.POST.get("date_of_birth", ""))
        )
    except DomainError as exc:
        return _devices_page(request, panelist, error=exc)
    return _devices_page(request, panelist, issued=issued)


@login_required
@require_POST
def ad_device_revoke(request: SignedInRequest, pk: int) -> HttpResponse:
    panelist = panelist_for_request(request)
    device = device_revoke(device=device_get(panelist=panelist, device_id=pk))
    messages.success(request, _("Removed: %(name)s can no longer send anything.") % {"name": device.name})
    return redirect("ad_devices", tenant_slug=panelist.tenant.slug)


@login_required
@require_GET
def ad_sent(request: SignedInRequest) -> HttpResponse:
    panelist = panelist_for_request(request)
    return render_page(request, "adverification/sent.html", {"days": panelist_sent_days(panelist=panelist)})


@login_required
@require_POST
def ad_day_delete(request: SignedInRequest, day: str) -> HttpResponse:
    panelist = panelist_for_request(request)
    try:
        deleted = day_delete(panelist=panelist, day=day)
    except DomainError as exc:
        return render_page(request, "adverification/sent.html", {"days": panelist_sent_days(panelist=panelist)},
                           error=exc)  # fmt: skip
    day_text = formats.date_format(deleted.day, "DATE_FORMAT")
    messages.success(request, _("Deleted everything your browsers sent on %(day)s.") % {"day": day_text})
    return redirect("ad_sent", tenant_slug=panelist.tenant.slug)
