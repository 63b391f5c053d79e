"""Privacy categories of the panel: a person's membership of one tenant."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from consent.registry import Category, Person, register
from panel.models import Panelist
from tenants.models import Tenant


def _panelists(person: Person) -> Any:
    if person.scope == "tenant" and person.tenant is not None:
        return Panelist.objects.for_tenant(person.tenant).filter(public_id=person.subject)
    return Panelist.objects.filter(user=person.user) if person.user is not None else Panelist.objects.none()


def _export(person: Person) -> Any:
    return [
        {
            "public_id": p.public_id,
            "status": p.status,
            "joined_at": p.joined_at.isoformat(),
            "left_at": p.left_at.isoformat() if p.left_at else None,
        }
        for p in _panelists(person)
    ]


def _erase(person: Person) -> int:
    # The pseudonymous row stays (what was earned is accounted for under it); the person goes.
    now = timezone.now()
    erased = 0
    for panelist in _panelists(person).filter(user__isnull=False):
        panelist.user = None
        if panelist.status != Panelist.Status.LEFT:
            panelist.status, panelist.left_at = Panelist.Status.LEFT, now
        panelist.save(update_fields=["user", "status", "left_at"])
        erased += 1
    return erased


def _purge(tenant: Tenant, cutoff: datetime, batch_size: int, dry_run: bool) -> int:
    """Unlink panelists who left before ``cutoff`` from their accounts."""
    gone = Panelist.objects.for_tenant(tenant).filter(
        status=Panelist.Status.LEFT, left_at__lt=cutoff, user__isnull=False
    )
    if dry_run:
        return gone.count()
    purged = 0
    while ids := list(gone.order_by("id").values_list("id", flat=True)[:batch_size]):
        purged += Panelist.objects.filter(id__in=ids).update(user=None)
    return purged


register(
    Category(
        key="panel.panelist",
        name="Your panel membership",
        basis="membership",
        retention_days=365,
        models=(Panelist,),
        exporter=_export,
        eraser=_erase,
        purger=_purge,
        notes="Retention counts from leaving the panel; the pseudonymous row outlives the link to the person.",
    )
)
