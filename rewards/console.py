"""The operators' pages for money: payout runs with live progress, the providers, the liability,
the expense per reason and month, manual bonuses and adjustments, and the reward settings."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from rewards.adjustments import manual_posting
from rewards.models import Charity, LedgerTransaction, MassPaymentBatch, Payout, PayoutRun, RewardSettings
from rewards.offers import as_decimal, exponent, reward_settings_get
from rewards.payouts import expense_by_month, liability, month_start_local, period_parse, previous_period, run_progress
from rewards.providers import (
    charity_add,
    charity_totals,
    giftcard_stock,
    giftcards_import,
    mass_payment_batch_create,
    mass_payment_csv,
    mass_payment_import_result,
    mass_payment_mark_paid,
    mass_payment_pending,
)
from tenants.access import staff_required
from tenants.http import StaffRequest
from tenants.pages import render_console
from tenants.roles import Perm


def _actor(request: HttpRequest) -> str:
    return f"user:{request.user.pk}"


def _fail(errors: dict[str, list[str]], exc: DomainError) -> dict[str, list[str]]:
    return errors | {"form": [exc.detail]} | (exc.fields or {})


@staff_required(Perm.PAYOUTS_MANAGE)
@require_http_methods(["GET", "POST"])
def console_payouts(request: StaffRequest) -> HttpResponse:
    """Runs, newest first, and starting one by hand for a month that has ended."""
    from rewards.tasks import payout_run_start_task

    tenant = request.tenant
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            period = period_parse(request.POST.get("period", ""))
            if period >= month_start_local(tenant):
                raise DomainError(
                    _("That month has not ended yet."), fields={"period": [_("Choose a month that has ended.")]}
                )
            existing = PayoutRun.objects.for_tenant(tenant).filter(period=period).first()
            if existing is not None:
                messages.info(request, _("The run for %(month)s exists already.") % {"month": f"{period:%Y-%m}"})
                return redirect("console_payout_run", tenant_slug=tenant.slug, pk=existing.pk)
        except DomainError as exc:
            errors = _fail(errors, exc)
        else:
            payout_run_start_task.delay(tenant.pk, period.isoformat(), _actor(request))
            messages.success(request, _("The run for %(month)s is starting.") % {"month": f"{period:%Y-%m}"})
            return redirect("console_payouts", tenant_slug=tenant.slug)
    runs = PayoutRun.objects.for_tenant(tenant).order_by("-period")
    response = render_console(
        request,
        "rewards/console/payouts.html",
        "payouts",
        {
            "page": Paginator(runs, 24).get_page(request.GET.get("page")),
            "liability": liability(tenant=tenant),
            "stock": giftcard_stock(tenant=tenant),
            "suggested_period": f"{previous_period(tenant):%Y-%m}",
            "errors": errors,
        },
    )
    response.status_code = 400 if errors else 200
    return response


@staff_required(Perm.PAYOUTS_MANAGE)
@require_GET
def console_payout_run(request: StaffRequest, pk: int) -> HttpResponse:
    tenant = request.tenant
    run = get_object_or_404(PayoutRun.objects.for_tenant(tenant), pk=pk)
    payouts = Payout.objects.filter(run=run).select_related("panelist", "charity").order_by("pk")
    status = request.GET.get("status", "")
    if status in Payout.Status.values:
        payouts = payouts.filter(status=status)
    return render_console(
        request,
        "rewards/console/run.html",
        "payouts",
        {
            "run": run,
            "progress": run_progress(run=run),
            "statuses": Payout.Status.choices,
            "status": status,
            "page": Paginator(payouts, 50).get_page(request.GET.get("page")),
        },
    )


@staff_required(Perm.PAYOUTS_MANAGE)
@require_GET
def console_payout_run_progress(request: StaffRequest, pk: int) -> HttpResponse:
    """Done, pending, failed and amount of one run, polled by htmx every two seconds until it is done."""
    tenant = request.tenant
    run = get_object_or_404(PayoutRun.objects.for_tenant(tenant), pk=pk)
    response = render(request, "rewards/console/_run_progress.html", {"run": run, "progress": run_progress(run=run)})
    if run.status == PayoutRun.Status.DONE and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # the run just finished: reload once to list its payouts
    return response


@staff_required(Perm.PAYOUTS_MANAGE)
@require_http_methods(["GET", "POST"])
def console_payout_providers(request: StaffRequest) -> HttpResponse:
    """The gift-card pool, the mass-payment batches and the charities."""
    tenant = request.tenant
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "import_codes":
                upload = request.FILES.get("file")
                if upload is None:
                    raise DomainError(_("Choose a CSV file."), fields={"file": [_("Required.")]})
                n = giftcards_import(tenant=tenant, upload=upload)
                messages.success(request, _("%(n)s gift-card codes added to the pool.") % {"n": n})
            elif action == "create_batch":
                batch = mass_payment_batch_create(tenant=tenant, actor=_actor(request))
                if batch is None:
                    messages.info(request, _("No email payout is waiting for a batch."))
                else:
                    messages.success(request, _("Batch %(id)s is ready to download.") % {"id": batch.pk})
            elif action == "add_charity":
                charity_add(tenant=tenant, name=request.POST.get("name", ""), website=request.POST.get("website", ""))
                messages.success(request, _("Charity added."))
            elif action == "toggle_charity":
                charity_id = request.POST.get("charity", "")
                charity = get_object_or_404(
                    Charity.objects.for_tenant(tenant), pk=int(charity_id) if charity_id.isdigit() else 0
                )
                Charity.objects.filter(pk=charity.pk).update(is_active=not charity.is_active)
                messages.success(request, _("Charity updated."))
            else:
                raise DomainError(_("Unknown action."), fields={"action": [_("Unknown.")]})
        except DomainError as exc:
            errors = _fail(errors, exc)
        else:
            return redirect("console_payout_providers", tenant_slug=tenant.slug)
    return _providers_page(request, errors)


def _providers_page(request: StaffRequest, errors: dict[str, list[str]]) -> HttpResponse:
    tenant = request.tenant
    pending_n, pending_amount = mass_payment_pending(tenant=tenant)
    response = render_console(
        request,
        "rewards/console/providers.html",
        "payouts",
        {
            "settings": reward_settings_get(tenant=tenant),
            "stock": giftcard_stock(tenant=tenant),
            "pending_n": pending_n,
            "pending_amount": pending_amount,
            "batches": MassPaymentBatch.objects.for_tenant(tenant).order_by("-pk")[:24],
            "charities": charity_totals(tenant=tenant),
            "errors": errors,
        },
    )
    response.status_code = 400 if errors else 200
    return response


@staff_required(Perm.PAYOUTS_MANAGE)
@require_GET
def console_mass_payment_csv(request: StaffRequest, pk: int) -> StreamingHttpResponse:
    tenant = request.tenant
    batch = get_object_or_404(MassPaymentBatch.objects.for_tenant(tenant), pk=pk)
    response = StreamingHttpResponse(mass_payment_csv(batch=batch), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mass-payment-{tenant.slug}-{batch.pk}.csv"'
    return response


@staff_required(Perm.PAYOUTS_MANAGE)
@require_POST
def console_mass_payment_settle(request: StaffRequest, pk: int) -> HttpResponse:
    """Mark a whole batch paid, or apply the provider's result file."""
    tenant = request.tenant
    batch = get_object_or_404(MassPaymentBatch.objects.for_tenant(tenant), pk=pk)
    try:
        if request.POST.get("action") == "mark_paid":
            n = mass_payment_mark_paid(batch=batch, actor=_actor(request))
            messages.success(request, _("%(n)s payouts marked paid.") % {"n": n})
        else:
            upload = request.FILES.get("file")
            if upload is None:
                raise DomainError(_("Choose the provider's result file."), fields={"file": [_("Required.")]})
            result = mass_payment_import_result(batch=batch, upload=upload, actor=_actor(request))
            messages.success(
                request,
                _("%(paid)s paid, %(returned)s returned to balances, %(same)s unchanged.")
                % {"paid": result.paid, "returned": result.returned, "same": result.unchanged},
            )
    except DomainError as exc:  # the page again, with the reason and the lines to fix (nothing written)
        return _providers_page(request, _fail({}, exc))
    return redirect("console_payout_providers", tenant_slug=tenant.slug)


