"""The monthly payout run of 100,000 panelists (1,000,000 with ``--panelists 1000000``), paid by real
Celery workers.

In one run, on one machine, with N panelists (``--panelists``, else BENCH_PANELISTS, else 100,000),
each with an email address and a balance of 15.00 that a balanced ledger posting credited:
- baseline: the raw set-based SQL of the same postings (N payout transactions, 2N entries, the
  balances, N payouts, the deferred ledger and foreign-key checks a commit fires) in a transaction
  that is rolled back;
- run: ``payout_run_start`` (planning the chunks) and ``payout_run_enqueue`` in this process, then
  a real ``celery worker`` (prefork, ``--concurrency``, default 2) on the ``payouts`` queue pays the
  chunks; timed until the run is ``done``. When the workers are idle and chunks are still pending,
  the benchmark does what the sweeper does (``payout_run_enqueue`` again) without its 5-minute
  wait, and counts it: a chunk a worker dropped shows there, and in ``chunks_dropped``. A run not
  done within ``--budget`` seconds (default: twice the target for N, at least 3 minutes) is stopped
  there and reported as far as it got (``run_completed: false``, no replay);
- replay: ``payout_run_start`` + ``payout_run_enqueue`` again for the same month, then every chunk's
  task delivered again (as after a lost acknowledgement), until the worker has consumed them all;
  proven to write nothing (the tenant's rows, balances, run and chunks unchanged);
- verification: one payout per panelist, everything owed paid, ``ledger_violations`` empty;
- between phases, the tables are vacuumed (after the baseline, rewritten: its rolled-back rows would
  leave holes that the run fills page by page) and a checkpoint is taken when the role may, so that
  no phase pays for the writes of the one before;
- credits: ``panelist_credit`` to distinct panelists (``--credits``, default 2,000), one call each,
  in this process.

Targets (2 cores): 1,000,000 panelists paid in at most 100 s (10,000 panelists a second at any
size); with several sizes (``--panelists 100000,1000000``), the rate at the largest at least 0.9x the
rate at the smallest, so that the cost per panelist stays flat; a replayed run writes nothing, in
under 10 seconds.

It refuses to start when the database lacks a migration, or when another worker already consumes
``payouts`` on the broker (it would take the benchmark's tasks to its own database). The benchmark
works on a tenant of its own. At the end it stops its worker, purges the ``payouts``
queue (it also does before starting, for a clean measurement) and deletes every row it wrote; the
ledger is append-only, so the deletion switches the triggers of the tables it empties off for its
transaction: the database user must own them (``bench/run.py`` runs the benchmarks as the owner role
of DATABASE_OWNER_URL, when set).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import DatabaseError, connection, transaction  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402
from kombu import Queue  # noqa: E402

from config.celery import app  # noqa: E402
from panel.models import Panelist  # noqa: E402
from rewards.models import PayoutChunk, PayoutRun  # noqa: E402
from rewards.periods import previous_period  # noqa: E402
from rewards.selectors import account_balance, ledger_violations, reward_settings_get  # noqa: E402
from rewards.services.ledger import clearing_account_ensure, expense_account_ensure, panelist_credit  # noqa: E402
from rewards.services.payouts import payout_run_enqueue, payout_run_start  # noqa: E402
from rewards.tasks import payout_chunk_task  # noqa: E402
from tenants.models import Tenant  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
QUEUE = "payouts"
BALANCE = 1500  # each panelist's balance, over the default threshold (1000): everyone is paid
TARGET_RUN_SECONDS_1M = 100
TARGET_FLATNESS = 0.9  # the rate at the largest size against the rate at the smallest
TARGET_REPLAY_SECONDS = 10
CHUNK_TASK = "rewards.tasks.payout_chunk_task"
TASK_LINE = re.compile(  # the worker's log line of each chunk task it finished
    rf"Task {re.escape(CHUNK_TASK)}\[[^\]]+\] (?:succeeded in ([0-9.eE+-]+)s: (True|False)|(raised|failed|retry))"
)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--panelists",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[int(n) for n in os.environ.get("BENCH_PANELISTS", "100000").split(",")],
        help="how many panelists, or several sizes separated by commas (e.g. 100000,1000000): each is run on"
        " a tenant of its own, and the rates are compared",
    )
    parser.add_argument("--concurrency", type=int, default=int(os.environ.get("BENCH_WORKER_CONCURRENCY", "2")))
    parser.add_argument("--credits", type=int, default=int(os.environ.get("BENCH_CREDITS", "2000")))
    parser.add_argument(
        "--budget",
        type=float,
        default=float(os.environ.get("BENCH_BUDGET", "0")),
        help="seconds the run may take before the benchmark gives up and reports how far it got"
        " (default: twice the target for that many panelists, at least 3 minutes)",
    )
    return parser.parse_args()


def budget_for(args: argparse.Namespace, count: int) -> float:
    return args.budget or max(180.0, 2 * TARGET_RUN_SECONDS_1M * count / 1_000_000)


def log(message: str) -> None:
    """Progress on stderr; stdout carries only the JSON."""
    sys.stderr.write(f"[bench/payouts {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def scalar(sql: str, params: list[Any] | dict[str, Any]) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


# -- the data ---------------------------------------------------------------------------------------


def seed(tenant: Tenant, count: int) -> dict[str, float]:
    """N users, panelists and ledger accounts, each account credited BALANCE by one balanced posting
    from the expense account, all set-based, in one transaction."""
    p: dict[str, Any] = {"tenant": tenant.pk, "n": count, "amount": BALANCE, "currency": tenant.currency}
    with transaction.atomic():
        expense = expense_account_ensure(tenant=tenant)
        p["expense"] = expense.pk
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(
                "WITH u AS (INSERT INTO accounts_user (password, is_superuser, email, name, is_staff, is_active,"
                " date_joined) SELECT '!', false, 'bench-payouts-' || %(tenant)s || '-' || n || '@example.test', '',"
                " false, true, now() FROM generate_series(1, %(n)s) AS n RETURNING id)"
                " INSERT INTO panel_panelist (public_id, status, joined_at, tenant_id, user_id)"
                " SELECT 'pn_bench_' || u.id, 'active', now(), %(tenant)s, u.id FROM u ORDER BY u.id",
                p,
            )
            cursor.execute(
                "INSERT INTO rewards_ledgeraccount (tenant_id, key, kind, panelist_id, currency, balance, created_at)"
                " SELECT p.tenant_id, 'panelist:' || p.public_id, 'panelist', p.id, %(currency)s, %(amount)s, now()"
                " FROM panel_panelist p WHERE p.tenant_id = %(tenant)s ORDER BY p.id",
                p,
            )
            people = time.perf_counter() - started
            started = time.perf_counter()
            # Each account's transaction id drawn from the table's own sequence: the entries need no
            # join back on the idempotency key.
            cursor.execute(
                "CREATE TEMP TABLE bench_seed ON COMMIT DROP AS SELECT a.id AS account_id, a.panelist_id,"
                " nextval(pg_get_serial_sequence('rewards_ledgertransaction', 'id')) AS txn_id"
                " FROM rewards_ledgeraccount a WHERE a.tenant_id = %(tenant)s AND a.kind = 'panelist' ORDER BY a.id",
                p,
            )
            cursor.execute(
                "INSERT INTO rewards_ledgertransaction (id, tenant_id, idempotency_key, reason, source, memo, actor,"
                " created_at) SELECT s.txn_id, %(tenant)s, 'bench-seed:' || s.panelist_id, 'bonus', 'bench:seed', '',"
                " 'system', now() FROM bench_seed s ORDER BY s.txn_id",
                p,
            )
            cursor.execute(
                "INSERT INTO rewards_ledgerentry (tenant_id, transaction_id, account_id, amount)"
                " SELECT %(tenant)s, s.txn_id, leg.account, leg.amount FROM bench_seed s"
                " CROSS JOIN LATERAL (VALUES (s.account_id, %(amount)s::bigint), (%(expense)s::bigint,"
                " -%(amount)s::bigint)) AS leg(account, amount) ORDER BY s.txn_id",
                p,
            )
            postings = time.perf_counter() - started
            # The deferred checks (each transaction sums to zero, the foreign keys) a commit would fire.
            checks, _ = timed(lambda: cursor.execute("SET CONSTRAINTS ALL IMMEDIATE"))
    checkpointed = settle(("accounts_user", "panel_panelist", "rewards_ledgeraccount", "rewards_ledgertransaction",
                           "rewards_ledgerentry"))  # fmt: skip
    return {"users_panelists_accounts_s": people, "postings_s": postings, "deferred_checks_s": checks,
            "checkpointed": checkpointed}  # fmt: skip


def baseline(tenant: Tenant, period: date, threshold: int) -> tuple[float, float]:
    """The same postings in raw set-based SQL, in a transaction that is rolled back: what the run
    writes, with none of its chunking, locking or Python. Every seeded panelist has an email address
    and no preference, so every payout is an email payment of the whole balance, as in the run."""
    with transaction.atomic():
        run = PayoutRun.objects.create(tenant=tenant, period=period, threshold=threshold, actor="bench:baseline")
        clearing = clearing_account_ensure(tenant=tenant)
        p: dict[str, Any] = {"tenant": tenant.pk, "run": run.pk, "threshold": threshold, "clearing": clearing.pk,
                             "currency": tenant.currency, "yyyymm": f"{period:%Y%m}"}  # fmt: skip
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(
                "CREATE TEMP TABLE bench_pay ON COMMIT DROP AS"
                " SELECT a.id AS account_id, a.panelist_id, a.balance AS amount,"
                "   COALESCE(NULLIF(pref.email, ''), u.email, '') AS email,"
                "   nextval(pg_get_serial_sequence('rewards_ledgertransaction', 'id')) AS txn_id"
                " FROM rewards_ledgeraccount a JOIN panel_panelist p ON p.id = a.panelist_id"
                " LEFT JOIN accounts_user u ON u.id = p.user_id"
                " LEFT JOIN rewards_payoutpreference pref ON pref.panelist_id = a.panelist_id"
                " WHERE a.tenant_id = %(tenant)s AND a.kind = 'panelist' AND a.balance >= %(threshold)s"
                "   AND NOT EXISTS (SELECT 1 FROM rewards_payout x WHERE x.run_id = %(run)s"
                "     AND x.panelist_id = a.panelist_id) ORDER BY a.id",
                p,
            )
            cursor.execute(
                "INSERT INTO rewards_ledgertransaction (id, tenant_id, idempotency_key, reason, source, memo, actor,"
                " created_at) SELECT b.txn_id, %(tenant)s, 'payout:' || %(run)s || ':' || b.panelist_id, 'payout',"
                " 'payout-run:' || %(run)s, '', 'system', now() FROM bench_pay b ORDER BY b.txn_id",
                p,
            )
            cursor.execute(
                "INSERT INTO rewards_ledgerentry (tenant_id, transaction_id, account_id, amount)"
                " SELECT %(tenant)s, b.txn_id, leg.account, leg.amount FROM bench_pay b"
                " CROSS JOIN LATERAL (VALUES (b.account_id, -b.amount), (%(clearing)s::bigint, b.amount))"
                "   AS leg(account, amount) ORDER BY b.txn_id",
                p,
            )
            cursor.execute(
                "UPDATE rewards_ledgeraccount a SET balance = a.balance - b.amount FROM bench_pay b"
                " WHERE a.id = b.account_id",
                p,
            )
            cursor.execute(
                "INSERT INTO rewards_payout (tenant_id, run_id, panelist_id, account_id, amount, currency, method,"
                " status, reference, email, note, created_at)"
                " SELECT %(tenant)s, %(run)s, b.panelist_id, b.account_id, b.amount, %(currency)s, 'mass_payment',"
                " 'pending', 'FP-' || %(yyyymm)s || '-' || b.panelist_id, b.email, '', now() FROM bench_pay b",
                p,
            )
            cursor.execute(
                "UPDATE rewards_payoutrun SET payout_count = (SELECT COUNT(*) FROM bench_pay),"
                " total_amount = (SELECT SUM(amount) FROM bench_pay), status = 'done', finished_at = now()"
                " WHERE id = %(run)s",
                p,
            )
            checks_started = time.perf_counter()
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the checks a commit would fire
            seconds = time.perf_counter() - started
            checks = time.perf_counter() - checks_started
        transaction.set_rollback(True)  # the baseline's rows go; only its time stays
    # And so does the room they took: the rolled-back rows leave a million holes in each table, which
    # the run would fill page by scattered page. A real ledger has no such holes, so the tables are
    # rewritten compactly before the run.
    settle(("rewards_ledgeraccount", "rewards_ledgertransaction", "rewards_ledgerentry", "rewards_payout"), full=True)
    return seconds, checks


def settle(tables: tuple[str, ...], *, full: bool = False) -> bool:
    """Vacuum and analyse the tables, then checkpoint, so that the next measured phase pays for none of
    the previous one's writes (dirty buffers, full-page images after the next checkpoint). Returns
    whether the checkpoint was allowed (a superuser, or a member of pg_checkpoint)."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM {'FULL ' if full else ''}ANALYZE {table}")
        try:
            with transaction.atomic():
                cursor.execute("CHECKPOINT")
        except DatabaseError:
            return False
    return True


