"""Streamed exports of the consent log: CSV and JSON, sent as they are read, in constant memory.

CSV comes straight from PostgreSQL's ``COPY (SELECT ...) TO STDOUT WITH CSV``: the rows never become
Python objects, which makes the export about as fast as the database can write it (see
bench/consent_log.py). JSON is built from keyset batches, a thousand rows a chunk.

This module shapes the response; the rows come from ``consent.selectors`` (``consent_event_csv_chunks``,
``consent_event_stream``), so it neither reads nor writes the database itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.http import StreamingHttpResponse

from consent.selectors import EVENT_COLUMNS, EventFilter, consent_event_csv_chunks, consent_event_stream
from tenants.models import Tenant


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def json_chunks(rows: Iterable[dict[str, object]], rows_per_chunk: int = 1000) -> Iterator[str]:
    yield "["
    buffer: list[str] = []
    first = True
    for row in rows:
        buffer.append(json.dumps({c: _plain(row[c]) for c in EVENT_COLUMNS}, separators=(",", ":")))
        if len(buffer) == rows_per_chunk:
            yield ("" if first else ",") + ",".join(buffer)
            buffer, first = [], False
    if buffer:
        yield ("" if first else ",") + ",".join(buffer)
    yield "]"


def export_response(*, tenant: Tenant, filters: EventFilter, fmt: str) -> StreamingHttpResponse:
    if fmt == "csv":
        response = StreamingHttpResponse(
            consent_event_csv_chunks(tenant=tenant, filters=filters), content_type="text/csv; charset=utf-8"
        )
    else:
        response = StreamingHttpResponse(
            json_chunks(consent_event_stream(tenant=tenant, filters=filters)), content_type="application/json"
        )
    response["Content-Disposition"] = f'attachment; filename="consent-log-{tenant.slug}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response
