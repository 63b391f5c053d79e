from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from panel.models import Panelist
from rewards.ledger import panelist_balance
from rewards.wallet import wallet_csv, wallet_lines


def _panelist(request: HttpRequest) -> Panelist:
    tenant = request.tenant  # type: ignore[attr-defined]
    user_id = int(request.user.pk or 0)  # login_required: a signed-in user
    panelist = Panelist.objects.for_tenant(tenant).filter(user_id=user_id, status=Panelist.Status.ACTIVE).first()
    if panelist is None:
        raise Http404("You are not a panelist of this panel.")
    return panelist


@login_required
@require_GET
def wallet(request: HttpRequest) -> HttpResponse:
    panelist = _panelist(request)
    page = Paginator(list(wallet_lines(panelist=panelist)), 50).get_page(request.GET.get("page"))
    return render(request, "rewards/wallet.html", {"balance": panelist_balance(panelist=panelist), "page": page})


@login_required
@require_GET
def wallet_export(request: HttpRequest) -> StreamingHttpResponse:
    panelist = _panelist(request)
    response = StreamingHttpResponse(
        wallet_csv(panelist=panelist, currency=panelist.tenant.currency), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="wallet-{panelist.tenant.slug}.csv"'
    return response
