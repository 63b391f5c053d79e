"""What ``seed_demo`` adds for ad verification: a watch list, a paired browser for each demo panelist
who consents to the program, and a week of counts sent through the real ingest, rolled up. Safe to
rerun: it stops once the demo panel has devices."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

from django.utils import timezone

from adverification.models import Device
from adverification.selectors import ad_consent_active
from adverification.services.counts import ad_daily_rollup_recent
from adverification.services.devices import device_pair, pairing_code_create
from adverification.services.ingest import ad_batch_ingest
from adverification.services.program import ad_program_update
from panel.models import Panelist
from tenants.models import Tenant

AD_DOMAINS = ["ads.adnet.example", "cdn.adnet.example"]
LANDING_DOMAINS = ["shop.brand.example"]
SITES = ["news.example", "weather.example", "recipes.example", "football.example"]


def demo_ads_seed(tenant: Tenant, panelists: list[Panelist]) -> str:
    ad_program_update(tenant=tenant, ad_domains=AD_DOMAINS, landing_domains=LANDING_DOMAINS, k_anonymity=10,
                      max_devices=3)  # fmt: skip
    if Device.objects.for_tenant(tenant).exists():  # seeded before: the same line as the first time
        return _seeded(Device.objects.for_tenant(tenant).count())
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    paired = 0
    for panelist in panelists:
        if not ad_consent_active(panelist=panelist):
            continue
        issued = pairing_code_create(panelist=panelist, date_of_birth=date(1980, 1, 1))
        device = device_pair(code=issued.code, name="Firefox on a laptop", client_ip="seed-demo").device
        draw = random.Random(panelist.pk)  # noqa: S311  (demo data, not a secret)
        lines = []
        for hours_ago in sorted(draw.sample(range(1, 6 * 24), 40)):
            hour = (now - timedelta(hours=hours_ago)).isoformat().replace("+00:00", "Z")
            site = draw.choice(SITES)
            lines.append({"domain": draw.choice(AD_DOMAINS), "site": site, "hour": hour, "kind": "impression",
                          "count": draw.randint(1, 12)})  # fmt: skip
            if draw.random() < 0.2:
                lines.append({"domain": LANDING_DOMAINS[0], "site": site, "hour": hour, "kind": "click", "count": 1})
        ad_batch_ingest(device=device, batch_id=uuid.uuid4(), counts=lines)
        paired += 1
    ad_daily_rollup_recent(tenant=tenant, days=8)
    return _seeded(paired)


def _seeded(paired: int) -> str:
    return f"Ad verification: a watch list, {paired} paired browsers and a week of counts."