class RewardSettingsForm(forms.Form):
    survey_reward = forms.DecimalField(label=gettext_lazy("Reward per survey"))
    receipts_required = forms.IntegerField(label=gettext_lazy("Approved receipts a month for the reward"), min_value=1,
                                           max_value=100)  # fmt: skip
    receipts_reward = forms.DecimalField(label=gettext_lazy("Reward for the monthly receipts (the monthly cap)"))
    ad_verification_monthly = forms.DecimalField(label=gettext_lazy("Ad verification, a month"))
    ad_verification_active_days = forms.IntegerField(label=gettext_lazy("Active days a month it needs"), min_value=1,
                                                     max_value=31)  # fmt: skip
    payout_threshold = forms.DecimalField(label=gettext_lazy("Payout threshold"))
    gift_card_value = forms.DecimalField(label=gettext_lazy("Gift-card value"))
    mass_payment_enabled = forms.BooleanField(label=gettext_lazy("Pay to an email address"), required=False)
    gift_cards_enabled = forms.BooleanField(label=gettext_lazy("Pay in gift cards"), required=False)
    charity_enabled = forms.BooleanField(label=gettext_lazy("Donations to charities"), required=False)

    MONEY = ("survey_reward", "receipts_reward", "ad_verification_monthly", "payout_threshold", "gift_card_value")

    def __init__(self, *args: object, currency: str, waiting_for_codes: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.currency, self.waiting_for_codes = currency, waiting_for_codes
        for name in self.MONEY:  # amounts are typed in major units, with the currency's decimals
            label = self.fields[name].label
            self.fields[name] = forms.DecimalField(
                label=label, min_value=0, max_value=as_decimal(2**31 - 1, currency), decimal_places=exponent(currency)
            )  # the columns are 32-bit integers of minor units

    def clean(self) -> dict:
        data = super().clean() or {}
        if not any(data.get(k) for k in ("mass_payment_enabled", "gift_cards_enabled", "charity_enabled")):
            raise forms.ValidationError(_("Enable at least one way to pay panelists."))
        value = data.get("gift_card_value")
        if value is not None and value <= 0:
            self.add_error("gift_card_value", _("A gift card is worth more than zero."))
        elif value is not None and self.waiting_for_codes and value != self.initial.get("gift_card_value"):
            # Waiting payouts were cut to whole codes of the current value: keep it until they are paid.
            self.add_error(
                "gift_card_value", _("Payouts are waiting for codes of the current value: import those first.")
            )
        return data

    @classmethod
    def initial_from(cls, rules: RewardSettings, currency: str) -> dict:
        initial = {name: getattr(rules, name) for name in cls.base_fields}
        for name in cls.MONEY:
            initial[name] = as_decimal(initial[name], currency)
        return initial

    def save(self, rules: RewardSettings) -> None:
        for name, value in self.cleaned_data.items():
            setattr(rules, name, int(value.scaleb(exponent(self.currency))) if name in self.MONEY else value)
        rules.save()


@staff_required(Perm.PAYOUTS_MANAGE)
@require_http_methods(["GET", "POST"])
def console_rewards(request: StaffRequest) -> HttpResponse:
    """The liability, the expense per reason and month, manual postings, and the reward settings."""
    tenant = request.tenant
    rules = reward_settings_get(tenant=tenant)
    errors: dict[str, list[str]] = {}
    form = RewardSettingsForm(initial=RewardSettingsForm.initial_from(rules, tenant.currency), currency=tenant.currency)
    posted: dict[str, str] = {}
    if request.method == "POST" and request.POST.get("action") == "settings":
        form = RewardSettingsForm(
            request.POST,
            initial=RewardSettingsForm.initial_from(rules, tenant.currency),
            currency=tenant.currency,
            waiting_for_codes=giftcard_stock(tenant=tenant).waiting_payouts > 0,
        )
        if form.is_valid():
            form.save(rules)
            messages.success(request, _("Reward settings saved."))
            return redirect("console_rewards", tenant_slug=tenant.slug)
        errors = {"settings": [_("Check the reward settings below.")]}
    elif request.method == "POST":
        posted = {k: request.POST.get(k, "") for k in ("panelist", "amount", "reason", "memo", "key")}
        try:
            txn = manual_posting(
                tenant=tenant,
                panelist_public_id=posted["panelist"],
                amount=posted["amount"],
                reason=posted["reason"],
                memo=posted["memo"],
                key=posted["key"],
                created_by=request.user,
            )
        except DomainError as exc:
            errors = _fail(errors, exc)
        else:
            messages.success(request, _("Posted: %(what)s.") % {"what": txn.get_reason_display()})
            return redirect("console_rewards", tenant_slug=tenant.slug)
    labels = dict(LedgerTransaction.Reason.choices)
    manual = (
        LedgerTransaction.objects.for_tenant(tenant)
        .filter(source="console")
        .prefetch_related("entries__account")
        .order_by("-created_at")[:20]
    )
    response = render_console(
        request,
        "rewards/console/rewards.html",
        "rewards",
        {
            "liability": liability(tenant=tenant),
            "expense": [
                row | {"label": labels.get(row["reason"], row["reason"])}
                for row in expense_by_month(tenant=tenant)[:72]
            ],
            "manual": manual,
            "posted": posted,
            "key": uuid.uuid4().hex if not posted else posted["key"],
            "reasons": [
                (r.value, r.label) for r in (LedgerTransaction.Reason.BONUS, LedgerTransaction.Reason.ADJUSTMENT)
            ],
            "form": form,
            "errors": errors,
        },
    )
    response.status_code = 400 if errors else 200
    return response
