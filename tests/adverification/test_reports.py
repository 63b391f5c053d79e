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
from adverification.services.counts import ad_count_partitions_ensure, ad_daily_rollup, ad_day_delete
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
        "day,domain,site,impressions,clicks,panelists,k,epsilon",
        "2026-01-15,ads.adnet.test,big.test,20,0,10,10,",
        "2026-01-15,ads.adnet.test,other,18,0,,10,",
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


def rows_per_tenant(partition: str) -> dict[int, int]:
    """The real rows of a partition, counted the slow way."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tenant_id, count(*) FROM {partition} GROUP BY tenant_id")  # noqa: S608 (our own name)
        return dict(cursor.fetchall())


def test_the_purge_log_says_how_many_rows_each_panel_lost_with_a_partition_without_counting_it() -> None:
    here, there = ad_panel(timezone="UTC"), ad_panel(timezone="UTC")
    month = (datetime.now(UTC) - timedelta(days=200)).replace(day=1, hour=12, minute=0, second=0, microsecond=0)
    keeps, deletes_a_day, erased = (consenting_panelist(here) for _ in range(3))
    elsewhere = consenting_panelist(there)
    hours = [month + timedelta(days=d, hours=h) for d in range(3) for h in range(4)]  # 3 days of 4 hours
    for device, panelist in enumerate([keeps, deletes_a_day, erased, elsewhere]):
        counts_at(panelist, device, hours)
        counts_at(panelist, device + 16, hours[:5])  # a second device, on the same counter shard
    ad_day_delete(panelist=deletes_a_day, day=month.date() + timedelta(days=1))
    category_get("adverification.counts").eraser(
        Person(user=erased.user, tenant=here, subject=erased.public_id, scope="tenant")
    )
    partition = f"adverification_adcount_{month:%Y%m}"
    real = rows_per_tenant(partition)

    planned = privacy_purge(tenant=here, dry_run=True)
    purged = privacy_purge(tenant=here)

    assert real == {here.pk: 17 + 12, there.pk: 17}  # 12 + 5 rows; less the deleted day's 4 + 1; none erased
    assert planned["adverification.counts"] == purged["adverification.counts"] == real[here.pk]
    logged = {(log.tenant_id, log.dry_run): log.purged for log in PurgeLog.objects.unscoped()  # across tenants: both
              .filter(category="adverification.counts", tenant__in=[here, there])}  # fmt: skip
    assert logged == {(here.pk, True): real[here.pk], (here.pk, False): real[here.pk],
                      (there.pk, True): real[there.pk], (there.pk, False): real[there.pk]}  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [partition])
        assert cursor.fetchone()[0] is None
        cursor.execute("SELECT count(*) FROM adverification_adcount_rows WHERE month = %s", [month.date()])
        assert cursor.fetchone()[0] == 0  # the partition's counters went with it


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


def cells_of(tenant, sites: dict[str, int], day: date = DAY) -> None:
    """Raw rows of ``day``: for each site, that many distinct panelists (ids only: the table has no
    foreign keys), each with 3 impressions and 1 click."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT adverification_partition_ensure(%s)", [day])
        for n, (site, panelists) in enumerate(sites.items()):
            for panelist_id in range(1, panelists + 1):
                for kind, domain, count in (("impression", "ads.adnet.test", 3), ("click", "shop.brand.test", 1)):
                    cursor.execute(
                        "INSERT INTO adverification_adcount (tenant_id, panelist_id, device_id, batch_id, hour, kind,"
                        " domain, site, count) VALUES (%s, %s, 0, gen_random_uuid(), %s, %s, %s, %s, %s)",
                        [tenant.pk, 1000 * n + panelist_id, noon(day), kind, domain, site, count],
                    )
    ad_daily_rollup(tenant=tenant, day=day)


def figures(report) -> list[tuple[str, str, int, int, int | None]]:
    return [(c.domain, c.site, c.impressions, c.clicks, c.panelists) for c in report.cells]


def test_a_noisy_report_differs_from_the_exact_one_but_stays_close_for_a_large_epsilon() -> None:
    tenant = ad_panel(timezone="UTC")  # k = 10
    cells_of(tenant, {f"site{n}.test": 10 + n for n in range(12)} | {"small.test": 9})

    exact = ad_report(tenant=tenant, start=DAY, end=DAY)
    noisy = ad_report(tenant=tenant, start=DAY, end=DAY, epsilon=0.5)
    close = ad_report(tenant=tenant, start=DAY, end=DAY, epsilon=10)

    assert (exact.epsilon, noisy.epsilon, close.epsilon) == (None, 0.5, 10)
    assert [(c.domain, c.site) for c in noisy.cells] == [(c.domain, c.site) for c in exact.cells]
    assert figures(noisy) != figures(exact)
    for before, after in zip(exact.cells, close.cells, strict=True):
        assert abs(after.impressions - before.impressions) <= 3
        assert abs(after.clicks - before.clicks) <= 3
        assert before.panelists is None or abs((after.panelists or 0) - before.panelists) <= 3
    # "other" (the merged small cells) gets no noise and names no site
    assert [c for c in noisy.cells if c.site == OTHER] == [c for c in exact.cells if c.site == OTHER]
    assert "small.test" not in {c.site for c in noisy.cells}