def fingerprint(tenant: Tenant) -> dict[str, Any]:
    """What a replay must leave exactly as it was."""
    t = tenant.pk
    return {
        "transactions": scalar("SELECT COUNT(*) FROM rewards_ledgertransaction WHERE tenant_id = %s", [t]),
        "entries": scalar("SELECT COUNT(*) FROM rewards_ledgerentry WHERE tenant_id = %s", [t]),
        "payouts": scalar("SELECT COUNT(*) FROM rewards_payout WHERE tenant_id = %s", [t]),
        "accounts": scalar(
            "SELECT md5(string_agg(id || ':' || balance, ',' ORDER BY id)) FROM rewards_ledgeraccount"
            " WHERE tenant_id = %s",
            [t],
        ),
        "runs": scalar(
            "SELECT md5(string_agg(r::text, ',' ORDER BY id)) FROM rewards_payoutrun r WHERE tenant_id = %s", [t]
        ),
        "chunks": scalar(
            "SELECT md5(string_agg(c::text, ',' ORDER BY id)) FROM rewards_payoutchunk c WHERE tenant_id = %s", [t]
        ),
    }


def rows_written(before: dict[str, Any], after: dict[str, Any]) -> int:
    """New rows, plus one for each of the accounts, runs or chunks that changed at all."""
    counted = sum(after[k] - before[k] for k in ("transactions", "entries", "payouts"))
    return counted + sum(1 for k in ("accounts", "runs", "chunks") if after[k] != before[k])


