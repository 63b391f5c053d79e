"""Privacy categories of ad verification: the raw counts (90 days, purged by dropping whole monthly
partitions), the daily roll-ups (25 months) and the devices."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.db import connection

from adverification.models import AdBatch, AdCount, AdDaily, Device, PairingCode
from adverification.services.counts import ad_counts_purge, ad_daily_purge, ad_daily_rollup
from consent.registry import Category, Person, register
from panel.models import Panelist


def _panelists(person: Person) -> list[Panelist]:
    if person.scope == "tenant" and person.tenant is not None:
        return list(Panelist.objects.filter(tenant=person.tenant, public_id=person.subject).select_related("tenant"))
    if person.user is None:
        return []
    # across tenants: an account-wide export or erasure reaches the person's rows in every panel
    return list(Panelist.objects.unscoped().filter(user=person.user).select_related("tenant"))


def _export_counts(person: Person) -> Any:
    rows = []
    for panelist in _panelists(person):
        counts = AdCount.objects.for_tenant(panelist.tenant).filter(panelist_id=panelist.pk).order_by("hour", "id")
        rows += [
            {
                "panel": panelist.tenant.slug,
                "hour": c.hour.isoformat(),
                "kind": c.kind,
                "domain": c.domain,
                "site": c.site,
                "count": c.count,
            }
            for c in counts
        ]
    return rows


def _erase_counts(person: Person) -> int:
    erased = 0
    for panelist in _panelists(person):
        tenant = panelist.tenant
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT (hour AT TIME ZONE %s)::date FROM adverification_adcount"
                " WHERE tenant_id = %s AND panelist_id = %s",
                [tenant.timezone, tenant.pk, panelist.pk],
            )
            days: list[date] = [row[0] for row in cursor.fetchall()]
        erased += AdCount.objects.for_tenant(tenant).filter(panelist_id=panelist.pk).delete()[0]
        for day in days:  # the roll-ups no longer count this person
            ad_daily_rollup(tenant=tenant, day=day)
        devices = Device.objects.for_tenant(tenant).filter(panelist=panelist)
        erased += AdBatch.objects.for_tenant(tenant).filter(device__in=devices).delete()[0]
    return erased


register(
    Category(
        key="adverification.counts",
        name="What your browsers counted: ads seen and clicked, per domain, site and hour",
        basis="ad_verification",
        retention_days=90,
        models=(AdCount, AdBatch),
        exporter=_export_counts,
        eraser=_erase_counts,
        purger=ad_counts_purge,
        notes=(
            "Domains and hours only, never a page address. Whole months are dropped once their first day is"
            " 90 days old; a shorter retention removes older rows too."
        ),
    )
)


def _export_daily(person: Person) -> Any:
    return []  # the roll-ups are counts over many people: nothing in them is one person's


def _erase_daily(person: Person) -> int:
    return 0  # rebuilt without the person by the counts' eraser


register(
    Category(
        key="adverification.rollups",
        name="Daily ad-verification totals per domain and site",
        basis="ad_verification",
        retention_days=761,
        models=(AdDaily,),
        exporter=_export_daily,
        eraser=_erase_daily,
        purger=ad_daily_purge,
        notes="Totals and a count of distinct panelists per cell; no panelist is named. Kept 25 months.",
    )
)


def _export_devices(person: Person) -> Any:
    devices: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for panelist in _panelists(person):
        for d in Device.objects.for_tenant(panelist.tenant).filter(panelist=panelist).order_by("created_at"):
            devices[panelist.tenant.slug].append({
                "name": d.name,
                "paired_at": d.created_at.isoformat(),
                "last_seen_at": d.last_seen_at.isoformat() if d.last_seen_at else None,
                "revoked_at": d.revoked_at.isoformat() if d.revoked_at else None,
                "revoked_reason": d.revoked_reason,
            })  # fmt: skip
    return [{"panel": slug, "devices": rows} for slug, rows in devices.items()]


def _erase_devices(person: Person) -> int:
    erased = 0
    for panelist in _panelists(person):
        erased += PairingCode.objects.for_tenant(panelist.tenant).filter(panelist=panelist).delete()[0]
        erased += Device.objects.for_tenant(panelist.tenant).filter(panelist=panelist).delete()[0]
    return erased


register(
    Category(
        key="adverification.devices",
        name="Your paired browsers",
        basis="ad_verification",
        retention_days=None,
        models=(Device, PairingCode),
        exporter=_export_devices,
        eraser=_erase_devices,
        notes="The name you gave each browser and when it was last seen; tokens are kept as hashes only.",
    )
)
