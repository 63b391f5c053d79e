"""The daily roll-up, reports with k-anonymity, the monthly participation reward, retention and the
panelist's own rights over their counts."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection

from adverification.models import AdCount, AdDaily, Device
from adverification.rewarding import SOURCE_KEY, month_credits
from adverification.selectors import OTHER, ad_report, ad_report_csv
from adverification.services.counts import ad_count_partitions_ensure, ad_daily_rollup
from consent.models import PurgeLog
from consent.registry import Person, category_get
from consent.services.privacy import privacy_purge
from rewards.sources import REWARD_SOURCES, source_label
from tenants.roles import Role
from tests.adverification.helpers import ad_panel, consenting_panelist, counts_at, paired, signed_in

pytestmark = pytest.mark.django_db

DAY = date(2026, 1, 15)


def noon(day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def crowd(tenant, n: int, site: str) -> None:
    for _ in range(n):
        panelist = consenting_panelist(tenant)
        counts_at(panelist, 0, [noon()], site=site, count=2)


def test_the_roll_up_counts_impressions_clicks_and_distinct_panelists_per_domain_site_and_day() -> None:
    tenant = ad_panel(timezone="UTC")
    one, two = consenting_panelist(tenant), consenting_panelist(tenant)
    counts_at(one, 0, [noon(), noon() + timedelta(hours=1)], count=3)
    counts_at(two, 0, [noon()], count=1)
    counts_at(two, 0, [noon()], domain="shop.brand.test", kind="click")

    assert ad_daily_rollup(tenant=tenant, day=DAY) == 2
    assert ad_daily_rollup(tenant=tenant, day=DAY) == 2  # rebuilt, never added twice

    cells = AdDaily.objects.for_tenant(tenant).order_by("domain").values_list("domain", "impressions", "clicks",
                                                                              "panelists")  # fmt: skip
    assert list(cells) == [("ads.adnet.test", 7, 0, 2), ("shop.brand.test", 0, 1, 1)]


def test_a_cell_of_k_minus_one_panelists_never_appears_in_a_report_or_its_csv() -> None:
    tenant = ad_panel(timezone="UTC")  # k = 10
    crowd(tenant, 10, "big.test")
    crowd(tenant, 9, "small.test")
    crowd(tenant, 3, "tiny.test")
    ad_daily_rollup(tenant=tenant, day=DAY)

    report = ad_report(tenant=tenant, start=DAY, end=DAY)
    csv_text = "".join(ad_report_csv(report=report))

    assert [(c.site, c.impressions, c.panelists) for c in report.cells] == [("big.test", 20, 10), (OTHER, 24, None)]
    assert "small.test" not in csv_text
    assert "tiny.test" not in csv_text
    assert "big.test" in csv_text
    assert report.days == [(DAY, 44, 0)]


def test_the_console_shows_reports_to_reviewers_and_the_csv_holds_reported_cells_only(make_staff) -> None:
    tenant = ad_panel(timezone="UTC")
    crowd(tenant, 10, "big.test")
    crowd(tenant, 9, "small.test")
    ad_daily_rollup(tenant=tenant, day=DAY)
    reviewer = make_staff(tenant=tenant, role=Role.REVIEWER)

    page = reviewer.client.get(f"/t/{tenant.slug}/console/ad-verification/reports/?start=2026-01-15&end=2026-01-15")
    csv = reviewer.client.get(f"/t/{tenant.slug}/console/ad-verification/reports.csv?start=2026-01-15&end=2026-01-15")
    body = b"".join(csv.streaming_content).decode()

    assert page.status_code == 200
    assert b"big.test" in page.content
    assert b"small.test" not in page.content
    assert body.splitlines() == [
        "day,domain,site,impressions,clicks,panelists",
        "2026-01-15,ads.adnet.test,big.test,20,0,10",
        "2026-01-15,ads.adnet.test,other,18,0,",
    ]


def test_a_device_active_on_enough_days_of_the_month_earns_the_monthly_reward() -> None:
    tenant = ad_panel(timezone="UTC")
    steady, casual = consenting_panelist(tenant), consenting_panelist(tenant)
    counts_at(steady, 1, [noon(date(2026, 1, d)) for d in range(1, 21)])  # 20 days: the default target
    counts_at(casual, 2, [noon(date(2026, 1, d)) for d in range(1, 20)])  # 19 days
    counts_at(casual, 3, [noon(date(2026, 1, 25))])  # another device does not add to the first one's days

    credits = list(month_credits(tenant, date(2026, 1, 1), date(2026, 2, 1)))

    assert [(c.panelist_id, c.amount, c.source) for c in credits] == [(steady.pk, 200, "adverification:2026-01")]
    source = REWARD_SOURCES.get(SOURCE_KEY)
    assert (source.purpose, source.reason) == ("ad_verification", "ad_month")
    assert source_label("adverification:2026-01", tenant) == "Ad verification, January 2026"


def test_a_partition_older_than_the_retention_is_dropped_and_the_purge_log_says_so() -> None:
    tenant = ad_panel()
    panelist = consenting_panelist(tenant)
    old = datetime.now(UTC).replace(day=1, hour=12, minute=0, second=0, microsecond=0) - timedelta(days=200)
    counts_at(panelist, 0, [old, old + timedelta(hours=1), old + timedelta(hours=2)])
    counts_at(panelist, 0, [datetime.now(UTC).replace(minute=0, second=0, microsecond=0)])  # this hour stays
    partition = f"adverification_adcount_{old:%Y%m}"

    counts = privacy_purge(tenant=tenant)

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [partition])
        assert cursor.fetchone()[0] is None
    assert counts["adverification.counts"] == 3
    log = PurgeLog.objects.for_tenant(tenant).get(category="adverification.counts")
    assert log.purged == 3
    assert AdCount.objects.for_tenant(tenant).count() == 1


def test_a_recent_partition_is_never_dropped_whatever_the_cutoff_asked() -> None:
    tenant = ad_panel()
    counts_at(consenting_panelist(tenant), 0, [datetime.now(UTC).replace(minute=0, second=0, microsecond=0)])

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM adverification_partitions_drop(now() + interval '1 year', false)")
        assert cursor.fetchone()[0] == 0
    assert AdCount.objects.for_tenant(tenant).count() == 1


def test_beat_makes_the_partitions_of_the_next_months_ahead() -> None:
    far = datetime(2031, 3, 5, tzinfo=UTC)

    created = ad_count_partitions_ensure(now=far)

    assert created == [
        "adverification_adcount_203103",
        "adverification_adcount_203104",
        "adverification_adcount_203105",
    ]
    assert ad_count_partitions_ensure(now=far) == []


def test_a_panelists_export_holds_their_devices_and_counts_and_erasure_deletes_them() -> None:
    tenant = ad_panel(timezone="UTC")
    panelist = consenting_panelist(tenant)
    device = paired(panelist, name="Laptop").device
    counts_at(panelist, device.pk, [noon()], count=5)
    ad_daily_rollup(tenant=tenant, day=DAY)
    person = Person(user=panelist.user, tenant=tenant, subject=panelist.public_id, scope="tenant")

    exported = json.dumps(
        [category_get(k).exporter(person) for k in ("adverification.counts", "adverification.devices")]
    )
    category_get("adverification.counts").eraser(person)
    category_get("adverification.devices").eraser(person)

    assert '"site": "publisher.test"' in exported
    assert '"count": 5' in exported
    assert '"name": "Laptop"' in exported
    assert not AdCount.objects.for_tenant(tenant).exists()
    assert not Device.objects.for_tenant(tenant).exists()
    assert not AdDaily.objects.for_tenant(tenant).exists()  # the roll-up was rebuilt without them


def test_deleting_a_day_removes_its_raw_rows_and_rebuilds_the_roll_up() -> None:
    tenant = ad_panel(timezone="UTC")
    leaving, staying = consenting_panelist(tenant), consenting_panelist(tenant)
    counts_at(leaving, 0, [noon()], count=4)
    counts_at(staying, 0, [noon()], count=1)
    ad_daily_rollup(tenant=tenant, day=DAY)

    response = signed_in(leaving).post(f"/t/{tenant.slug}/ad-verification/sent/2026-01-15/delete/")

    assert response.status_code == 302
    assert list(AdCount.objects.for_tenant(tenant).values_list("panelist_id", flat=True)) == [staying.pk]
    assert AdDaily.objects.for_tenant(tenant).get().impressions == 1


def test_the_home_shows_the_ad_verification_card() -> None:
    panelist = consenting_panelist(ad_panel())

    page = signed_in(panelist).get(f"/t/{panelist.tenant.slug}/home/")

    assert b'data-testid="home-card-ad-verification"' in page.content
    assert b"Pair a browser" in page.content
