"""Survey answering over HTTP against gunicorn, against the same server's plain one-INSERT view; and
the results chart and the CSV export over 100,000 responses.

In one run, on one machine:
- answering: CLIENTS simulated panelists at a time (threads with keep-alive connections), each signed
  in with its own session, post the breakfast survey's pages (three pages each, to completion and
  payment) to a gunicorn with production settings and one worker per core: page submits per second,
  with p50, p95 and p99 latency;
- baseline: the same clients post to a plain Django view of the same server that does one INSERT;
- results: the results of a survey with RESPONSES completed responses (the region chart alone, then
  every chart of the page), and a CSV export of them: rows per second and the growth of the peak
  resident memory while it streams.

It prints JSON. It writes into the database of DATABASE_URL (migrated): two tenants
``bench-surveys-<time>`` and ``bench-results-<time>`` (kept, as a record) and a scratch table it
drops at the end. Run: ``.venv/bin/python bench/surveys.py``.
"""

from __future__ import annotations

import http.client
import json
import os
import resource
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The benchmark signs sessions in this process and gunicorn checks them: both read these.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(60))
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", Fernet.generate_key().decode())
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from consent.models import Purpose  # noqa: E402
from consent.services.consent import consent_grant  # noqa: E402
from consent.services.documents import document_publish  # noqa: E402
from panel.models import Panelist  # noqa: E402
from surveys.exports import csv_chunks  # noqa: E402
from surveys.models import Survey  # noqa: E402
from surveys.results import chart_for, responses_for_results, results_get  # noqa: E402
from surveys.selectors import version_current  # noqa: E402
from surveys.services.authoring import survey_create, survey_publish  # noqa: E402
from surveys.services.responding import response_start  # noqa: E402
from tenants.models import Tenant  # noqa: E402
from tests.factories import PanelistFactory  # noqa: E402
from tests.surveys.samples import breakfast  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 2)))
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
PANELISTS = int(os.environ.get("BENCH_PANELISTS", "1500"))
RESPONSES = int(os.environ.get("BENCH_RESPONSES", "100000"))
CSRF = secrets.token_hex(16)  # a cookie token of our own, sent back in the header as a browser's form does
PAGES = [
    ("screen", "eats=yes&region=north"),
    ("habits", "foods=bread&foods=fruit&nps=9&why=Good+coffee"),
    ("more", "again=true&grid.taste=1&grid.price=2&grid.speed=3&grid.smell=1&grid.look=2"),
]


def _tenant(prefix: str) -> Tenant:
    tenant = Tenant.objects.create(slug=f"{prefix}-{int(time.time())}", name=prefix, country="FR", currency="EUR",
                                   timezone="UTC")  # fmt: skip
    purpose = Purpose.objects.for_tenant(tenant).get(key="surveys")
    document_publish(purpose=purpose, texts={"en": ("Surveys", "# Surveys")}, change="major")
    return tenant


