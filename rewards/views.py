from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from panel.models import Panelist
from panel.selectors import panelist_for_request
from rewards.ledger import panelist_balance
from rewards.models import Charity, PayoutPreference
from rewards.offers import reward_settings_get
from rewards.wallet import (
    payout_methods_offered,
    payout_preference_get,
    payout_preference_set,
    pending_amounts,
    wallet_csv,
    wallet_lines,
    wallet_payouts,
)
from tenants.http import SignedInRequest, TenantRequest


def _wallet(request: TenantRequest, panelist: Panelist, errors: dict[str, list[str]] | None = None) -> HttpResponse:
    tenant = panelist.tenant
    page = Paginator(list(wallet_lines(panelist=panelist)), 50).get_page(request.GET.get("page"))
    pending = pending_amounts(panelist=panelist)
    response = render(
        request,
        "rewards/wallet.html",
        {
            "balance": panelist_balance(panelist=panelist),
            "threshold": reward_settings_get(tenant=tenant).payout_threshold,
            "page": page,
            "pending": pending,
            "pending_total": sum(item.amount for item in pending),
            "payouts": wallet_payouts(panelist=panelist),
            "preference": payout_preference_get(panelist=panelist) or PayoutPreference(method=""),
            "methods": payout_methods_offered(tenant=tenant),
            "charities": Charity.objects.for_tenant(tenant).filter(is_active=True).order_by("name"),
            "account_email": request.user.email,  # type: ignore[union-attr]
            "errors": errors or {},
        },
    )
    response.status_code = 400 if errors else 200
    return response


@login_required
@require_GET
def wallet(request: SignedInRequest) -> HttpResponse:
    return _wallet(request, panelist_for_request(request))


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
        )
    except DomainError as exc:
        return _wallet(request, panelist, {"form": [exc.detail]} | (exc.fields or {}))
    messages.success(request, _("Saved: this is how you will be paid."))
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
