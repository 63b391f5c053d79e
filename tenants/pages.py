"""How every page renders, and the one error path of pages.

A view authorises, parses, calls one service or selector, and renders. When the service refuses
(a ``DomainError``), the view renders the same page again through ``render_page(..., error=exc)``:
the fields at fault go to the template as ``errors`` (or the reason, under ``form``, when no field is
named), the refusal itself as ``error`` (``error.detail`` is its summary), what was typed comes back as
``form`` (and every value of a field, the boxes ticked, as ``chosen``), and the status is the error's own
4xx (400 bad input, 409 conflict, 429 too many).
Nothing was written: services write in a transaction, and refuse before they write.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.errors import DomainError
from tenants.console import nav_for
from tenants.http import StaffRequest


def form_errors(exc: DomainError) -> dict[str, list[str]]:
    """A refused call as a form's errors: each field at fault, or the reason under ``form`` when the
    refusal names no field."""
    return exc.fields or {"form": [exc.detail]}


def form_refused(form: forms.Form) -> DomainError:
    """A Django form that did not validate, as the same refusal a service would raise."""
    fields = {name: [str(message) for message in messages] for name, messages in form.errors.items()}
    detail = " ".join(fields.pop("__all__", [])) or "The input is not valid; see the fields."
    return DomainError(detail, fields=fields)


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, error: DomainError | None = None
) -> HttpResponse:
    if error is None:
        return render(request, template, context)
    # ``form`` gives each field's last value; ``chosen`` every value of a field (ticked boxes, a multiple select)
    chosen = {name: request.POST.getlist(name) for name in request.POST}
    context = context | {"error": error, "errors": form_errors(error), "form": request.POST, "chosen": chosen}
    return render(request, template, context, status=error.status_code)


def render_console(
    request: StaffRequest,
    template: str,
    section: str,
    context: dict[str, Any],
    *,
    error: DomainError | None = None,
) -> HttpResponse:
    """A console page: the menu of the person's role, with ``section`` marked as the current one."""
    nav = nav_for(role=request.membership.role, tenant_slug=request.tenant.slug, current=section)
    return render_page(request, template, context | {"nav": nav, "section": section}, error=error)
