"""The ingest of a batch of counts from a device: all or nothing, idempotent by the batch's UUID.

A line is ``{"domain", "site", "hour", "kind", "count"}`` and nothing else: a watched domain (an ad
domain for an impression, a landing domain for a click), the registrable domain of the site where it
happened, a whole UTC hour of the last 7 days (never the future), and a count of 1 to
``MAX_COUNT``. The first wrong line refuses the whole batch with a 4xx whose ``fields`` name it
(``counts.<index>.<field>``), before anything is written.

Accepted lines are loaded with ``COPY`` in the same transaction as the batch's row, whose unique
(tenant, UUID) makes a retry safe under concurrency: a second request with the same UUID waits for
the first to commit, then finds its row and answers as the first did (same content) or is refused as
a replay (other content, or another device). Rate limits per device and per panelist run first.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from adverification.domains import is_registrable
from adverification.errors import BatchReplayed, BatchTooLarge, DeviceRevoked, LineRefused
from adverification.models import AdBatch, AdCount, Device
from adverification.selectors import WatchList, watch_list_get
from adverification.services.devices import PURPOSE, device_seen
from adverification.services.limits import Limit, limits_hit
from consent.services.consent import consent_require
from core.errors import DomainError
from panel.models import Panelist

MAX_LINES = 1000
MAX_COUNT = 10_000  # in one hour, one site and one domain: more is not a person browsing
MAX_AGE = timedelta(days=7)
FIELDS = frozenset({"domain", "site", "hour", "kind", "count"})
COLUMNS = "tenant_id, panelist_id, device_id, batch_id, hour, kind, domain, site, count"
IMPRESSION, CLICK = AdCount.Kind.IMPRESSION.value, AdCount.Kind.CLICK.value


@dataclass(frozen=True)
class Ingested:
    batch_id: str
    accepted: int
    received_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {"batch_id": self.batch_id, "accepted": self.accepted, "received_at": self.received_at.isoformat()}


def _refuse(index: int, field: str, code: str, message: str) -> LineRefused:
    return LineRefused(f"Line {index}: {message}", code=code, fields={f"counts.{index}.{field}": [message]})


def _hour(index: int, value: object, now: datetime) -> str:
    """A whole UTC hour of the last 7 days, as COPY's text of it."""
    if not isinstance(value, str):
        raise _refuse(index, "hour", "hour_invalid", "Give the hour as an ISO 8601 time in UTC.")
    try:
        hour = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _refuse(index, "hour", "hour_invalid", "Give the hour as an ISO 8601 time in UTC.") from None
    if hour.tzinfo is None or hour.utcoffset() != timedelta(0):
        raise _refuse(index, "hour", "hour_invalid", "Give the hour in UTC (ending in Z).")
    if hour.minute or hour.second or hour.microsecond:
        raise _refuse(index, "hour", "hour_not_whole", "Give the start of an hour (minutes and seconds 0).")
    if hour > now:
        raise _refuse(index, "hour", "hour_in_future", "This hour has not started yet.")
    if hour < now.replace(minute=0, second=0, microsecond=0) - MAX_AGE:
        raise _refuse(index, "hour", "hour_too_old", "Counts older than 7 days are not accepted.")
    return f"{hour:%Y-%m-%d %H}:00:00+00"


def _fields(index: int, line: object) -> None:
    if type(line) is not dict:
        raise _refuse(index, "line", "line_invalid", "Each line is an object.")
    extra, missing = sorted(set(line) - FIELDS), sorted(FIELDS - set(line))
    field = (extra or missing)[0]
    what = f"unknown field {field!r}" if extra else f"missing field {field!r}"
    raise _refuse(index, field, "line_fields", f"A line has exactly domain, site, hour, kind and count ({what}).")


