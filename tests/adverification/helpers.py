"""A panel with an ad-verification program, and panelists who consent to it, for the tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection
from django.test import Client

from adverification.services.devices import PairedDevice, device_pair, pairing_code_create
from adverification.services.program import ad_program_update
from consent.services.consent import consent_grant
from panel.models import Panelist
from tenants.models import Tenant
from tests.factories import PanelistFactory, TenantFactory, publish

AD = "ads.adnet.test"
LANDING = "shop.brand.test"


def ad_panel(slug: str | None = None, **tenant: Any) -> Tenant:
    panel = TenantFactory.create(**({"slug": slug} if slug else {}), **tenant)
    publish(panel, "membership")
    publish(panel, "ad_verification")
    ad_program_update(tenant=panel, ad_domains=[AD], landing_domains=[LANDING], k_anonymity=10, max_devices=2)
    return panel


def consenting_panelist(tenant: Tenant) -> Panelist:
    panelist = PanelistFactory.create(tenant=tenant)
    consent_grant(tenant=tenant, subject=panelist.public_id, purpose_key="ad_verification", language="en",
                  method="web", actor="subject")  # fmt: skip
    return panelist


def paired(panelist: Panelist, name: str = "Chromium") -> PairedDevice:
    issued = pairing_code_create(panelist=panelist)
    return device_pair(code=issued.code, name=name, client_ip="192.0.2.1")


def this_hour(hours_ago: int = 0) -> str:
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours_ago)
    return hour.isoformat().replace("+00:00", "Z")


def line(**overrides: Any) -> dict[str, Any]:
    return {"domain": AD, "site": "publisher.test", "hour": this_hour(1), "kind": "impression", "count": 3} | overrides


def batch(*lines: dict[str, Any], batch_id: str | None = None) -> dict[str, Any]:
    return {"batch_id": batch_id or str(uuid.uuid4()), "counts": list(lines) or [line()]}


def signed_in(panelist: Panelist) -> Client:
    client = Client()
    assert panelist.user is not None
    client.force_login(panelist.user)
    return client


def counts_at(
    panelist: Panelist,
    device_id: int,
    hours: list[datetime],
    *,
    domain: str = AD,
    site: str = "publisher.test",
    kind: str = "impression",
    count: int = 1,
) -> None:
    """Raw rows at any hours (older than the ingest's 7 days too), each month's partition made first."""
    with connection.cursor() as cursor:
        for hour in hours:
            cursor.execute("SELECT adverification_partition_ensure(%s)", [hour.date()])
            cursor.execute(
                "INSERT INTO adverification_adcount (tenant_id, panelist_id, device_id, batch_id, hour, kind, domain,"
                " site, count) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [panelist.tenant_id, panelist.pk, device_id, uuid.uuid4(), hour, kind, domain, site, count],
            )
