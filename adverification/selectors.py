"""Reads of ad verification: the program, devices, a panelist's own counts, reports, active days."""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cache

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from adverification.charts import DayChart, day_chart
from adverification.models import K_FLOOR, AdCount, AdDaily, AdProgram, Device
from adverification.noise import noisy
from consent.services.consent import consent_require
from core import rows
from core.csvfiles import csv_line_writer
from core.errors import DomainError
from panel.models import Panelist
from rewards.periods import month_start_local, next_month
from rewards.selectors import reward_settings_get
from tenants.console import OverviewCard
from tenants.models import Tenant
from tenants.roles import Perm

OTHER = "other"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ad_program_get(*, tenant: Tenant) -> AdProgram:
    """The tenant's program, or an unsaved one with the defaults (an empty watch list: closed)."""
    return AdProgram.objects.for_tenant(tenant).first() or AdProgram(tenant=tenant)


@dataclass(frozen=True)
class WatchList:
    ad_domains: frozenset[str]  # a request to one of them is an impression
    landing_domains: frozenset[str]  # a navigation to one of them is a click


# Per process, by (tenant, the program's ``updated_at``): the version comes with the device in the
# token's own query, so a changed watch list is read again at once, and an unchanged one never.
_WATCH_LISTS: dict[tuple[int, datetime], WatchList] = {}
_WATCH_LISTS_MAX = 1000


def watch_list_get(*, tenant: Tenant, version: datetime | None) -> WatchList:
    """The tenant's watch list as sets, read once per version of its program (``None``, an unknown
    version or no program: read now and not kept)."""
    found = _WATCH_LISTS.get((tenant.pk, version)) if version is not None else None
    if found is None:
        program = ad_program_get(tenant=tenant)
        found = WatchList(frozenset(program.ad_domains), frozenset(program.landing_domains))
        if version is not None and program.updated_at == version:
            if len(_WATCH_LISTS) >= _WATCH_LISTS_MAX:
                _WATCH_LISTS.clear()
            _WATCH_LISTS[(tenant.pk, version)] = found
    return found


def device_list(*, panelist: Panelist) -> QuerySet[Device]:
    """A panelist's devices, newest first, revoked ones included (they say why)."""
    return Device.objects.for_tenant(panelist.tenant).filter(panelist=panelist).order_by("-created_at", "-id")


def device_get(*, panelist: Panelist, device_id: int) -> Device:
    """One of the panelist's own devices; anyone else's (or none) is a 404."""
    device = device_list(panelist=panelist).filter(pk=device_id).first()
    if device is None:
        raise Http404("No such device.")
    return device


def device_active_count(*, panelist: Panelist) -> int:
    return int(device_list(panelist=panelist).filter(revoked_at__isnull=True).count())


@cache
def _device_sql() -> str:
    # One round trip and no ORM compile for every upload: the device, its panelist, its panel and the
    # version of the panel's watch list (so that the ingest knows whether its copy is current).
    return (
        f"SELECT {rows.columns(Device, 'd')}, {rows.columns(Panelist, 'p')}, {rows.columns(Tenant, 't')},"  # noqa: S608 (model metadata)
        " (SELECT a.updated_at FROM adverification_adprogram a WHERE a.tenant_id = d.tenant_id)"
        " FROM adverification_device d JOIN panel_panelist p ON p.id = d.panelist_id AND p.tenant_id = d.tenant_id"
        " JOIN tenants_tenant t ON t.id = d.tenant_id WHERE d.token_prefix = %s"
    )