def verify(tenant: Tenant, run: PayoutRun, count: int) -> None:
    t = tenant.pk
    run.refresh_from_db()
    with connection.cursor() as cursor:  # fresh statistics for the checks, as autovacuum would have by now
        for table in ("rewards_payout", "rewards_ledgertransaction", "rewards_ledgerentry", "rewards_ledgeraccount"):
            cursor.execute(f"ANALYZE {table}")
    paid_once = scalar(
        "SELECT COUNT(*) FROM panel_panelist p JOIN (SELECT panelist_id, COUNT(*) AS n FROM rewards_payout"
        " WHERE run_id = %s GROUP BY panelist_id) x ON x.panelist_id = p.id WHERE p.tenant_id = %s AND x.n = 1",
        [run.pk, t],
    )
    assert paid_once == count, f"{paid_once} of {count} panelists have exactly one payout"
    total = scalar("SELECT COALESCE(SUM(amount), 0) FROM rewards_payout WHERE run_id = %s", [run.pk])
    assert total == BALANCE * count == run.total_amount, (total, run.total_amount)
    assert run.payout_count == count, run.payout_count
    left = scalar("SELECT COUNT(*) FROM rewards_ledgeraccount WHERE tenant_id = %s AND kind = 'panelist'"
                  " AND balance <> 0", [t])  # fmt: skip
    assert left == 0, f"{left} balances were not paid"
    assert account_balance(account=clearing_account_ensure(tenant=tenant)) == total
    assert not PayoutChunk.objects.unscoped().filter(run=run).exclude(status=PayoutChunk.Status.DONE).exists()