def test_the_same_report_and_epsilon_give_the_same_noise_so_reloading_cannot_average_it_away() -> None:
    tenant = ad_panel(timezone="UTC")
    cells_of(tenant, {f"site{n}.test": 10 for n in range(8)})

    first = ad_report(tenant=tenant, start=DAY, end=DAY, epsilon=0.2)
    again = ad_report(tenant=tenant, start=DAY, end=DAY, epsilon=0.2)

    assert figures(first) == figures(again)


def test_a_noisy_csv_says_its_epsilon_and_still_never_holds_a_cell_under_k(make_staff) -> None:
    tenant = ad_panel(timezone="UTC")
    cells_of(tenant, {"big.test": 10, "small.test": 9})
    reviewer = make_staff(tenant=tenant, role=Role.REVIEWER)
    url = f"/t/{tenant.slug}/console/ad-verification/reports"

    page = reviewer.client.get(f"{url}/?start=2026-01-15&end=2026-01-15&epsilon=1")
    csv = reviewer.client.get(f"{url}.csv?start=2026-01-15&end=2026-01-15&epsilon=1")
    lines = b"".join(csv.streaming_content).decode().splitlines()

    assert page.status_code == 200
    assert b'data-testid="ad-report-epsilon"' in page.content
    assert b"small.test" not in page.content
    assert lines[0] == "day,domain,site,impressions,clicks,panelists,k,epsilon"
    assert [line.split(",")[2] for line in lines[1:]] == ["big.test", "other", "big.test", "other"]
    assert {line.split(",")[-2:][0] for line in lines[1:]} == {"10"}
    assert {line.split(",")[-1] for line in lines[1:]} == {"1.0"}
    assert "small.test" not in "".join(lines)


@pytest.mark.parametrize("epsilon", ["0", "-1", "100", "nan", "inf", "lots"])
def test_an_epsilon_out_of_range_is_refused_with_the_reason(make_staff, epsilon: str) -> None:
    tenant = ad_panel(timezone="UTC")
    reviewer = make_staff(tenant=tenant, role=Role.REVIEWER)
    url = f"/t/{tenant.slug}/console/ad-verification/reports"

    page = reviewer.client.get(f"{url}/?epsilon={epsilon}")
    csv = reviewer.client.get(f"{url}.csv?epsilon={epsilon}")

    assert page.status_code == csv.status_code == 400
    assert b'data-testid="refusal"' in page.content
    assert b"epsilon" in page.content


def test_the_report_draws_its_days_as_svg_bars_without_script_or_style(make_staff) -> None:
    tenant = ad_panel(timezone="UTC")
    cells_of(tenant, {"big.test": 10})
    cells_of(tenant, {"big.test": 20}, day=DAY + timedelta(days=2))
    reviewer = make_staff(tenant=tenant, role=Role.REVIEWER)

    page = reviewer.client.get(f"/t/{tenant.slug}/console/ad-verification/reports/?start=2026-01-15&end=2026-01-17")
    html = page.content.decode()
    charts = [part.split("</figure>")[0] for part in html.split('data-testid="ad-chart"')[1:]]

    assert len(charts) == 2  # impressions, then clicks
    impressions = charts[0]
    assert "<svg" in impressions
    assert 'data-day="2026-01-15" data-value="30"' in impressions
    assert 'data-day="2026-01-16" data-value="0"' in impressions
    assert 'data-day="2026-01-17" data-value="60"' in impressions
    assert 'data-day="2026-01-17" data-value="20"' in charts[1]
    markup = "".join(charts).replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert not any(word in markup for word in ("<script", "<style", "style=", "http:", "https:"))


def test_the_wallet_shows_this_months_active_days_against_the_target_and_counts_the_reward_once_reached() -> None:
    tenant = ad_panel(timezone="UTC")
    paired_only, started, reached = (consenting_panelist(tenant) for _ in range(3))
    paired(paired_only)
    first = datetime.now(UTC).replace(day=1, hour=12, minute=0, second=0, microsecond=0)
    counts_at(started, 7, [first + timedelta(days=d) for d in range(3)])
    counts_at(reached, 8, [first + timedelta(days=d) for d in range(20)])  # the default target: 20 days

    pages = {p: signed_in(p).get(f"/t/{tenant.slug}/wallet/").content.decode() for p in (paired_only, started, reached)}

    assert "0 of 20 active days (20 days earn 2.00 EUR)" in pages[paired_only]
    assert "3 of 20 active days (20 days earn 2.00 EUR)" in pages[started]
    assert "20 of 20 active days, target reached: 2.00 EUR" in pages[reached]
    pending = {p: p_html.split('data-testid="pending">')[1].split("<")[0] for p, p_html in pages.items()}
    assert pending == {paired_only: "0.00 EUR", started: "0.00 EUR", reached: "2.00 EUR"}