def device_for_token(*, token: str) -> Device | None:
    """The active device a token belongs to, with its panelist and panel, or None (unknown,
    malformed or revoked). ``watch_list_version`` is its panel's program's ``updated_at``."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != "fpd":
        return None
    with connection.cursor() as cursor:
        # across tenants: the token names its device, and so its tenant
        cursor.execute(_device_sql(), [parts[1]])
        row = cursor.fetchone()
    if row is None:
        return None
    device = rows.instance(Device, row)
    if not hmac.compare_digest(device.token_hash, token_hash(token)):
        return None
    panelist = rows.instance(Panelist, row, rows.width(Device))
    tenant = rows.instance(Tenant, row, rows.width(Device) + rows.width(Panelist))
    device.tenant = panelist.tenant = tenant
    device.panelist = panelist
    device.watch_list_version = row[-1]  # type: ignore[attr-defined]
    return device if device.is_active else None


@dataclass(frozen=True)
class SentDay:
    day: date
    impressions: int
    clicks: int
    sites: list[tuple[str, str, int, int]] = field(default_factory=list)  # (site, domain, impressions, clicks)


# The day of an hour is the day in the tenant's time zone: ``(hour AT TIME ZONE %s)::date`` with the
# tenant's zone as the parameter, in every query below.


def panelist_sent_days(*, panelist: Panelist) -> list[SentDay]:
    """What the panelist's browsers sent, per day (the tenant's) and site, newest day first."""
    tenant = panelist.tenant
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (hour AT TIME ZONE %s)::date AS day, site, domain,"
            " sum(count) FILTER (WHERE kind = 'impression'), sum(count) FILTER (WHERE kind = 'click')"
            " FROM adverification_adcount WHERE tenant_id = %s AND panelist_id = %s"
            " GROUP BY 1, 2, 3 ORDER BY 1 DESC, 2, 3",
            [tenant.timezone, tenant.pk, panelist.pk],
        )
        rows = cursor.fetchall()
    days: dict[date, list[tuple[str, str, int, int]]] = defaultdict(list)
    for day, site, domain, impressions, clicks in rows:
        days[day].append((site, domain, int(impressions or 0), int(clicks or 0)))
    return [SentDay(day, sum(s[2] for s in sites), sum(s[3] for s in sites), sites) for day, sites in days.items()]


def panelist_counts_on_day(*, panelist: Panelist, day: date) -> QuerySet[AdCount]:
    """The panelist's raw rows of one day of the tenant."""
    tz = panelist.tenant.tzinfo
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    return AdCount.objects.for_tenant(panelist.tenant).filter(
        panelist_id=panelist.pk, hour__gte=start, hour__lt=start + timedelta(days=1)
    )


def active_days(*, tenant: Tenant, start: datetime, end: datetime, panelist: Panelist | None = None) -> dict[int, int]:
    """Per panelist, the most days of the tenant on which one of their devices sent counts, between
    ``start`` and ``end``: a device is active on a day it counted anything."""
    only = panelist.pk if panelist is not None else None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT panelist_id, max(days) FROM ("
            " SELECT panelist_id, device_id, count(DISTINCT (hour AT TIME ZONE %s)::date) AS days"
            " FROM adverification_adcount"
            " WHERE tenant_id = %s AND hour >= %s AND hour < %s AND (%s::bigint IS NULL OR panelist_id = %s)"
            " GROUP BY panelist_id, device_id) d GROUP BY panelist_id",
            [tenant.timezone, tenant.pk, start, end, only, only],
        )
        return {panelist_id: int(days) for panelist_id, days in cursor.fetchall()}


@dataclass(frozen=True)
class MonthProgress:
    active_days: int
    target: int
    amount: int


def panelist_month_progress(*, panelist: Panelist) -> MonthProgress:
    """This month's active days (the tenant's month) against the target, and what reaching it pays."""
    tenant = panelist.tenant
    settings = reward_settings_get(tenant=tenant)
    start = datetime.combine(month_start_local(tenant), datetime.min.time(), tzinfo=tenant.tzinfo)
    end = datetime.combine(next_month(start.date()), datetime.min.time(), tzinfo=tenant.tzinfo)
    days = active_days(tenant=tenant, start=start, end=end, panelist=panelist).get(panelist.pk, 0)
    return MonthProgress(days, settings.ad_verification_active_days, settings.ad_verification_monthly)


# --- reports -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportCell:
    day: date
    domain: str
    site: str  # OTHER for the merged small cells
    impressions: int
    clicks: int
    panelists: int | None  # None for "other", a merge of cells whose panelists may overlap


@dataclass(frozen=True)
class Report:
    k: int
    start: date
    end: date
    cells: list[ReportCell]
    days: list[tuple[date, int, int]]  # per day: impressions, clicks (of the reported cells and "other")
    hidden_cells: int
    epsilon: float | None = None  # the noise's, when the reviewer asked for it