# -- the worker -------------------------------------------------------------------------------------


def queue_purge() -> int:
    """Drop the messages waiting on the ``payouts`` queue only (never the other queues)."""
    with app.connection_for_write() as conn:
        return int(Queue(QUEUE).bind(conn.default_channel).purge() or 0)


def queue_length() -> int:
    with app.connection_for_write() as conn:
        declared = Queue(QUEUE).bind(conn.default_channel).queue_declare()
        return int(declared.message_count)  # type: ignore[union-attr]


def foreign_consumers() -> list[str]:
    """Workers already consuming ``payouts`` on this broker: they would take our tasks to their database."""
    replies = app.control.inspect(timeout=1.0).active_queues() or {}
    return sorted(name for name, queues in replies.items() if any(q.get("name") == QUEUE for q in queues))


class Worker:
    """A real ``celery worker`` process on the ``payouts`` queue, its log parsed for the chunk tasks."""

    def __init__(self, concurrency: int, directory: Path) -> None:
        self.name = f"bench-payouts-{os.getpid()}@%h"
        self.log = directory / "worker.log"
        self.retries = 0
        # Test settings (no debug query log), but connections kept between tasks as in production.
        env = os.environ | {"DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONPATH": str(ROOT),
                            "TEST_CONN_MAX_AGE": "60"}  # fmt: skip
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "INFO", "-P", "prefork",
             "-c", str(concurrency), "-Q", QUEUE, "-n", self.name, "--without-gossip", "--without-mingle"],
            env=env, cwd=ROOT, stdout=self.log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited early:\n{self.tail()}")
            replies = app.control.ping(timeout=0.5) or []
            prefix = f"bench-payouts-{os.getpid()}@"
            self.node = next((node for reply in replies for node in reply if node.startswith(prefix)), "")
            if self.node:
                return
        raise RuntimeError(f"celery worker did not answer within 60s:\n{self.tail()}")

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def results(self) -> list[tuple[float, bool]]:
        """(seconds, result) of every chunk task the worker finished so far; a failure is fatal (a retry,
        after a transient database or broker error, is counted in ``retries``)."""
        done = []
        self.retries = 0
        for match in TASK_LINE.finditer(self.log.read_text(errors="replace")):
            if match.group(3) == "retry":
                self.retries += 1
            elif match.group(3):
                raise RuntimeError(f"a chunk task {match.group(3)}:\n{self.tail()}")
            else:
                done.append((float(match.group(1)), match.group(2) == "True"))
        return done

    def busy(self) -> bool:
        inspect = app.control.inspect(destination=[self.node], timeout=1.0)
        active = (inspect.active() or {}).get(self.node, [])
        reserved = (inspect.reserved() or {}).get(self.node, [])
        return bool(active or reserved)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # warm shutdown: the task in hand finishes
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # its own session: only its processes
                self.process.wait()


