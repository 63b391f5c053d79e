from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from panel.models import Panelist
from tenants.http import TenantRequest
from tenants.models import Tenant


def panelist_list(*, tenant: Tenant, status: str | None = None) -> QuerySet[Panelist]:
    qs = Panelist.objects.for_tenant(tenant).order_by("-joined_at", "-id")
    if status:
        qs = qs.filter(status=status)
    return qs


def panelist_get(*, tenant: Tenant, public_id: str) -> Panelist:
    return get_object_or_404(Panelist.objects.for_tenant(tenant), public_id=public_id)


def panelist_get_active(*, tenant: Tenant, user: Any) -> Panelist | None:
    """A signed-in person's active membership of a tenant, or None."""
    if user is None or not user.is_authenticated:
        return None
    return Panelist.objects.for_tenant(tenant).filter(user=user, status=Panelist.Status.ACTIVE).first()


def panelist_for_request(request: TenantRequest) -> Panelist:
    """The panelist behind a page request: the signed-in person's active row in the page's tenant.

    Anyone else (signed out, staff only, left, another panel's member) gets a 404: the page of a panel
    you are not in does not exist for you.
    """
    panelist = panelist_get_active(tenant=request.tenant, user=request.user)
    if panelist is None:
        raise Http404("You are not a panelist of this panel.")
    return panelist


def panelist_counts(*, tenant: Tenant) -> dict[str, int]:
    return Panelist.objects.for_tenant(tenant).aggregate(
        total=Count("id"), active=Count("id", filter=Q(status=Panelist.Status.ACTIVE))
    )
