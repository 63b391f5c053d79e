"""Survey answering over HTTP against gunicorn, against the same server's plain one-INSERT view; and
the results chart and the CSV export over 100,000 responses.

In one run, on one machine:
- answering: CLIENTS simulated panelists at a time, each signed in with its own session, post the
  breakfast survey's pages (three pages each, to completion and payment) to a gunicorn with the
  production settings and one worker per core: page submits per second, with p50, p95 and p99
  latency, and the CPU time each submit cost the Django workers, the PostgreSQL backends serving
  them and the load generator;
- baseline: the same clients post to a plain Django view of the same server that does one INSERT,
  measured the same way;
- queries: how many statements each of the three pages sends to the database, counted in this process
  through the same views;
- results: the results of a survey with RESPONSES completed responses (the region chart alone, then
  every chart of the page), and a CSV export of them: rows per second and the growth of the peak
  resident memory while it streams.

The load generator is a process of its own (forked once the requests are built), with one
non-blocking connection per client, kept alive when the worker class allows it, and no HTTP library:
it costs a few hundredths of a millisecond a request, so that the two cores go to the server. CPU
time is reported beside every rate because other work on a shared machine changes rates, not the
CPU time a request costs.

It prints JSON. It writes into the database of DATABASE_URL (migrated): two tenants
``bench-surveys-<time>`` and ``bench-results-<time>`` (kept, as a record) and a scratch table it
drops at the end. Run: ``.venv/bin/python bench/surveys.py``; ``BENCH_CLIENTS``, ``BENCH_SECONDS``,
``BENCH_PANELISTS``, ``BENCH_RESPONSES``, ``BENCH_WORKERS``, ``BENCH_WORKER_CLASS`` (``sync`` or
``gthread``) and ``BENCH_THREADS`` change its size.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import secrets
import selectors
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

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

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.adverification import backends, cpu_of, workers_of  # noqa: E402  (CPU time, read the same way)
from consent.chain import event_hash  # noqa: E402
from consent.models import ConsentChain, ConsentEvent, Purpose  # noqa: E402
from consent.selectors import chain_verify  # noqa: E402
from consent.services.consent import consent_grant  # noqa: E402
from consent.services.documents import document_publish  # noqa: E402
from panel.models import Panelist  # noqa: E402
from surveys import engine  # noqa: E402
from surveys.exports import csv_chunks  # noqa: E402
from surveys.models import Response, Survey  # noqa: E402
from surveys.results import chart_for, responses_for_results, results_get  # noqa: E402
from surveys.selectors import version_current  # noqa: E402
from surveys.services.authoring import survey_create, survey_publish  # noqa: E402
from tenants.models import Tenant  # noqa: E402
from tests.surveys.samples import breakfast  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 2)))
# Threads let a worker overlap its requests' waits on PostgreSQL (every commit waits for the disk), as
# sync workers cannot; and they keep connections alive.
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "gthread")
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
PANELISTS = int(os.environ.get("BENCH_PANELISTS", "5000"))
RESPONSES = int(os.environ.get("BENCH_RESPONSES", "100000"))
CSRF = secrets.token_hex(16)  # a cookie token of our own, sent back in the header as a browser's form does
PAGES = [
    ("screen", "eats=yes&region=north"),
    ("habits", "foods=bread&foods=fruit&nps=9&why=Good+coffee"),
    ("more", "again=true&grid.taste=1&grid.price=2&grid.speed=3&grid.smell=1&grid.look=2"),
]
SPARE = 3  # panelists whose pages are counted in this process, not sent by the load generator


def _tenant(prefix: str) -> Tenant:
    tenant = Tenant.objects.create(slug=f"{prefix}-{int(time.time())}", name=prefix, country="FR", currency="EUR",
                                   timezone="UTC")  # fmt: skip
    purpose = Purpose.objects.for_tenant(tenant).get(key="surveys")
    document_publish(purpose=purpose, texts={"en": ("Surveys", "# Surveys")}, change="major")
    return tenant


@transaction.atomic
def setup_answering() -> tuple[Survey, list[str]]:
    """An open, published breakfast survey and PANELISTS + SPARE consenting panelists, each with a
    session and a started response (written in bulk: only the answering is measured)."""
    tenant = _tenant("bench-surveys")
    survey = survey_create(tenant=tenant, title="Breakfast", definition=breakfast())
    Survey.objects.for_tenant(tenant).filter(pk=survey.pk).update(is_open=True)
    survey.refresh_from_db()
    survey_publish(survey=survey)
    survey.refresh_from_db()
    version = version_current(survey=survey)
    assert version is not None
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [User(email=f"{tenant.slug}-{n}@example.test", password=unusable) for n in range(PANELISTS + SPARE)]
    )
    panelists = Panelist.objects.bulk_create([Panelist(tenant=tenant, user=user) for user in users])
    consents(tenant, [panelist.public_id for panelist in panelists])
    first = engine.visible_pages(version.definition, {})[0]
    now = timezone.now()
    started = {"tenant": tenant, "survey": survey, "version": version, "current_page": first, "path": [first],
               "page_shown_at": now, "order": {}}  # fmt: skip
    Response.objects.bulk_create([Response(panelist=panelist, **started) for panelist in panelists])
    store, expires, keys = SessionStore(), now + timedelta(days=1), []
    sessions = []
    for user in users:
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash()}  # fmt: skip
        sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
        keys.append(key)
    Session.objects.bulk_create(sessions)
    with connection.cursor() as cursor:  # as autovacuum would after so many new rows
        for table in ["accounts_user", "panel_panelist", "consent_consentevent", "surveys_response", "django_session"]:
            cursor.execute(f"ANALYZE {table}")
    return survey, keys


def consents(tenant: Tenant, subjects: list[str]) -> None:
    """Each subject's consent to surveys: the first through ``consent_grant``, the others appended to the
    tenant's chain after it in one insert, with the fields and hashes ``consent_grant`` gives them (it
    takes tens of milliseconds each, and a run needs thousands)."""
    first = consent_grant(tenant=tenant, subject=subjects[0], purpose_key="surveys", language="en",
                          method="import", actor="bench")  # fmt: skip
    head = ConsentChain.objects.select_for_update().get(tenant=tenant)
    events = []
    for seq, subject in enumerate(subjects[1:], start=head.last_seq + 1):
        fields = {name: getattr(first, name) for name in ["purpose_key", "kind", "document_version",
                  "document_language", "document_sha256", "method", "actor"]}  # fmt: skip
        fields |= {"subject": subject, "seq": seq, "prev_hash": head.last_hash, "occurred_at": timezone.now()}
        event = ConsentEvent(tenant=tenant, hash=event_hash(tenant.pk, fields), **fields)
        events.append(event)
        head.last_seq, head.last_hash = seq, event.hash
    ConsentEvent.objects.bulk_create(events)
    head.save(update_fields=["last_seq", "last_hash"])
    assert chain_verify(tenant=tenant).ok, "the benchmark's consents broke the tenant's chain"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def gunicorn(port: int) -> subprocess.Popen[bytes]:
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "bench.surveys_settings", "PYTHONPATH": str(ROOT),
                        "DATABASE_CONN_MAX_AGE": "600"}  # fmt: skip
    worker = ["-k", WORKER_CLASS] + (["--threads", str(THREADS)] if WORKER_CLASS == "gthread" else [])
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", str(WORKERS),
         *worker, "--preload", "--log-level", "warning", "--backlog", "2048"],
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


# -- the load generator ---------------------------------------------------------------------------------


def request_bytes(path: str, body: str, session: str) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nX-CSRFToken: {CSRF}\r\nCookie: sessionid={session}; csrftoken={CSRF}\r\n"
        f"\r\n{body}"
    ).encode()


class _Connection:
    """One simulated client: its requests in order, one at a time, on a keep-alive connection that is
    opened again whenever the server closes it (a sync worker closes after every response)."""

    def __init__(self, port: int, requests: list[bytes]) -> None:
        self.port, self.requests, self.next = port, requests, 0
        self.sock: socket.socket | None = None
        self.buffer = b""
        self.started = 0.0
        self.retried = False

    def open(self, selector: selectors.BaseSelector) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        self.sock = sock
        selector.register(sock, selectors.EVENT_READ, self)

    def close(self, selector: selectors.BaseSelector) -> None:
        if self.sock is not None:
            selector.unregister(self.sock)
            self.sock.close()
            self.sock = None

    def send(self, selector: selectors.BaseSelector) -> None:
        if self.sock is None:
            self.open(selector)
        assert self.sock is not None
        self.buffer = b""
        self.started = time.perf_counter()
        self.sock.sendall(self.requests[self.next])

    def response(self) -> tuple[int, bool] | None:
        """(status, the server closes) once the whole response is in the buffer."""
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return None
        head = self.buffer[:head_end].decode("latin-1").lower()
        length = 0
        for line in head.split("\r\n")[1:]:
            name, _sep, value = line.partition(":")
            if name == "content-length":
                length = int(value)
        if len(self.buffer) < head_end + 4 + length:
            return None
        return int(head[9:12]), "connection: close" in head or head.startswith("http/1.0")


def _generate(port: int, plans: list[list[bytes]], seconds: float, out: Any) -> None:
    """The load generator's process: sends every client's requests until they or the time run out, and
    sends back the latencies, the statuses and its own CPU time."""
    selector = selectors.DefaultSelector()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    cpu, started = time.process_time(), time.perf_counter()
    stop = started + seconds
    live = 0
    for plan in plans:
        if plan:
            _Connection(port, plan).send(selector)
            live += 1
    while live:
        for key, _mask in selector.select(timeout=1):
            client: _Connection = key.data
            assert client.sock is not None
            try:
                data = client.sock.recv(65536)
            except ConnectionError:
                data = b""
            if not data:
                client.close(selector)
                if client.buffer or client.retried:
                    statuses[0] += 1  # cut off mid-response (or twice): an error, and the client moves on
                    client.next += 1
                    client.retried = False
                else:
                    client.retried = True  # a kept-alive connection closed before the request: send it again
            else:
                client.buffer += data
                done = client.response()
                if done is None:
                    continue
                latencies.append(time.perf_counter() - client.started)
                statuses[done[0]] += 1
                client.next += 1
                client.retried = False
                if done[1]:
                    client.close(selector)
            if client.next < len(client.requests) and time.perf_counter() < stop:
                client.send(selector)
            else:
                client.close(selector)
                live -= 1
    out.send({"latencies": latencies, "statuses": dict(statuses), "seconds": time.perf_counter() - started,
              "cpu": time.process_time() - cpu})  # fmt: skip
    out.close()


def drive(port: int, master: int, plans: list[list[bytes]], ok: set[int]) -> dict[str, Any]:
    """Run the load generator over these plans (one per client) and measure it."""
    workers = workers_of(master)
    workers_before, backends_before = sum(map(cpu_of, workers)), backends()
    receiver, sender = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.get_context("fork").Process(target=_generate, args=(port, plans, SECONDS, sender))
    process.start()
    sender.close()
    result = receiver.recv()
    process.join()
    workers_cpu = sum(map(cpu_of, workers)) - workers_before
    postgres_cpu = sum(cpu - backends_before.get(pid, 0.0) for pid, cpu in backends().items())
    latencies = sorted(result["latencies"])
    n = max(len(latencies), 1)
    errors = sum(count for status, count in result["statuses"].items() if status not in ok)
    return {"requests": len(latencies), "seconds": round(result["seconds"], 2),
            "per_s": round(len(latencies) / result["seconds"], 1), "errors": errors, "statuses": result["statuses"],
            "p50_ms": round(latencies[n // 2] * 1000, 1) if latencies else None,
            "p95_ms": round(latencies[int(n * 0.95)] * 1000, 1) if latencies else None,
            "p99_ms": round(latencies[min(n - 1, int(n * 0.99))] * 1000, 1) if latencies else None,
            "cpu_ms_per_request": {"django_workers": round(workers_cpu / n * 1000, 2),
                                   "postgres": round(postgres_cpu / n * 1000, 2),
                                   "load_generator": round(result["cpu"] / n * 1000, 3)},
            "requests_per_server_cpu_s": round(n / max(workers_cpu + postgres_cpu, 1e-9), 1)}  # fmt: skip


def queries_per_page(survey: Survey, sessions: list[str]) -> dict[str, int]:
    """The statements each page sends to the database, through the same views in this process (the
    transaction's BEGIN and COMMIT are not counted)."""
    counts: dict[str, int] = {}
    for session in sessions:
        client = Client()
        client.cookies["sessionid"] = session
        for page, body in PAGES:
            with CaptureQueriesContext(connection) as queries:
                answer = client.post(f"/t/{survey.tenant.slug}/surveys/{survey.pk}/pages/{page}/", body,
                                     content_type="application/x-www-form-urlencoded")  # fmt: skip
            assert answer.status_code == 302, answer.status_code
            counts[page] = len(queries)
    return counts


def answering(survey: Survey, sessions: list[str]) -> dict[str, object]:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_survey_insert (id bigserial PRIMARY KEY, body text)")
    port = free_port()
    server = gunicorn(port)
    try:
        base = f"/t/{survey.tenant.slug}/surveys/{survey.pk}/pages"
        insert = request_bytes("/bench/insert/", "eats=yes&region=north", sessions[0])
        # warm every worker up (its first request loads the URLs and views) before anything is timed
        drive(port, server.pid, [[insert] * 20 for _ in range(WORKERS * 4)], {204})
        plans: list[list[bytes]] = [[] for _ in range(CLIENTS)]
        for n, session in enumerate(sessions[:-SPARE]):
            plans[n % CLIENTS] += [request_bytes(f"{base}/{page}/", body, session) for page, body in PAGES]
        pages = drive(port, server.pid, plans, {302})
        plain = drive(port, server.pid, [[insert] * 1_000_000 for _ in range(CLIENTS)], {204})
    finally:
        server.terminate()
        server.wait(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_survey_insert")
    return {"page_submits": pages, "plain_insert_view": plain,
            "ratio_to_plain": round(pages["per_s"] / plain["per_s"], 3),
            "ratio_to_plain_per_server_cpu_s": round(pages["requests_per_server_cpu_s"]
                                                     / plain["requests_per_server_cpu_s"], 3),
            "queries_per_page": queries_per_page(survey, sessions[-SPARE:])}  # fmt: skip


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
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu, postgres_cpu, started = time.process_time(), cpu_of(backend), time.perf_counter()
    size = rows = 0
    for chunk in csv_chunks(survey=survey):
        size += len(chunk)
        rows += chunk.count(b"\n")  # no answer of the benchmark's holds a line break
    export = time.perf_counter() - started
    cpu, postgres_cpu = time.process_time() - cpu, cpu_of(backend) - postgres_cpu
    growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    return {"responses": RESPONSES, "region_chart_s": round(one_chart, 3),
            "results_page_s": round(every_chart, 3), "charts": len(page.charts),
            "csv": {"rows": rows - 1, "seconds": round(export, 2), "rows_per_s": round((rows - 1) / export),
                    "cpu_s": {"this_process": round(cpu, 2), "postgres": round(postgres_cpu, 2)},
                    "bytes": size, "peak_rss_growth_mib": round(growth / 1024, 1)},
            "load_average": os.getloadavg()}  # fmt: skip


def main() -> dict[str, object]:
    started = time.perf_counter()
    survey, sessions = setup_answering()
    figures: dict[str, object] = {"workers": WORKERS, "worker_class": WORKER_CLASS,
                                  "threads": THREADS if WORKER_CLASS == "gthread" else 1, "clients": CLIENTS,
                                  "panelists": PANELISTS, "load_average": os.getloadavg(),
                                  "setup_s": round(time.perf_counter() - started, 1)}  # fmt: skip
    figures |= answering(survey, sessions)
    figures["load_average_after_answering"] = os.getloadavg()
    figures["results"] = results(setup_results())
    return figures


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