def wait_until_consumed(worker: Worker, expected: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(worker.results()) < expected:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the worker consumed {len(worker.results())} of {expected} tasks:\n{worker.tail()}")
        if worker.process.poll() is not None:
            raise RuntimeError(f"the worker exited:\n{worker.tail()}")
        time.sleep(0.02)


def pay(worker: Worker, run: PayoutRun, budget: float) -> dict[str, Any]:
    """Wait until the run is done, or the budget is spent. When the queue is empty, the worker idle and
    chunks still pending, re-enqueue them as the sweeper would (it waits PAYOUT_CHUNK_STALL_SECONDS
    first; this does not)."""
    started = time.perf_counter()
    deadline = time.monotonic() + budget
    sweeps = requeued = 0
    first_pass: float | None = None
    last_done, last_progress = -1, time.monotonic()
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT r.status, (SELECT COUNT(*) FROM rewards_payoutchunk c WHERE c.run_id = r.id"
                " AND c.status = 'done') FROM rewards_payoutrun r WHERE r.id = %s",
                [run.pk],
            )
            status, done = cursor.fetchone()
        now = time.monotonic()
        if status == PayoutRun.Status.DONE or now > deadline:
            break
        if done != last_done:
            last_done, last_progress = done, now
        elif now - last_progress > 0.5 and queue_length() == 0 and not worker.busy():
            # Nothing moves, nothing queued, nothing in hand: the pending chunks' tasks are gone.
            first_pass = time.perf_counter() - started if first_pass is None else first_pass
            sweeps += 1
            requeued += payout_run_enqueue(run=run)
            last_progress = time.monotonic()
        if worker.process.poll() is not None:
            raise RuntimeError(f"the worker exited:\n{worker.tail()}")
        if done == last_done and now - last_progress > 1.0:
            worker.results()  # a chunk task that fails (not one that retries) stops the benchmark at once
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "first_pass": first_pass or seconds, "sweeps": sweeps, "requeued": requeued,
            "completed": status == PayoutRun.Status.DONE, "chunks_done": done}  # fmt: skip


