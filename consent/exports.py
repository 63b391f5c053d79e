"""Streamed exports of the consent log: CSV and JSON, written row by row as they are read.

A million events export in constant memory: rows come from keyset batches (``event_stream``) and
leave as soon as they are formatted.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.http import StreamingHttpResponse

from consent.selectors import EventFilter, event_stream
from tenants.models import Tenant

COLUMNS = [
    "seq", "occurred_at", "subject", "purpose_key", "kind", "document_version", "document_language",
    "document_sha256", "method", "actor", "prev_hash", "hash",
]  # fmt: skip


class _Line:
    """A file-like object whose write() hands back what csv.writer writes."""

    def write(self, value: str) -> str:
        return value


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def csv_lines(rows: Iterable[dict[str, object]]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(COLUMNS)
    for row in rows:
        yield writer.writerow([_plain(row[column]) for column in COLUMNS])


def json_chunks(rows: Iterable[dict[str, object]]) -> Iterator[str]:
    yield "["
    first = True
    for row in rows:
        yield ("" if first else ",") + json.dumps({c: _plain(row[c]) for c in COLUMNS}, separators=(",", ":"))
        first = False
    yield "]"


def export_response(*, tenant: Tenant, filters: EventFilter, fmt: str) -> StreamingHttpResponse:
    rows = event_stream(tenant=tenant, filters=filters)
    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(json_chunks(rows), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="consent-log-{tenant.slug}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response
