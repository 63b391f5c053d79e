"""Ad-verification ingest over HTTP against gunicorn, against a raw COPY into the same table.

In one run, on one machine:
- ingest: CLIENTS concurrent clients (threads with keep-alive connections), each with its own paired
  device, send batches of 500 counts to ``POST /api/v1/adverification/batches`` on a gunicorn with
  WORKERS workers, for SECONDS seconds: counts per second;
- baseline: the same number of rows loaded with one raw ``COPY`` into the same partitioned table;
- the daily roll-up of ROLLUP_ROWS counts of one day (default 10 million), and dropping the monthly
  partition that holds them, through the same functions the purge uses.

It prints JSON. It writes into the database of DATABASE_URL: a tenant ``bench-ads-<time>`` with
panelists and devices (kept, as a record), and counts it removes at the end (the roll-up's rows go
with their partition, in a month long past). Run: ``.venv/bin/python bench/adverification.py``.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from adverification.services.counts import ad_daily_rollup  # noqa: E402
from adverification.services.devices import device_pair, pairing_code_create  # noqa: E402
from adverification.services.program import ad_program_update  # noqa: E402
from consent.models import Purpose  # noqa: E402
from consent.services.consent import consent_grant  # noqa: E402
from consent.services.documents import document_publish  # noqa: E402
from panel.models import Panelist  # noqa: E402
from tenants.models import Tenant  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from payouts import cleanup  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "3"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
LINES = 500
ROLLUP_ROWS = int(os.environ.get("BENCH_ROLLUP_ROWS", "10000000"))
ROLLUP_DAY = date(2020, 2, 10)  # a month long past, whose partition the benchmark makes and drops
SITES = [f"site{n}.example" for n in range(200)]
ADS = [f"ads{n}.adnet.example" for n in range(5)]


def setup() -> tuple[Tenant, list[str]]:
    tenant = Tenant.objects.create(slug=f"bench-ads-{int(time.time())}", name="Bench ads", country="FR",
                                   currency="EUR", timezone="UTC")  # fmt: skip
    for key in ("membership", "ad_verification"):
        purpose = Purpose.objects.for_tenant(tenant).get(key=key)
        document_publish(purpose=purpose, texts={"en": (key, f"# {key}")}, change="major")
    ad_program_update(tenant=tenant, ad_domains=ADS, landing_domains=["shop.brand.example"], k_anonymity=10,
                      max_devices=3)  # fmt: skip
    tokens = []
    for n in range(CLIENTS):
        panelist = Panelist.objects.create(tenant=tenant)
        consent_grant(tenant=tenant, subject=panelist.public_id, purpose_key="ad_verification", language="en",
                      method="import", actor="bench")  # fmt: skip
        code = pairing_code_create(panelist=panelist).code
        tokens.append(device_pair(code=code, name=f"bench {n}", client_ip=f"192.0.2.{n}").token)
    return tenant, tokens


def lines(seed: int) -> list[dict[str, object]]:
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1 + seed % 48)
    stamp = hour.isoformat().replace("+00:00", "Z")
    return [{"domain": ADS[i % 5], "site": SITES[(seed + i) % 200], "hour": stamp, "kind": "impression",
             "count": 1 + i % 7} for i in range(LINES)]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def gunicorn(port: int) -> subprocess.Popen[bytes]:
    # Workers keep their database connection between requests, as production does (CONN_MAX_AGE 60).
    env = os.environ | {"AD_BATCHES_PER_DEVICE_HOUR": "10000000", "AD_BATCHES_PER_PANELIST_HOUR": "10000000",
                        "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONPATH": str(ROOT),
                        "TEST_CONN_MAX_AGE": "60"}  # fmt: skip
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(WORKERS),
            "--preload",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError("gunicorn did not start")
    # Warm every worker up (its first request loads the URLs and views) before anything is timed.
    warm = [threading.Thread(target=_get, args=(port,)) for _ in range(WORKERS * 4)]
    for thread in warm:
        thread.start()
    for thread in warm:
        thread.join()
    return process


def _get(port: int) -> None:
    for _ in range(3):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("POST", "/api/v1/adverification/batches", "{}", {"Content-Type": "application/json"})
        conn.getresponse().read()


# CPU time, which other work on a shared machine does not change as it changes throughput: of the
# gunicorn workers, of the PostgreSQL backends that serve them (new during the run), of this process.
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def workers_of(master: int) -> list[int]:
    return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


def backends() -> dict[int, float]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'"
            " AND pid <> pg_backend_pid()"
        )
        return {pid: cpu_of(pid) for (pid,) in cursor.fetchall()}


def ingest(port: int, tokens: list[str], master: int) -> dict[str, Any]:
    sent, latencies, errors = [0], [], []
    stop = time.monotonic() + SECONDS
    bodies = [json.dumps({"batch_id": None, "counts": lines(n)}) for n in range(48)]

    def client(token: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = 0
        while time.monotonic() < stop:
            body = bodies[n % 48].replace("null", f'"{uuid.uuid4()}"', 1)
            started = time.perf_counter()
            conn.request("POST", "/api/v1/adverification/batches", body,
                         {"Content-Type": "application/json", "Authorization": f"Device {token}"})  # fmt: skip
            response = conn.getresponse()
            response.read()
            latencies.append(time.perf_counter() - started)
            if response.status != 201:
                errors.append(response.status)
            else:
                sent[0] += LINES
            n += 1

    workers = workers_of(master)
    workers_before, backends_before = sum(map(cpu_of, workers)), backends()
    client_before = time.process_time()
    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    client_cpu = time.process_time() - client_before
    workers_cpu = sum(map(cpu_of, workers)) - workers_before
    postgres_cpu = sum(cpu - backends_before.get(pid, 0.0) for pid, cpu in backends().items())
    latencies.sort()
    batches = max(len(latencies), 1)
    spent = {"django_workers": workers_cpu, "postgres": postgres_cpu, "client": client_cpu}
    cpu = {name: round(seconds / batches * 1000, 2) for name, seconds in spent.items()}
    return {"counts": sent[0], "seconds": round(elapsed, 2), "counts_per_s": round(sent[0] / elapsed),
            "batches": len(latencies), "errors": len(errors),
            "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
            "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 1), "cpu_ms_per_batch": cpu,
            "counts_per_server_cpu_s": round(sent[0] / max(workers_cpu + postgres_cpu, 1e-9))}  # fmt: skip


def raw_copy(tenant: Tenant, rows: int) -> dict[str, Any]:
    device = tenant.pk  # any id: the table has no foreign keys
    batch = uuid.uuid4()
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    data = [
        (tenant.pk, 0, device, batch, hour, "impression", ADS[i % 5], SITES[i % 200], 1 + i % 7) for i in range(rows)
    ]
    connection.ensure_connection()
    raw = connection.connection
    backend = raw.info.backend_pid
    backend_before, client_before = cpu_of(backend), time.process_time()
    started = time.perf_counter()
    query = "COPY adverification_adcount (tenant_id, panelist_id, device_id, batch_id, hour, kind, domain, site, count)"
    with raw.transaction(), raw.cursor() as cursor, cursor.copy(query + " FROM STDIN") as copy:
        for row in data:
            copy.write_row(row)
    elapsed = time.perf_counter() - started
    postgres_cpu, client_cpu = cpu_of(backend) - backend_before, time.process_time() - client_before
    return {"rows": rows, "seconds": round(elapsed, 2), "rows_per_s": round(rows / elapsed),
            "cpu_s": {"postgres": round(postgres_cpu, 2), "client": round(client_cpu, 2)},
            "rows_per_cpu_s": round(rows / max(postgres_cpu + client_cpu, 1e-9))}  # fmt: skip


def rollup_and_drop(tenant: Tenant) -> dict[str, float]:
    raw = connection.connection
    with raw.transaction(), raw.cursor() as cursor:
        cursor.execute("SELECT adverification_partition_ensure(%s)", [ROLLUP_DAY])
        started = time.perf_counter()
        cursor.execute(
            "INSERT INTO adverification_adcount (tenant_id, panelist_id, device_id, batch_id, hour, kind, domain, site,"
            " count) SELECT %s, g %% 5000, g %% 5000, %s, %s::timestamptz + (g %% 24) * interval '1 hour',"
            " CASE WHEN g %% 10 = 0 THEN 'click' ELSE 'impression' END, 'ads' || (g %% 5) || '.adnet.example',"
            " 'site' || (g %% 200) || '.example', 1 + g %% 7 FROM generate_series(1, %s) g",
            [tenant.pk, uuid.uuid4(), datetime(2020, 2, 10, tzinfo=UTC), ROLLUP_ROWS],
        )
        loaded = time.perf_counter() - started
    started = time.perf_counter()
    cells = ad_daily_rollup(tenant=tenant, day=ROLLUP_DAY)
    rollup = time.perf_counter() - started
    with raw.transaction(), raw.cursor() as cursor:
        # What the purge does first: how many rows each tenant has in the partition, for the purge log
        # (read from the counters the table's triggers keep, not counted), then the drop itself.
        before = datetime(2020, 3, 1, tzinfo=UTC)
        started = time.perf_counter()
        cursor.execute("SELECT coalesce(sum(purged), 0) FROM adverification_partitions_drop(%s, true)", [before])
        logged = int(cursor.fetchone()[0])
        count_only = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute("SELECT count(*) FROM adverification_partitions_drop(%s, false)", [before])
        drop_with_count = time.perf_counter() - started
    return {"rows": ROLLUP_ROWS, "load_seconds": round(loaded, 1), "rollup_seconds": round(rollup, 2),
            "cells": cells, "rows_per_tenant_for_the_purge_log_seconds": round(count_only, 3),
            "purge_log_rows_equal_rows_loaded": logged == ROLLUP_ROWS,
            "drop_partition_with_count_seconds": round(drop_with_count, 3)}  # fmt: skip


def main() -> dict[str, object]:
    tenant, tokens = setup()
    try:
        return measure(tenant, tokens)
    finally:
        cleanup(tenant.pk)  # every row the benchmark wrote goes, its tenant last


def measure(tenant: Tenant, tokens: list[str]) -> dict[str, object]:
    port = free_port()
    server = gunicorn(port)
    try:
        over_http = ingest(port, tokens, server.pid)
    finally:
        server.terminate()
        server.wait(20)
    baseline = raw_copy(tenant, int(over_http["counts"]) or LINES)
    ratio = over_http["counts_per_s"] / baseline["rows_per_s"]
    cpu_ratio = over_http["counts_per_server_cpu_s"] / baseline["rows_per_cpu_s"]
    rollup = rollup_and_drop(tenant)
    return {"clients": CLIENTS, "workers": WORKERS, "lines_per_batch": LINES, "ingest_http": over_http,
            "raw_copy_baseline": baseline, "http_vs_copy": round(ratio, 3),
            "http_vs_copy_per_cpu_s": round(cpu_ratio, 3), "rollup": rollup}  # fmt: skip


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