# -- cleaning up ------------------------------------------------------------------------------------


def cleanup(tenant_id: int) -> None:
    """Every row of the tenant, its users, then the tenant. The ledger refuses deletions (triggers), and
    only this tenant's rows go, so the triggers are off for this transaction; the foreign keys
    (deferred) are checked at its end, when every row is gone."""
    owned = sorted(
        {
            (model._meta.db_table, field.column)
            for model in apps.get_models()
            if not model._meta.proxy and model._meta.managed
            for field in model._meta.concrete_fields
            if field.is_relation and field.related_model is Tenant
        }
    )
    with transaction.atomic(), connection.cursor() as cursor:
        try:  # a superuser skips every trigger, the foreign keys' too: a million deleted panelists would
            # otherwise each be looked up in every table that refers to panelists, at the end
            with transaction.atomic():
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            pass  # the owner role: the user triggers go off below, the foreign keys are checked
        cursor.execute("SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal")
        triggered = sorted({table for table, _ in owned} & {row[0] for row in cursor.fetchall()})
        for table in triggered:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM accounts_user WHERE email LIKE %s", [f"bench-payouts-{tenant_id}-%@example.test"])
        for table, column in owned:
            cursor.execute(f"DELETE FROM {table} WHERE {column} = %s", [tenant_id])  # noqa: S608 (model metadata)
        cursor.execute("DELETE FROM tenants_tenant WHERE id = %s", [tenant_id])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the checks now, before the triggers go back on
        for table in triggered:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    # The emptied tables keep their pages and their statistics of a million rows: vacuum and analyse
    # them, or the next measurement is planned against a table "of 0 rows" of 30,000 pages.
    settle(tuple(sorted({"accounts_user", *(table for table, _ in owned)})))


# -- the benchmark ----------------------------------------------------------------------------------


def unapplied_migrations() -> list[str]:
    executor = MigrationExecutor(connection)
    return [f"{m.app_label}.{m.name}" for m, _ in executor.migration_plan(executor.loader.graph.leaf_nodes())]


def main() -> dict[str, object]:
    args = arguments()
    missing = unapplied_migrations()
    if missing:
        raise SystemExit(f"the database lacks migrations ({', '.join(missing)}): run manage.py migrate first")
    others = foreign_consumers()
    if others:
        raise SystemExit(f"other workers consume the '{QUEUE}' queue on this broker ({', '.join(others)}): stop them")
    runs = [measure(args, count) for count in args.panelists]
    if len(runs) == 1:
        return runs[0] | {"server": server_settings()}
    smallest, largest = runs[0], runs[-1]
    flatness = largest["panelists_per_second"] / smallest["panelists_per_second"]
    return {
        "benchmark": "payout_run_sizes",
        "runs": runs,
        # the cost per panelist stays flat: the largest run's rate against the smallest's, same machine
        "rate_largest_over_smallest": round(flatness, 2),
        "meets_flatness_target": flatness >= TARGET_FLATNESS,
        "targets": {"rate_largest_over_smallest": TARGET_FLATNESS},
        "server": server_settings(),
    }


def server_settings() -> dict[str, str]:
    """The PostgreSQL settings the figures depend on most at a million rows, as the server reports them."""
    names = ["server_version", "shared_buffers", "max_wal_size", "checkpoint_timeout", "wal_compression",
             "synchronous_commit", "autovacuum"]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)", [names])
        return dict(cursor.fetchall())