def ad_report(*, tenant: Tenant, start: date, end: date, k: int | None = None, epsilon: float | None = None) -> Report:
    """The roll-ups of ``start`` to ``end`` (inclusive): a cell (watched domain, site, day) appears only
    with at least k distinct panelists; smaller cells of a domain and day merge into "other", which
    names no site. k is the tenant's, never below the floor. With ``epsilon``, the cells that passed
    k get noise on their figures (``adverification.noise``); "other" stays as it is."""
    k = max(k or ad_program_get(tenant=tenant).k_anonymity, K_FLOOR)
    rows = AdDaily.objects.for_tenant(tenant).filter(day__gte=start, day__lte=end).order_by("day", "domain", "site")
    cells: list[ReportCell] = []
    other: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0])
    hidden = 0
    for row in rows:
        if row.panelists >= k:
            cells.append(ReportCell(row.day, row.domain, row.site, row.impressions, row.clicks, row.panelists))
        else:
            hidden += 1
            other[(row.day, row.domain)][0] += row.impressions
            other[(row.day, row.domain)][1] += row.clicks
    if epsilon is not None and cells:
        figures = [(cell.impressions, cell.clicks, cell.panelists or 0) for cell in cells]
        drawn = noisy(scope=f"{tenant.pk}:{start}:{end}:{k}", figures=figures, epsilon=epsilon)
        cells = [
            replace(cell, impressions=i, clicks=c, panelists=p) for cell, (i, c, p) in zip(cells, drawn, strict=True)
        ]
    cells += [ReportCell(day, domain, OTHER, i, c, None) for (day, domain), (i, c) in other.items()]
    cells.sort(key=lambda cell: (cell.day, cell.domain, cell.site == OTHER, cell.site))
    per_day: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for cell in cells:
        per_day[cell.day][0] += cell.impressions
        per_day[cell.day][1] += cell.clicks
    days = [(day, i, c) for day, (i, c) in sorted(per_day.items())]
    return Report(k, start, end, cells, days, hidden, epsilon)


def ad_report_charts(*, report: Report) -> list[DayChart]:
    """The report's impressions and clicks per day, as two bar charts."""
    return [
        day_chart(title=str(_("Impressions per day")), start=report.start, end=report.end,
                  values={day: impressions for day, impressions, _clicks in report.days}),
        day_chart(title=str(_("Clicks per day")), start=report.start, end=report.end,
                  values={day: clicks for day, _impressions, clicks in report.days}),
    ]  # fmt: skip


def ad_overview_cards(tenant: Tenant) -> list[OverviewCard]:
    """The console overview's figures: devices paired now, ads counted in the last 7 days."""
    since = (timezone.now() - timedelta(days=7)).astimezone(tenant.tzinfo).date()
    devices = Device.objects.for_tenant(tenant).aggregate(active=Count("id", filter=Q(revoked_at__isnull=True)))
    sums = AdDaily.objects.for_tenant(tenant).filter(day__gte=since).aggregate(impressions=Sum("impressions"))
    return [
        OverviewCard(_("Browsers paired for ad verification"), int(devices["active"] or 0), Perm.AD_REPORTS_VIEW),
        OverviewCard(_("Ads counted in the last 7 days"), int(sums["impressions"] or 0), Perm.AD_REPORTS_VIEW),
    ]


def ad_consent_active(*, panelist: Panelist) -> bool:
    """Whether the panelist consents to ad verification now (its current major version)."""
    try:
        consent_require(tenant=panelist.tenant, subject=panelist.public_id, purpose_key="ad_verification")
    except DomainError:
        return False
    return True


def report_range(*, tenant: Tenant, start: str | None, end: str | None) -> tuple[date, date]:
    """The days a report covers: what was asked (YYYY-MM-DD), else the last 28 days of the tenant."""
    today = timezone.now().astimezone(tenant.tzinfo).date()

    def parse(text: str | None, default: date) -> date:
        try:
            return date.fromisoformat(text) if text else default
        except ValueError:
            return default

    first, last = parse(start, today - timedelta(days=27)), parse(end, today)
    return (last, first) if first > last else (first, last)


def ad_report_csv(*, report: Report) -> Iterator[str]:
    """The reported cells only (never a hidden one), as CSV rows; "other" has no panelist count. The
    last columns say how the cells were protected: k, and the noise's epsilon (empty: exact)."""
    writer = csv_line_writer()
    yield writer.writerow(["day", "domain", "site", "impressions", "clicks", "panelists", "k", "epsilon"])
    epsilon = "" if report.epsilon is None else report.epsilon
    for cell in report.cells:
        panelists = "" if cell.panelists is None else cell.panelists
        yield writer.writerow([cell.day.isoformat(), cell.domain, cell.site, cell.impressions, cell.clicks, panelists,
                               report.k, epsilon])  # fmt: skip
