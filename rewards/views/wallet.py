"""The panelist's wallet page: the balance, what is pending, the payouts, how to be paid, and the
history with a CSV export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.throttle import request_ip
from core.errors import DomainError
from panel.models import Panelist
from panel.selectors import panelist_for_request
from rewards.models import PayoutPreference
from rewards.selectors import (
    charity_list_active,
    panelist_balance,
    payout_methods_offered,
    payout_preference_get,
    pending_amounts,
    reward_settings_get,
    wallet_csv,
    wallet_lines,
    wallet_payouts,
)
from rewards.services.wallet import payout_preference_set
from tenants.http import SignedInRequest
from tenants.pages import render_page


def _wallet_page(request: SignedInRequest, panelist: Panelist, *, error: DomainError | None = None) -> HttpResponse:
    tenant = panelist.tenant
    pending = pending_amounts(panelist=panelist)
    context = {
        "balance": panelist_balance(panelist=panelist),
        "threshold": reward_settings_get(tenant=tenant).payout_threshold,
        "page": Paginator(list(wallet_lines(panelist=panelist)), 50).get_page(request.GET.get("page")),
        "pending": pending,
        "pending_total": sum(item.amount for item in pending),
        "payouts": wallet_payouts(panelist=panelist),
        "preference": payout_preference_get(panelist=panelist) or PayoutPreference(method=""),
        "methods": payout_methods_offered(tenant=tenant),
        "charities": charity_list_active(tenant=tenant),
        "account_email": request.user.email,
    }
    return render_page(request, "rewards/wallet.html", context, error=error)


@login_required
@require_GET
def wallet(request: SignedInRequest) -> HttpResponse:
    return _wallet_page(request, panelist_for_request(request))


@login_required
@require_POST
def payout_method_set(request: SignedInRequest) -> HttpResponse:
    panelist = panelist_for_request(request)
    try:
        payout_preference_set(
            panelist=panelist,
            method=request.POST.get("method", ""),
            email=request.POST.get("email", ""),
            charity_id=request.POST.get("charity"),
            password=request.POST.get("password", ""),
            client_ip=request_ip(request),
        )
    except DomainError as exc:
        return _wallet_page(request, panelist, error=exc)
    messages.success(request, _("Saved: this is how you will be paid. We sent a notice to your email address."))
    return redirect("wallet", tenant_slug=panelist.tenant.slug)


@login_required
@require_GET
def wallet_export(request: SignedInRequest) -> StreamingHttpResponse:
    panelist = panelist_for_request(request)
    response = StreamingHttpResponse(
        wallet_csv(panelist=panelist, currency=panelist.tenant.currency), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="wallet-{panelist.tenant.slug}.csv"'
    return response
