"""Exporting and verifying a consent log of a million events.

In one run, on one machine, with BENCH_EVENTS events (default 1,000,000) in one tenant's chain:
- export: the auditor's CSV export through the real view (streamed), against the baseline of
  PostgreSQL's own ``COPY (SELECT ...) TO STDOUT WITH CSV`` of the same rows;
- verify: ``chain_verify`` (read every event in keyset batches and recompute its hash), against the
  baseline of only reading the same rows the same way;
- JSON export: through the real view too (built in Python from keyset batches);
- memory: how much the process's peak resident memory grew during the exports (ru_maxrss), which
  stays flat however long the log is, because both exports stream.

The events are written with COPY inside a transaction that is rolled back at the end: the benchmark
leaves nothing behind (the log is append-only, so rolling back is the only way to remove them).
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from consent.chain import canonical  # noqa: E402
from consent.models import ConsentChain, ConsentEvent  # noqa: E402
from consent.selectors import chain_events, chain_verify  # noqa: E402
from tenants.models import Membership, Tenant  # noqa: E402
from tenants.roles import Role  # noqa: E402

EVENTS = int(os.environ.get("BENCH_EVENTS", "1000000"))
COLUMNS = (
    "tenant_id", "seq", "subject", "purpose_key", "kind", "document_version", "document_language",
    "document_sha256", "method", "actor", "occurred_at", "prev_hash", "hash",
)  # fmt: skip


class Rollback(Exception):
    pass


def write_chain(tenant: Tenant) -> str:
    doc_sha = hashlib.sha256(b"bench terms").hexdigest()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    prev = "0" * 64
    # Events are appended after the chain head (a trigger): the head exists first, and moves at the end.
    ConsentChain.objects.create(tenant=tenant)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY consent_consentevent ({', '.join(COLUMNS)}) FROM STDIN") as copy,
    ):
        for seq in range(1, EVENTS + 1):
            fields = {
                "seq": seq,
                "subject": f"pn_{seq % 50_000:020x}",
                "purpose_key": ("surveys", "receipts", "ad_verification")[seq % 3],
                "kind": "withdraw" if seq % 7 == 0 else "grant",
                "document_version": 1,
                "document_language": "en",
                "document_sha256": doc_sha,
                "method": "web",
                "actor": "subject",
                "occurred_at": start + timedelta(seconds=seq),
                "prev_hash": prev,
            }
            prev = hashlib.sha256(canonical(tenant.pk, fields)).hexdigest()
            copy.write_row((tenant.pk, *[fields[c] for c in COLUMNS[1:-1]], prev))
    ConsentChain.objects.filter(tenant=tenant).update(last_seq=EVENTS, last_hash=prev)
    # A log that grew to a million events would have been analysed by autovacuum long ago; these rows
    # arrived in one transaction, so refresh the planner's statistics by hand.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE consent_consentevent")
    return prev


def timed(fn):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def main() -> dict[str, object]:
    result: dict[str, object] = {}
    try:
        with transaction.atomic():
            tenant = Tenant.objects.create(slug="bench-consent", name="Bench", country="US", currency="USD")
            write_seconds, _ = timed(lambda: write_chain(tenant))
            assert ConsentEvent.objects.unscoped().filter(tenant=tenant).count() == EVENTS

            # verify vs reading the same rows
            read_seconds, read_count = timed(lambda: sum(1 for _ in chain_events(tenant=tenant)))
            verify_seconds, report = timed(lambda: chain_verify(tenant=tenant))
            assert report.ok, report.describe()
            assert report.events == EVENTS == read_count

            # export through the real view (an auditor's session) vs PostgreSQL's COPY TO
            from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
            from django.contrib.auth import get_user_model

            auditor = get_user_model().objects.create_user(email="bench-auditor@example.test", password="x" * 12)
            Membership.objects.create(tenant=tenant, user=auditor, role=Role.AUDITOR)
            client = Client()
            client.force_login(auditor)
            session = client.session
            session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "mfa", "at": time.time()}]
            session["account_authentication_methods_user"] = str(auditor.pk)
            session.save()

            def export(fmt: str) -> int:
                response = client.get(f"/t/bench-consent/console/consent/export.{fmt}")
                assert response.status_code == 200
                return sum(len(chunk) for chunk in response.streaming_content)  # type: ignore[attr-defined,misc]

            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            export_seconds, export_bytes = timed(lambda: export("csv"))
            json_seconds, json_bytes = timed(lambda: export("json"))
            rss_growth_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before

            def copy_out() -> int:
                total = 0
                columns = "seq, occurred_at, subject, purpose_key, kind, document_version, document_language, "
                columns += "document_sha256, method, actor, prev_hash, hash"
                where = f"tenant_id = {int(tenant.pk)}"  # an integer id, never input
                query = f"SELECT {columns} FROM consent_consentevent WHERE {where} ORDER BY seq"  # noqa: S608
                with (
                    connection.cursor() as cursor,
                    cursor.cursor.copy(f"COPY ({query}) TO STDOUT WITH CSV HEADER") as copy,
                ):
                    for block in copy:
                        total += len(block)
                return total

            copy_seconds, copy_bytes = timed(copy_out)
            result = {
                "benchmark": "consent_log",
                "events": EVENTS,
                "write_chain_with_copy_s": round(write_seconds, 2),
                "export_csv_s": round(export_seconds, 2),
                "export_csv_bytes": export_bytes,
                "baseline_postgres_copy_csv_s": round(copy_seconds, 2),
                "baseline_postgres_copy_bytes": copy_bytes,
                "export_over_baseline": round(export_seconds / copy_seconds, 2),
                "export_json_s": round(json_seconds, 2),
                "export_json_bytes": json_bytes,
                "export_peak_rss_growth_mib": round(rss_growth_kib / 1024, 1),
                "verify_s": round(verify_seconds, 2),
                "baseline_read_same_rows_s": round(read_seconds, 2),
                "verify_over_baseline": round(verify_seconds / read_seconds, 2),
                "verify_events_per_s": int(EVENTS / verify_seconds),
            }
            raise Rollback
    except Rollback:
        pass
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