def _lines(counts: list[Any], watch: WatchList, now: datetime) -> list[str]:
    """Each line checked in plain Python, in the order of the checks of a line (fields, kind, domain,
    site, count, hour), as the text COPY reads after the batch's own columns.

    A batch repeats its hours and sites: each distinct one is checked once. Every value that reaches
    the text is a watched domain, a registrable domain, a fixed kind, a whole number or an hour this
    function wrote, so none holds a tab, a newline or a backslash, and none needs escaping."""
    hours: dict[object, str] = {}
    sites: set[str] = set()
    out = []
    for index, line in enumerate(counts):
        if type(line) is not dict or line.keys() != FIELDS:
            _fields(index, line)
        kind, domain, site, count = line["kind"], line["domain"], line["site"], line["count"]
        if kind == IMPRESSION:
            watched = watch.ad_domains
        elif kind == CLICK:
            watched = watch.landing_domains
        else:
            raise _refuse(index, "kind", "kind_invalid", "The kind is 'impression' or 'click'.")
        if type(domain) is not str or domain not in watched:
            raise _refuse(
                index, "domain", "domain_not_watched", f"This domain is not on the panel's {kind} watch list."
            )
        if type(site) is not str or (site not in sites and not is_registrable(site)):
            raise _refuse(
                index, "site", "site_invalid", "The site is a registrable domain (example.co.uk), nothing more."
            )
        sites.add(site)
        if type(count) is not int or not 1 <= count <= MAX_COUNT:
            raise _refuse(index, "count", "count_out_of_range", f"A count is a whole number from 1 to {MAX_COUNT}.")
        hour = line["hour"]
        text = hours.get(hour) if type(hour) is str else None
        if text is None:
            text = hours[hour] = _hour(index, hour, now)
        out.append(f"{text}\t{kind}\t{domain}\t{site}\t{count}\n")
    return out


def _batch_id(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise DomainError(
            "The batch needs a UUID.", code="batch_id_invalid", fields={"batch_id": ["Give a random UUID."]}
        ) from None


def _limits(device: Device) -> None:
    limits_hit(
        Limit("device", str(device.pk), settings.AD_BATCHES_PER_DEVICE_HOUR, 3600,
              "This device has sent too many batches this hour: try again in the next one."),
        Limit("panelist", str(device.panelist_id), settings.AD_BATCHES_PER_PANELIST_HOUR, 3600,
              "Your devices have sent too many batches this hour: try again in the next one."),
    )  # fmt: skip


def ad_batch_ingest(*, device: Device, batch_id: object, counts: object) -> Ingested:
    """Check a batch whole, then store it once. See the module's docstring."""
    tenant = device.tenant
    if not device.is_active or device.panelist.status != Panelist.Status.ACTIVE:
        raise DeviceRevoked("This device was removed: pair it again from your panel's page.")
    consent_require(tenant=tenant, subject=device.panelist.public_id, purpose_key=PURPOSE)
    _limits(device)
    batch_uuid = _batch_id(batch_id)
    if not isinstance(counts, list) or not counts:
        raise DomainError("A batch has a list of counts.", code="batch_empty", fields={"counts": ["Send 1 to 1000."]})
    if len(counts) > MAX_LINES:
        raise BatchTooLarge(
            f"A batch holds at most {MAX_LINES} counts; this one has {len(counts)}.",
            fields={"counts": [f"Send at most {MAX_LINES} a batch."]},
        )
    watch = watch_list_get(tenant=tenant, version=getattr(device, "watch_list_version", None))
    lines = _lines(counts, watch, timezone.now())
    # The digest of the checked lines, not of the JSON: the same counts are the same batch, however
    # the client spelled its JSON.
    digest = hashlib.sha256("".join(lines).encode()).hexdigest()
    return _store(device, batch_uuid, digest, lines)


@transaction.atomic
def _store(device: Device, batch_uuid: uuid.UUID, digest: str, lines: list[str]) -> Ingested:
    tenant = device.tenant
    with connection.cursor() as cursor:
        # Waits for a concurrent request with the same UUID to finish; then exactly one of them inserts.
        cursor.execute(
            "INSERT INTO adverification_adbatch (tenant_id, batch_id, device_id, content_sha256, lines, received_at)"
            " VALUES (%s, %s, %s, %s, %s, now()) ON CONFLICT (tenant_id, batch_id) DO NOTHING RETURNING received_at",
            [tenant.pk, batch_uuid, device.pk, digest, len(lines)],
        )
        inserted = cursor.fetchone()
    if inserted is None:
        first = AdBatch.objects.for_tenant(tenant).get(batch_id=batch_uuid)
        if first.device_id != device.pk or first.content_sha256 != digest:
            raise BatchReplayed("This batch UUID was used for other counts: draw a new UUID for new counts.")
        return Ingested(str(batch_uuid), first.lines, first.received_at)
    # One COPY of the whole batch, in text format: the batch's own columns, then each checked line.
    fixed = f"{tenant.pk}\t{device.panelist_id}\t{device.pk}\t{batch_uuid}\t"
    raw = connection.connection
    with raw.cursor() as cursor, cursor.copy(f"COPY adverification_adcount ({COLUMNS}) FROM STDIN") as copy:
        copy.write((fixed + fixed.join(lines)).encode())
    device_seen(device=device)
    return Ingested(str(batch_uuid), len(lines), inserted[0])