def setup_answering() -> tuple[Survey, list[str]]:
    """An open, published breakfast survey and PANELISTS consenting panelists, each with a session
    and a started response."""
    tenant = _tenant("bench-surveys")
    survey = survey_create(tenant=tenant, title="Breakfast", definition=breakfast())
    Survey.objects.for_tenant(tenant).filter(pk=survey.pk).update(is_open=True)
    survey.refresh_from_db()
    survey_publish(survey=survey)
    survey.refresh_from_db()
    cookies = []
    for n in range(PANELISTS):
        panelist = PanelistFactory.create(tenant=tenant, user__email=f"{tenant.slug}-{n}@example.test")
        consent_grant(tenant=tenant, subject=panelist.public_id, purpose_key="surveys", language="en",
                      method="import", actor="bench")  # fmt: skip
        response_start(survey=survey, panelist=panelist)
        client = Client()
        client.force_login(panelist.user)
        cookies.append(client.cookies["sessionid"].value)
    return survey, cookies


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def gunicorn(port: int) -> subprocess.Popen[bytes]:
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "bench.surveys_settings", "PYTHONPATH": str(ROOT),
                        "DATABASE_CONN_MAX_AGE": "600"}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", str(WORKERS),
         "--preload", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def drive(port: int, requests: list[list[tuple[str, str, str]]]) -> dict[str, float]:
    """Each client sends its own list of (path, body, cookie) in order, until the list or the time ends."""
    latencies: list[float] = []
    errors: list[str] = []
    stop = time.monotonic() + SECONDS

    def client(mine: list[tuple[str, str, str]]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for url, body, session in mine:
            if time.monotonic() >= stop:
                break
            headers = {"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": CSRF,
                       "Cookie": f"sessionid={session}; csrftoken={CSRF}"}  # fmt: skip
            started = time.perf_counter()
            conn.request("POST", url, body, headers)
            response = conn.getresponse()
            response.read()
            latencies.append(time.perf_counter() - started)
            if response.status not in {204, 302}:
                errors.append(f"{response.status} {url}")

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(mine,)) for mine in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    n = len(latencies)
    return {"requests": n, "seconds": round(elapsed, 2), "per_s": round(n / elapsed, 1), "errors": len(errors),
            "first_errors": errors[:3], "p50_ms": round(latencies[n // 2] * 1000, 1),
            "p95_ms": round(latencies[int(n * 0.95)] * 1000, 1),
            "p99_ms": round(latencies[min(n - 1, int(n * 0.99))] * 1000, 1)}  # fmt: skip


def answering(survey: Survey, cookies: list[str]) -> dict[str, object]:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_survey_insert (id bigserial PRIMARY KEY, body text)")
    port = free_port()
    server = gunicorn(port)
    try:
        base = f"/t/{survey.tenant.slug}/surveys/{survey.pk}/pages"
        # warm every worker up (its first request loads the URLs and views) before anything is timed
        warm = [[("/bench/insert/", "warm", cookies[0])] * 5 for _ in range(WORKERS * 2)]
        drive(port, warm)
        per_client: list[list[tuple[str, str, str]]] = [[] for _ in range(CLIENTS)]
        for n, session in enumerate(cookies):
            per_client[n % CLIENTS] += [(f"{base}/{page}/", body, session) for page, body in PAGES]
        pages = drive(port, per_client)
        plain = drive(port, [[("/bench/insert/", "eats=yes&region=north", cookies[0])] * 1_000_000] * CLIENTS)
    finally:
        server.terminate()
        server.wait(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_survey_insert")
    return {"page_submits": pages, "plain_insert_view": plain,
            "ratio_to_plain": round(pages["per_s"] / plain["per_s"], 3)}  # fmt: skip


def setup_results() -> Survey:
    """A survey with RESPONSES completed responses, written in SQL (the answers vary with the id)."""
    tenant = _tenant("bench-results")
    survey = survey_create(tenant=tenant, title="Breakfast", definition=breakfast())
    survey_publish(survey=survey)
    version = version_current(survey=survey)
    assert version is not None
    for start in range(0, RESPONSES, 10_000):
        Panelist.objects.bulk_create([Panelist(tenant=tenant) for _ in range(min(10_000, RESPONSES - start))])
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO surveys_response (tenant_id, survey_id, version_id, panelist_id, rid, status, answers, path,
                   current_page, "order", started_at, finished_at, seconds, flags, review, review_reason,
                   appeal_text, earned)
               SELECT %(t)s, %(s)s, %(v)s, p.id, md5(p.id::text || random()::text), 'completed',
                   jsonb_build_object('eats', 'yes', 'region', (ARRAY['north', 'south'])[1 + p.id %% 2],
                       'foods', jsonb_build_array((ARRAY['bread', 'cereal', 'fruit'])[1 + p.id %% 3]),
                       'nps', p.id %% 11, 'cups', p.id %% 7, 'why', 'because ' || p.id, 'again', p.id %% 2 = 0,
                       'grid', jsonb_build_object('taste', (1 + p.id %% 3)::text, 'price', (1 + p.id %% 2)::text,
                           'speed', '1', 'smell', '2', 'look', '3')),
                   '[]', '', '{}', now() - interval '1 hour', now(), 60 + p.id %% 300, '[]', 'approved', '', '', 50
               FROM panel_panelist p WHERE p.tenant_id = %(t)s""",
            {"t": tenant.pk, "s": survey.pk, "v": version.pk},
        )
        cursor.execute("ANALYZE surveys_response")
    return survey


def results(survey: Survey) -> dict[str, object]:
    question = next(q for page in survey.versions.get().definition["pages"] for q in page["elements"]
                    if q["name"] == "region")  # fmt: skip
    started = time.perf_counter()
    chart = chart_for(question, responses_for_results(survey), "en")
    one_chart = time.perf_counter() - started
    assert chart is not None
    assert sum(n for _label, n, _pct in chart.bars) == RESPONSES
    started = time.perf_counter()
    page = results_get(survey=survey, language="en")
    every_chart = time.perf_counter() - started
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    size = rows = 0
    for chunk in csv_chunks(survey=survey):
        size += len(chunk)
        rows += chunk.count(b"\n")
    export = time.perf_counter() - started
    growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    return {"responses": RESPONSES, "region_chart_s": round(one_chart, 3),
            "results_page_s": round(every_chart, 3), "charts": len(page.charts),
            "csv": {"rows": rows - 1, "seconds": round(export, 2), "rows_per_s": round((rows - 1) / export),
                    "bytes": size, "peak_rss_growth_mib": round(growth / 1024, 1)}}  # fmt: skip


def main() -> dict[str, object]:
    survey, cookies = setup_answering()
    figures: dict[str, object] = {"workers": WORKERS, "clients": CLIENTS, "panelists": PANELISTS}
    figures |= answering(survey, cookies)
    figures["results"] = results(setup_results())
    return figures


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
