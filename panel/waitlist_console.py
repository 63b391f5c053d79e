"""The operators' waitlist: filter by screening answers, counts by attribute, and releases."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from panel.models import ScreeningQuestion, WaitlistEntry, WaitlistRelease
from panel.release import parse_targets, remaining_capacity, waitlist_queryset, waitlist_release
from panel.waitlist import screening_question_add
from tenants.access import staff_required
from tenants.http import StaffRequest
from tenants.pages import render_console
from tenants.roles import Perm


@staff_required(Perm.WAITLIST_MANAGE)
@require_http_methods(["GET", "POST"])
def console_waitlist(request: StaffRequest) -> HttpResponse:
    tenant = request.tenant
    questions = list(ScreeningQuestion.objects.for_tenant(tenant).order_by("position"))
    filters = {q.key: request.GET.get(f"f_{q.key}", "") for q in questions if request.GET.get(f"f_{q.key}")}
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and request.POST.get("action") == "add_question":
        try:
            bounds = [int(request.POST[n]) if request.POST.get(n, "").strip() else None for n in ("minimum", "maximum")]
            screening_question_add(
                tenant=tenant,
                key=request.POST.get("key", ""),
                labels={lang: request.POST.get(f"label_{lang}", "") for lang in tenant.languages},
                kind=request.POST.get("kind", ""),
                choices=request.POST.get("choices", "").split(","),
                minimum=bounds[0],
                maximum=bounds[1],
            )
        except ValueError:
            errors = {"minimum": [_("Give whole numbers for the bounds.")]}
        except DomainError as exc:
            errors = exc.fields or {"form": [exc.detail]}
        else:
            messages.success(request, _("Question added to the waitlist form."))
            return redirect("console_waitlist", tenant_slug=tenant.slug)
    elif request.method == "POST":
        try:
            count = int(request.POST.get("count", ""))
            seed_raw = request.POST.get("seed", "").strip()
            release = waitlist_release(
                tenant=tenant,
                count=count,
                method=request.POST.get("method", ""),
                seed=int(seed_raw) if seed_raw else None,
                filters=filters,
                targets=parse_targets(request.POST.get("targets", "")) or None,
                created_by=request.user,
            )
        except (ValueError, OverflowError):
            errors = {"count": [_("Give whole numbers for the count and the seed.")]}
        except DomainError as exc:
            errors = exc.fields or {"form": [exc.detail]}
        else:
            text = _("Released %(n)s of %(asked)s (seed %(seed)s).") % {
                "n": release.released, "asked": release.requested, "seed": release.seed}  # fmt: skip
            if release.note:
                text += " " + release.note + "."
            messages.success(request, text)
            return redirect(request.get_full_path())
    try:
        pool = waitlist_queryset(tenant=tenant, filters=filters)
    except DomainError as exc:
        errors, filters = errors or exc.fields, {}
        pool = waitlist_queryset(tenant=tenant, filters=filters)
    answers = list(pool.values_list("answers", flat=True)[:50_000])
    by_attribute = {q.key: Counter(str(a.get(q.key)) for a in answers).most_common() for q in questions}
    status_counts = Counter(WaitlistEntry.objects.for_tenant(tenant).values_list("status", flat=True))
    response = render_console(
        request,
        "panel/console/waitlist.html",
        "waitlist",
        {
            "questions": questions,
            "filters": filters,
            "by_attribute": by_attribute,
            "status_counts": dict(status_counts),
            "matching": pool.count(),
            "capacity": remaining_capacity(tenant=tenant),
            "methods": WaitlistRelease.Method.choices,
            "kinds": ScreeningQuestion.Kind.choices,
            "releases": WaitlistRelease.objects.for_tenant(tenant).select_related("created_by")[:20],
            "page": Paginator(pool.order_by("confirmed_at", "id"), 50).get_page(request.GET.get("page")),
            "errors": errors,
        },
    )
    if errors:
        response.status_code = 400
    return response


@staff_required(Perm.WAITLIST_MANAGE)
def console_release_progress(request: StaffRequest, pk: int) -> HttpResponse:
    """How far the Celery batches have got in mailing one release's invitations (polled by htmx)."""
    tenant = request.tenant
    release = get_object_or_404(WaitlistRelease.objects.for_tenant(tenant), pk=pk)
    sent = release.invitations.filter(sent_at__isnull=False).count()
    return render(request, "panel/console/_release_progress.html", {"release": release, "sent": sent,
                  "done": sent >= release.released})  # fmt: skip
