from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from panel.models import Panelist
from tenants.models import Tenant


def panelist_list(*, tenant: Tenant, status: str | None = None) -> QuerySet[Panelist]:
    qs = Panelist.objects.for_tenant(tenant).order_by("-joined_at", "-id")
    if status:
        qs = qs.filter(status=status)
    return qs


def panelist_get(*, tenant: Tenant, public_id: str) -> Panelist:
    return get_object_or_404(Panelist.objects.for_tenant(tenant), public_id=public_id)


def panelist_counts(*, tenant: Tenant) -> dict[str, int]:
    return Panelist.objects.for_tenant(tenant).aggregate(
        total=Count("id"), active=Count("id", filter=Q(status=Panelist.Status.ACTIVE))
    )
