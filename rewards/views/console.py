"""The operators' pages for money: payout runs with live progress, the providers, the liability,
the expense per reason and month, manual bonuses and adjustments, and the reward settings. Each
action has its own URL; a refusal renders the page again with its reason (nothing was written)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from rewards.forms import RewardSettingsForm
from rewards.models import Payout, PayoutRun
from rewards.periods import period_parse, previous_period
from rewards.selectors import (
    charity_get,
    charity_totals,
    expense_by_month,
    giftcard_stock,
    ledger_manual_posting_list,
    liability,
    mass_payment_batch_get,
    mass_payment_batch_list,
    mass_payment_csv,
    mass_payment_pending,
    payout_list,
    payout_run_get,
    payout_run_list,
    payout_run_progress,
    reward_settings_get,
)
from rewards.services.adjustments import MANUAL_REASONS, ledger_manual_post
from rewards.services.payouts import payout_run_request
from rewards.services.providers import (
    charity_add,
    charity_toggle,
    giftcards_import,
    mass_payment_batch_create,
    mass_payment_mark_paid,
    mass_payment_result_import,
)
from rewards.services.settings import reward_settings_update
from tenants.access import staff_required
from tenants.http import StaffRequest
from tenants.pages import form_refused, render_console
from tenants.roles import Perm


def _actor(request: HttpRequest) -> str:
    return f"user:{request.user.pk}"


# -- payout runs ------------------------------------------------------------------------------------


def _payouts_page(request: StaffRequest, *, error: DomainError | None = None) -> HttpResponse:
    tenant = request.tenant
    context = {
        "page": Paginator(payout_run_list(tenant=tenant), 24).get_page(request.GET.get("page")),
        "liability": liability(tenant=tenant),
        "stock": giftcard_stock(tenant=tenant),
        "suggested_period": f"{previous_period(tenant):%Y-%m}",
    }
    return render_console(request, "rewards/console/payouts.html", "payouts", context, error=error)


@staff_required(Perm.PAYOUTS_MANAGE)
@require_http_methods(["GET", "POST"])
def console_payouts(request: StaffRequest) -> HttpResponse:
    """Runs, newest first, and starting one by hand for a month that has ended."""
    if request.method == "GET":
        return _payouts_page(request)
    try:
        period = period_parse(request.POST.get("period", ""))
        existing = payout_run_request(tenant=request.tenant, period=period, actor=_actor(request))
    except DomainError as exc:
        return _payouts_page(request, error=exc)
    month = {"month": f"{period:%Y-%m}"}
    if existing is not None:
        messages.info(request, _("The run for %(month)s exists already.") % month)
        return redirect("console_payout_run", tenant_slug=request.tenant.slug, pk=existing.pk)
    messages.success(request, _("The run for %(month)s is starting.") % month)
    return redirect("console_payouts", tenant_slug=request.tenant.slug)


@staff_required(Perm.PAYOUTS_MANAGE)
@require_GET
def console_payout_run(request: StaffRequest, pk: int) -> HttpResponse:
    run = payout_run_get(tenant=request.tenant, pk=pk)
    status = request.GET.get("status", "")
    payouts = payout_list(run=run, status=status)
    return render_console(
        request,
        "rewards/console/run.html",
        "payouts",
        {
            "run": run,
            "progress": payout_run_progress(run=run),
            "statuses": [(value, Payout.OPERATOR_STATUS_LABELS[value]) for value in Payout.Status.values],
            "status": status,
            "page": Paginator(payouts, 50).get_page(request.GET.get("page")),
        },
    )


@staff_required(Perm.PAYOUTS_MANAGE)
@require_GET
def console_payout_run_progress(request: StaffRequest, pk: int) -> HttpResponse:
    """Done, pending, failed and amount of one run, polled by htmx every two seconds until it is done."""
    run = payout_run_get(tenant=request.tenant, pk=pk)
    progress = payout_run_progress(run=run)
    response = render(request, "rewards/console/_run_progress.html", {"run": run, "progress": progress})
    if run.status == PayoutRun.Status.DONE and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # the run just finished: reload once to list its payouts
    return response


# -- providers: gift cards, mass payments, charities ------------------------------------------------


def _providers_page(request: StaffRequest, *, error: DomainError | None = None) -> HttpResponse:
    tenant = request.tenant
    pending_n, pending_amount = mass_payment_pending(tenant=tenant)
    context = {
        "settings": reward_settings_get(tenant=tenant),
        "stock": giftcard_stock(tenant=tenant),
        "pending_n": pending_n,
        "pending_amount": pending_amount,
        "batches": mass_payment_batch_list(tenant=tenant),
        "charities": charity_totals(tenant=tenant),
    }
    return render_console(request, "rewards/console/providers.html", "payouts", context, error=error)


def _providers_redirect(request: StaffRequest) -> HttpResponse:
    return redirect("console_payout_providers", tenant_slug=request.tenant.slug)


def _upload(request: StaffRequest, missing: str) -> UploadedFile:
    upload = request.FILES.get("file")
    if upload is None:
        raise DomainError(missing, fields={"file": [_("Required.")]})
    return upload


@staff_required(Perm.PAYOUTS_MANAGE)
@require_GET
def console_payout_providers(request: StaffRequest) -> HttpResponse:
    """The gift-card pool, the mass-payment batches and the charities."""
    return _providers_page(request)


@staff_required(Perm.PAYOUTS_MANAGE)
@require_POST
def console_giftcards_import(request: StaffRequest) -> HttpResponse:
    try:
        n = giftcards_import(tenant=request.tenant, upload=_upload(request, _("Choose a CSV file.")))
    except DomainError as exc:
        return _providers_page(request, error=exc)
    messages.success(request, _("%(n)s gift-card codes added to the pool.") % {"n": n})
    return _providers_redirect(request)


@staff_required(Perm.PAYOUTS_MANAGE)
@require_POST
def console_mass_payment_batch_create(request: StaffRequest) -> HttpResponse:
    batch = mass_payment_batch_create(tenant=request.tenant, actor=_actor(request))
    if batch is None:
        messages.info(request, _("No email payout is waiting for a batch."))
    else:
        messages.success(request, _("Batch %(id)s is ready to download.") % {"id": batch.pk})
    return _providers_redirect(request)


@staff_required(Perm.PAYOUTS_MANAGE)
@require_GET
def console_mass_payment_csv(request: StaffRequest, pk: int) -> StreamingHttpResponse:
    batch = mass_payment_batch_get(tenant=request.tenant, pk=pk)
    response = StreamingHttpResponse(mass_payment_csv(batch=batch), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mass-payment-{request.tenant.slug}-{batch.pk}.csv"'
    return response


@staff_required(Perm.PAYOUTS_MANAGE)
@require_POST
def console_mass_payment_mark_paid(request: StaffRequest, pk: int) -> HttpResponse:
    """Finance paid the whole batch."""
    batch = mass_payment_batch_get(tenant=request.tenant, pk=pk)
    n = mass_payment_mark_paid(batch=batch, actor=_actor(request))
    messages.success(request, _("%(n)s payouts marked paid.") % {"n": n})
    return _providers_redirect(request)


@staff_required(Perm.PAYOUTS_MANAGE)
@require_POST
def console_mass_payment_result_import(request: StaffRequest, pk: int) -> HttpResponse:
    """The provider's result file: each payout paid, or returned to the panelist's balance."""
    batch = mass_payment_batch_get(tenant=request.tenant, pk=pk)
    try:
        upload = _upload(request, _("Choose the provider's result file."))
        result = mass_payment_result_import(batch=batch, upload=upload, actor=_actor(request))
    except DomainError as exc:  # the page again, with the reason and the lines to fix (nothing written)
        return _providers_page(request, error=exc)
    messages.success(
        request,
        _("%(paid)s paid, %(returned)s returned to balances, %(same)s unchanged.")
        % {"paid": result.paid, "returned": result.returned, "same": result.unchanged},
    )
    return _providers_redirect(request)


@staff_required(Perm.PAYOUTS_MANAGE)
@require_POST
def console_charity_add(request: StaffRequest) -> HttpResponse:
    try:
        charity_add(tenant=request.tenant, name=request.POST.get("name", ""), website=request.POST.get("website", ""))
    except DomainError as exc:
        return _providers_page(request, error=exc)
    messages.success(request, _("Charity added."))
    return _providers_redirect(request)


@staff_required(Perm.PAYOUTS_MANAGE)
@require_POST
def console_charity_toggle(request: StaffRequest, pk: int) -> HttpResponse:
    """Stop offering a charity to panelists, or offer it again."""
    charity_toggle(charity=charity_get(tenant=request.tenant, pk=pk))
    messages.success(request, _("Charity updated."))
    return _providers_redirect(request)


# -- rewards: liability, expense, manual postings, settings -----------------------------------------


def _rewards_page(
    request: StaffRequest, *, settings_form: RewardSettingsForm | None = None, error: DomainError | None = None
) -> HttpResponse:
    tenant = request.tenant
    if settings_form is None:
        rules = reward_settings_get(tenant=tenant)
        initial = RewardSettingsForm.initial_from(rules, tenant.currency)
        settings_form = RewardSettingsForm(initial=initial, currency=tenant.currency)
    context = {
        "liability": liability(tenant=tenant),
        "expense": expense_by_month(tenant=tenant, limit=72),
        "manual": ledger_manual_posting_list(tenant=tenant),
        # A refused posting keeps its one-time key, so that fixing it and posting again posts once.
        "key": request.POST.get("key") or uuid.uuid4().hex,
        "reasons": [(r.value, r.label) for r in MANUAL_REASONS],
        "settings_form": settings_form,
    }
    return render_console(request, "rewards/console/rewards.html", "rewards", context, error=error)


@staff_required(Perm.PAYOUTS_MANAGE)
@require_GET
def console_rewards(request: StaffRequest) -> HttpResponse:
    """The liability, the expense per reason and month, manual postings, and the reward settings."""
    return _rewards_page(request)


@staff_required(Perm.PAYOUTS_MANAGE)
@require_POST
def console_ledger_manual_post(request: StaffRequest) -> HttpResponse:
    try:
        txn = ledger_manual_post(
            tenant=request.tenant,
            panelist_public_id=request.POST.get("panelist", ""),
            amount=request.POST.get("amount", ""),
            reason=request.POST.get("reason", ""),
            memo=request.POST.get("memo", ""),
            key=request.POST.get("key", ""),
            created_by=request.user,
            language=get_language(),
            confirmed=request.POST.get("confirm") == "yes",
        )
    except DomainError as exc:
        return _rewards_page(request, error=exc)
    messages.success(request, _("Posted: %(what)s.") % {"what": txn.get_reason_display()})
    return redirect("console_rewards", tenant_slug=request.tenant.slug)


@staff_required(Perm.PAYOUTS_MANAGE)
@require_POST
def console_reward_settings_update(request: StaffRequest) -> HttpResponse:
    tenant = request.tenant
    form = RewardSettingsForm(request.POST, currency=tenant.currency)
    try:
        if not form.is_valid():
            raise form_refused(form)
        reward_settings_update(tenant=tenant, values=form.values())
    except DomainError as exc:
        for field, problems in exc.fields.items():  # the service's refusals stand next to their fields too
            if field in form.fields and field not in form.errors:
                form.add_error(field, problems)
        return _rewards_page(request, settings_form=form, error=exc)
    messages.success(request, _("Reward settings saved."))
    return redirect("console_rewards", tenant_slug=tenant.slug)
