"""Operators write what panelists consent to: their own purposes, and new versions of the texts."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.dateparse import parse_date
from django.utils.timezone import make_aware
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from consent.models import ConsentDocument, LegalBasis
from consent.privacy_services import retention_days, retention_set
from consent.registry import categories, category_get
from consent.selectors import documents_by_purpose, purpose_get
from consent.services import document_publish, purpose_create
from core.errors import DomainError
from tenants.access import staff_required
from tenants.http import StaffRequest
from tenants.pages import render_console
from tenants.roles import Perm


def _render(request: StaffRequest, errors: dict[str, list[str]] | None = None, status: int = 200) -> HttpResponse:
    tenant = request.tenant
    response = render_console(
        request,
        "consent/console/purposes.html",
        "purposes",
        {
            "documents": documents_by_purpose(tenant=tenant),
            "retention": [(c, retention_days(tenant=tenant, category=c)) for c in categories()],
            "legal_bases": LegalBasis.choices,
            "changes": ConsentDocument.Change.choices,
            "errors": errors or {},
            "form": request.POST if errors else {},
        },
    )
    response.status_code = status
    return response


@staff_required(Perm.PURPOSES_MANAGE)
@require_http_methods(["GET", "POST"])
def console_purposes(request: StaffRequest) -> HttpResponse:
    if request.method == "GET":
        return _render(request)
    tenant = request.tenant
    data = request.POST
    try:
        days = int(data.get("retention_days", ""))
    except ValueError:
        return _render(request, {"retention_days": [_("Give a number of days.")]}, 400)
    try:
        purpose_create(
            tenant=tenant,
            key=data.get("key", ""),
            names={lang: data.get(f"name_{lang}", "") for lang in tenant.languages},
            descriptions={lang: data.get(f"description_{lang}", "") for lang in tenant.languages},
            legal_basis=data.get("legal_basis", ""),
            data_categories=data.get("data_categories", "").split(","),
            retention_days=days,
        )
    except DomainError as exc:
        return _render(request, exc.fields or {"form": [exc.detail]}, 400)
    messages.success(request, _("Purpose added. Publish its consent text before asking for consent."))
    return redirect("console_purposes", tenant_slug=tenant.slug)


@staff_required(Perm.PURPOSES_MANAGE)
@require_POST
def console_document_publish(request: StaffRequest, purpose_key: str) -> HttpResponse:
    tenant = request.tenant
    data = request.POST
    try:
        purpose = purpose_get(tenant=tenant, key=purpose_key)
        effective = data.get("effective_on", "").strip()
        day = parse_date(effective) if effective else None
        if effective and day is None:
            raise DomainError("Bad date.", fields={"effective_on": [_("Use a date such as 2026-12-31.")]})
        texts = {
            lang: (data.get(f"title_{lang}", ""), data.get(f"body_{lang}", ""))
            for lang in tenant.languages
            if data.get(f"title_{lang}", "").strip() or data.get(f"body_{lang}", "").strip()
        }
        documents = document_publish(
            purpose=purpose,
            texts=texts,
            change=data.get("change", ""),
            effective_at=make_aware(datetime.combine(day, datetime.min.time()), tenant.tzinfo) if day else None,
            created_by=request.user,
        )
    except DomainError as exc:
        return _render(
            request, {f"{purpose_key}.{k}": v for k, v in (exc.fields or {"form": [exc.detail]}).items()}, 400
        )
    messages.success(request, _("Version %(v)s published.") % {"v": documents[0].version})
    return redirect("console_purposes", tenant_slug=tenant.slug)


@staff_required(Perm.PURPOSES_MANAGE)
@require_POST
def console_retention_set(request: StaffRequest) -> HttpResponse:
    """Shorten how long one category of personal data is kept (never past its ceiling)."""
    tenant = request.tenant
    key = request.POST.get("category", "")
    try:
        category = category_get(key)
    except KeyError:
        return _render(request, {"category": [_("Unknown category.")]}, 400)
    try:
        days = int(request.POST.get("days", ""))
        retention_set(tenant=tenant, category=category, days=days)
    except ValueError:
        return _render(request, {f"retention.{key}": [_("Give a number of days.")]}, 400)
    except DomainError as exc:
        return _render(request, {f"retention.{key}": exc.fields.get("days", [exc.detail])}, 400)
    messages.success(request, _("Retention of %(category)s set to %(days)s days.") % {"category": key, "days": days})
    return redirect("console_purposes", tenant_slug=tenant.slug)
