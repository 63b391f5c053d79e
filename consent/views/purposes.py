"""Operators write what panelists consent to: their own purposes, new versions of the texts, and how
long each category of personal data is kept."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.timezone import make_aware
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from consent.models import ConsentDocument, LegalBasis
from consent.registry import Category, category_get
from consent.selectors import documents_by_purpose, purpose_get, retention_list
from consent.services.documents import document_publish
from consent.services.privacy import retention_set
from consent.services.purposes import purpose_create
from core.errors import DomainError
from tenants.access import staff_required
from tenants.http import StaffRequest
from tenants.models import Tenant
from tenants.pages import render_console
from tenants.roles import Perm, perms_for_role


def _purposes_page(request: StaffRequest, *, error: DomainError | None = None) -> HttpResponse:
    tenant = request.tenant
    context = {
        "documents": documents_by_purpose(tenant=tenant),
        "retention": retention_list(tenant=tenant),
        "perms": perms_for_role(request.membership.role),
        "legal_bases": LegalBasis.choices,
        "changes": ConsentDocument.Change.choices,
    }
    return render_console(request, "consent/console/purposes.html", "purposes", context, error=error)


def _days(raw: str | None, *, field: str) -> int:
    try:
        return int(raw or "")
    except ValueError:
        raise DomainError(_("Give a number of days."), fields={field: [_("Give a number of days.")]}) from None


def _effective_at(raw: str | None, *, tenant: Tenant) -> datetime | None:
    """The start of the day given, in the tenant's timezone; None (from now) when none is given or
    the day is today there. A day already gone is passed on, and the service refuses it."""
    effective = (raw or "").strip()
    if not effective:
        return None
    day = parse_date(effective)
    if day is None:
        raise DomainError(_("Bad date."), fields={"effective_on": [_("Use a date such as 2026-12-31.")]})
    if day == timezone.localdate(timezone=tenant.tzinfo):
        return None
    return make_aware(datetime.combine(day, datetime.min.time()), tenant.tzinfo)


def _texts(data: Mapping[str, str], languages: list[str]) -> dict[str, tuple[str, str]]:
    """(title, body) per language, for each language the operator wrote anything in."""
    return {
        lang: (data.get(f"title_{lang}", ""), data.get(f"body_{lang}", ""))
        for lang in languages
        if data.get(f"title_{lang}", "").strip() or data.get(f"body_{lang}", "").strip()
    }


def _category(key: str) -> Category:
    try:
        return category_get(key)
    except KeyError:
        raise DomainError(_("Unknown category."), fields={"category": [_("Unknown category.")]}) from None


@staff_required(Perm.PURPOSES_MANAGE)
@require_http_methods(["GET", "POST"])
def console_purposes(request: StaffRequest) -> HttpResponse:
    """The purposes and their texts (GET); add a purpose (POST)."""
    if request.method == "GET":
        return _purposes_page(request)
    tenant = request.tenant
    data = request.POST
    try:
        purpose_create(
            tenant=tenant,
            key=data.get("key", ""),
            names={lang: data.get(f"name_{lang}", "") for lang in tenant.languages},
            descriptions={lang: data.get(f"description_{lang}", "") for lang in tenant.languages},
            legal_basis=data.get("legal_basis", ""),
            data_categories=data.get("data_categories", "").split(","),
            retention_days=_days(data.get("retention_days"), field="retention_days"),
        )
    except DomainError as exc:
        return _purposes_page(request, error=exc)
    messages.success(request, _("Purpose added. Publish its consent text before asking for consent."))
    return redirect("console_purposes", tenant_slug=tenant.slug)


@staff_required(Perm.PURPOSES_MANAGE)
@require_POST
def console_document_publish(request: StaffRequest, purpose_key: str) -> HttpResponse:
    tenant = request.tenant
    data = request.POST
    try:
        documents = document_publish(
            purpose=purpose_get(tenant=tenant, key=purpose_key),
            texts=_texts(data, tenant.languages),
            change=data.get("change", ""),
            effective_at=_effective_at(data.get("effective_on"), tenant=tenant),
            created_by=request.user,
        )
    except DomainError as exc:
        return _purposes_page(request, error=exc)
    messages.success(request, _("Version %(v)s published.") % {"v": documents[0].version})
    return redirect("console_purposes", tenant_slug=tenant.slug)


@staff_required(Perm.PURPOSES_MANAGE)
@require_POST
def console_retention_set(request: StaffRequest) -> HttpResponse:
    """Change how long one category of personal data is kept (between its floor and its ceiling)."""
    key = request.POST.get("category", "")
    try:
        category = _category(key)
        days = _days(request.POST.get("days"), field="days")
        retention_set(tenant=request.tenant, category=category, days=days, by=request.membership)
    except DomainError as exc:
        return _purposes_page(request, error=exc)
    messages.success(request, _("Retention of %(category)s set to %(days)s days.") % {"category": key, "days": days})
    return redirect("console_purposes", tenant_slug=request.tenant.slug)