def measure(args: argparse.Namespace, count: int) -> dict[str, Any]:
    concurrency = args.concurrency
    purged = queue_purge()
    tenant = Tenant.objects.create(
        slug=f"bench-payouts-{os.getpid()}", name="Bench payouts", country="US", currency="USD", panel_capacity=count
    )
    directory = Path(tempfile.mkdtemp(prefix="bench-payouts-"))
    worker: Worker | None = None
    try:
        log(f"seeding {count:,} panelists")
        seed_seconds, seeded = timed(lambda: seed(tenant, count))
        period = previous_period(tenant)
        threshold = reward_settings_get(tenant=tenant).payout_threshold
        log("baseline")
        baseline_seconds, baseline_checks = baseline(tenant, (period - timedelta(days=1)).replace(day=1), threshold)
        log("starting the worker")
        worker = Worker(concurrency, directory)

        log("run")
        started = time.perf_counter()
        plan_seconds, start = timed(lambda: payout_run_start(tenant=tenant, period=period, actor="bench"))
        enqueue_seconds, enqueued = timed(lambda: payout_run_enqueue(run=start.run))
        paid = pay(worker, start.run, budget=budget_for(args, count))
        run_seconds = time.perf_counter() - started
        result: dict[str, Any] = {
            "benchmark": "payout_run",
            "panelists": count,
            "worker_concurrency": concurrency,
            "chunk_size": settings.PAYOUT_CHUNK_SIZE,
            "chunks": start.run.chunks_total,
            "stale_messages_purged": purged,
            "seed_s": round(seed_seconds, 2),
            "seed_deferred_checks_s": round(seeded["deferred_checks_s"], 2),
            "checkpoint_between_phases": bool(seeded["checkpointed"]),
            "baseline_sql_s": round(baseline_seconds, 2),
            "baseline_sql_rows_per_second": int(count / baseline_seconds),
            "baseline_deferred_checks_s": round(baseline_checks, 2),
            "run_completed": paid["completed"],
            "run_budget_s": round(budget_for(args, count)),
            "run_seconds": round(run_seconds, 2),
        }
        if paid["completed"]:
            # the run is done inside the last task; its log line follows a moment later
            wait_until_consumed(worker, enqueued + paid["requeued"], timeout=60)
            run_results = worker.results()
            verify(tenant, start.run, count)
            paid_panelists = count
        else:
            log(f"budget spent: {paid['chunks_done']} of {start.run.chunks_total} chunks done; stopping the worker")
            paid_panelists = int(scalar("SELECT COUNT(*) FROM rewards_payout WHERE run_id = %s", [start.run.pk]))
            worker.stop()  # the chunk in hand finishes (or is rolled back): the ledger must still hold
            run_results = worker.results()
        durations = [seconds for seconds, paid_it in run_results if paid_it]
        tenth = max(1, len(durations) // 10)
        rate = paid_panelists / run_seconds
        target_rate = 1_000_000 / TARGET_RUN_SECONDS_1M
        result |= {
            "panelists_paid": paid_panelists,
            "panelists_per_second": int(rate),
            "run_over_baseline": round(run_seconds / baseline_seconds, 2),
            "planning_s": round(plan_seconds, 2),
            "enqueue_s": round(enqueue_seconds, 2),
            "chunks_enqueued": enqueued,
            "paying_s": round(paid["seconds"], 2),
            "paying_first_pass_s": round(paid["first_pass"], 2),
            "chunk_tasks_paid": len(durations),
            "chunk_task_s_median": round(statistics.median(durations), 3) if durations else None,
            "chunk_task_s_p95": round(sorted(durations)[int(len(durations) * 0.95) - 1], 3) if durations else None,
            # a chunk should cost the same at the end of a run as at its start
            "chunk_task_s_median_first_tenth": round(statistics.median(durations[:tenth]), 3) if durations else None,
            "chunk_task_s_median_last_tenth": round(statistics.median(durations[-tenth:]), 3) if durations else None,
            "chunks_dropped": sum(1 for _, paid_it in run_results if not paid_it),
            "chunk_task_retries": worker.retries,
            "sweeps": paid["sweeps"],
            "chunks_requeued_by_sweeps": paid["requeued"],
            # In production the sweeper re-enqueues only chunks idle PAYOUT_CHUNK_STALL_SECONDS, every 2 minutes.
            "sweeper_wait_in_production_s_at_least": paid["sweeps"] * settings.PAYOUT_CHUNK_STALL_SECONDS,
        }

        written: int | None = None
        replay_seconds = redelivered_seconds = None
        if paid["completed"]:
            log("replay")
            before = fingerprint(tenant)
            replay_started = time.perf_counter()
            replay = payout_run_start(tenant=tenant, period=period, actor="bench")
            replay_enqueued = payout_run_enqueue(run=replay.run)
            wait_until_consumed(worker, len(run_results) + replay_enqueued, timeout=120)
            replay_seconds = time.perf_counter() - replay_started
            chunk_ids = list(PayoutChunk.objects.unscoped().filter(run=replay.run).values_list("pk", flat=True))
            redelivered_started = time.perf_counter()
            for chunk_id in chunk_ids:
                payout_chunk_task.delay(chunk_id)
            wait_until_consumed(worker, len(run_results) + replay_enqueued + len(chunk_ids), timeout=600)
            redelivered_seconds = time.perf_counter() - redelivered_started
            written = rows_written(before, fingerprint(tenant))
            replay_results = worker.results()[len(run_results) :]
            assert not replay.created
            assert not any(paid_it for _, paid_it in replay_results), "a replayed chunk task paid something"
            result |= {
                "replay_seconds": round(replay_seconds, 3),
                "replay_chunks_enqueued": replay_enqueued,
                "replay_redelivered_tasks": len(chunk_ids),
                "replay_redelivered_s": round(redelivered_seconds, 2),
                "replay_rows_written": written,
            }

        log("credits")
        panelists = list(
            Panelist.objects.unscoped().filter(tenant=tenant).select_related("tenant").order_by("pk")[: args.credits]
        )
        queries = 0

        def count_query(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        def credit_all() -> None:
            for p in panelists:
                key = f"bench-credit:{p.pk}"
                panelist_credit(panelist=p, amount=100, reason="bonus", idempotency_key=key, source="bench:credit")

        with connection.execute_wrapper(count_query):
            credit_seconds, _ = timed(credit_all)
        check_seconds, violations = timed(lambda: ledger_violations(tenant=tenant))
        assert violations == [], violations[:5]
        result |= {
            "credit_postings": len(panelists),
            "credit_postings_per_second": int(len(panelists) / credit_seconds) if panelists else None,
            "credit_queries_per_posting": round(queries / len(panelists), 1) if panelists else None,
            "ledger_check_s": round(check_seconds, 2),
            "ledger_violations": len(violations),
            "targets": {
                "panelists_per_second": int(target_rate) + 1,
                "run_seconds_at_1m": TARGET_RUN_SECONDS_1M,
                "replay_seconds": TARGET_REPLAY_SECONDS,
                "replay_rows_written": 0,
            },
            "meets_run_target": paid["completed"] and rate >= target_rate,
            # the run started and enqueued again (by beat, or an operator), its tasks consumed
            "meets_replay_target": None
            if written is None
            else written == 0 and (replay_seconds or 0) < TARGET_REPLAY_SECONDS,
            # the stricter case: every chunk's task delivered again as well
            "meets_replay_target_redelivered": None
            if written is None
            else written == 0 and (redelivered_seconds or 0) < TARGET_REPLAY_SECONDS,
            "no_chunk_dropped": paid["sweeps"] == 0 and all(paid_it for _, paid_it in run_results),
        }
        return result
    except BaseException:
        if worker is not None:
            log(f"worker log tail:\n{worker.tail()}")
        raise
    finally:
        log("cleaning up")
        if worker is not None:
            worker.stop()
            if os.environ.get("BENCH_WORKER_LOG"):  # keep the worker's log for a closer look
                shutil.copyfile(worker.log, os.environ["BENCH_WORKER_LOG"])
        queue_purge()
        cleanup(tenant.pk)
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
