"""Streamed exports of the consent log: CSV and JSON, sent as they are read, in constant memory.

CSV comes straight from PostgreSQL's ``COPY (SELECT ...) TO STDOUT WITH CSV``: the rows never become
Python objects, which makes the export about as fast as the database can write it (see
bench/consent_log.py). JSON is built from keyset batches (``event_stream``), a thousand rows a chunk.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime

import psycopg
from django.db import connection
from django.http import StreamingHttpResponse

from consent.selectors import EventFilter, event_search, event_stream
from tenants.models import Tenant

COLUMNS = [
    "seq", "occurred_at", "subject", "purpose_key", "kind", "document_version", "document_language",
    "document_sha256", "method", "actor", "prev_hash", "hash",
]  # fmt: skip


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def json_chunks(rows: Iterable[dict[str, object]], rows_per_chunk: int = 1000) -> Iterator[str]:
    yield "["
    buffer: list[str] = []
    first = True
    for row in rows:
        buffer.append(json.dumps({c: _plain(row[c]) for c in COLUMNS}, separators=(",", ":")))
        if len(buffer) == rows_per_chunk:
            yield ("" if first else ",") + ",".join(buffer)
            buffer, first = [], False
    if buffer:
        yield ("" if first else ",") + ",".join(buffer)
    yield "]"


def csv_copy_chunks(*, tenant: Tenant, filters: EventFilter) -> Iterator[bytes]:
    """The matching events as CSV (with a header), block by block, from PostgreSQL's COPY."""
    select, params = event_search(tenant=tenant, filters=filters).values_list(*COLUMNS).query.sql_with_params()
    connection.ensure_connection()
    raw = connection.connection
    # COPY takes no bind parameters: the values (the tenant id, the search) are quoted client-side
    # by psycopg, the same quoting its client-side cursor uses.
    bound = psycopg.ClientCursor(raw).mogrify(select, params)
    with raw.cursor() as cursor, cursor.copy(f"COPY ({bound}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
        yield from (bytes(block) for block in copy)


def export_response(*, tenant: Tenant, filters: EventFilter, fmt: str) -> StreamingHttpResponse:
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_copy_chunks(tenant=tenant, filters=filters), content_type="text/csv; charset=utf-8"
        )
    else:
        response = StreamingHttpResponse(
            json_chunks(event_stream(tenant=tenant, filters=filters)), content_type="application/json"
        )
    response["Content-Disposition"] = f'attachment; filename="consent-log-{tenant.slug}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response
