"""Credits to the ledger, one by one, from several processes, and in bulk, each against raw SQL of the
same rows measured in the same run.

On a tenant of its own, with ``--panelists`` panelists (default 20,000) whose accounts exist:

- single: ``panelist_credit`` to distinct panelists, one call and one commit each (``--credits``,
  default 3,000), against the baseline: a minimal raw-SQL credit in one statement on the same tables
  (the idempotent insert of the transaction, both legs, the panelist's balance), one commit each. The
  two alternate in blocks of 250, so that both see the same machine;
- concurrent: ``--processes`` processes (default 4) crediting different panelists of the one tenant
  through ``panelist_credit``, against one process doing the same, the same way;
- bulk: ``ledger_post_many`` of ``--bulk`` postings (default 20,000) in one transaction, as the monthly
  reward sources post, against the raw SQL of the same rows (three set-based statements).

Targets (2 cores): single at least 0.5x the baseline; 4 processes at least 1.6x one; bulk at least
0.5x the baseline. ``ledger_check``'s invariants hold at the end. Every row it wrote is deleted (as
bench/payouts.py does: run it as the owner role, as bench/run.py does).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from django.db import connection, connections, transaction
from payouts import cleanup, log, seed, timed

from panel.models import Panelist
from rewards.models import LedgerAccount
from rewards.selectors import ledger_violations
from rewards.services.ledger import Posting, expense_account_ensure, ledger_post_many, panelist_credit
from tenants.models import Tenant

AMOUNT = 50
BLOCK = 250
TARGETS = {"single_over_baseline": 0.5, "four_processes_over_one": 1.6, "bulk_over_baseline": 0.5}

# The baseline: what a credit must write, in one statement, with the account ids known and no Python.
RAW_CREDIT = """
WITH txn AS (
    INSERT INTO rewards_ledgertransaction (tenant_id, idempotency_key, reason, source, memo, actor, created_at)
    VALUES (%(tenant)s, %(key)s, 'survey', 'bench:raw', '', 'system', clock_timestamp())
    ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id
), balance AS (
    UPDATE rewards_ledgeraccount SET balance = balance + %(amount)s WHERE id = %(account)s AND EXISTS (SELECT FROM txn)
), legs AS (
    INSERT INTO rewards_ledgerentry (tenant_id, transaction_id, account_id, amount)
    SELECT %(tenant)s, txn.id, leg.account, leg.amount FROM txn
    CROSS JOIN (VALUES (%(account)s::bigint, %(amount)s::bigint), (%(expense)s::bigint, -%(amount)s::bigint))
        AS leg(account, amount)
)
SELECT id FROM txn
"""


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--panelists", type=int, default=int(os.environ.get("BENCH_PANELISTS", "20000")))
    parser.add_argument("--credits", type=int, default=int(os.environ.get("BENCH_CREDITS", "3000")))
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--bulk", type=int, default=20000)
    return parser.parse_args()


def service_credits(panelists: list[Panelist], label: str) -> None:
    for p in panelists:
        panelist_credit(panelist=p, amount=AMOUNT, reason="survey", idempotency_key=f"{label}:{p.pk}", source="bench")


def raw_credits(tenant: Tenant, accounts: list[int], expense: int, label: str) -> None:
    with connection.cursor() as cursor:
        for account in accounts:
            cursor.execute(
                RAW_CREDIT,
                {"tenant": tenant.pk, "key": f"{label}:{account}", "amount": AMOUNT, "account": account,
                 "expense": expense},
            )  # fmt: skip


def single(tenant: Tenant, panelists: list[Panelist], accounts: dict[int, int], expense: int) -> dict[str, Any]:
    """The service and the baseline, alternating in blocks over distinct panelists: one commit each."""
    service_s = raw_s = 0.0
    half = len(panelists) // 2
    for start in range(0, half, BLOCK):
        began = time.perf_counter()
        service_credits(panelists[start : start + BLOCK], "single")
        service_s += time.perf_counter() - began
        began = time.perf_counter()
        raw_credits(tenant, [accounts[p.pk] for p in panelists[half + start : half + start + BLOCK]], expense, "raw")
        raw_s += time.perf_counter() - began
    service_rate, raw_rate = half / service_s, half / raw_s
    return {
        "single_credits": half,
        "single_credits_per_second": int(service_rate),
        "single_baseline_raw_sql_per_second": int(raw_rate),
        "single_over_baseline": round(service_rate / raw_rate, 2),
        "single_ms_per_credit": round(1000 * service_s / half, 3),
    }


def _credit_in_child(panelist_ids: list[int], label: str, start_at: float, done: Any) -> None:
    connections.close_all()  # a connection of its own, not the parent's
    panelists = list(Panelist.objects.unscoped().filter(pk__in=panelist_ids).select_related("tenant"))
    while time.time() < start_at:
        time.sleep(0.001)
    started = time.perf_counter()
    service_credits(panelists, label)
    done.put((started, time.perf_counter()))
    connections.close_all()


def concurrent(panelist_ids: list[int], processes: int, label: str) -> float:
    """Credits per second of ``processes`` processes, each crediting its own share of the panelists."""
    shares = [panelist_ids[n::processes] for n in range(processes)]
    connections.close_all()
    context = multiprocessing.get_context("fork")
    done = context.Queue()
    start_at = time.time() + 1.0
    children = [
        context.Process(target=_credit_in_child, args=(share, f"{label}:{n}", start_at, done))
        for n, share in enumerate(shares)
    ]
    for child in children:
        child.start()
    spans = [done.get(timeout=600) for _ in children]
    for child in children:
        child.join()
        if child.exitcode != 0:
            raise SystemExit(f"a crediting process failed (exit code {child.exitcode})")
    wall = max(end for _, end in spans) - min(start for start, _ in spans)
    return len(panelist_ids) / wall


def bulk(tenant: Tenant, accounts: list[int], expense: int) -> dict[str, Any]:
    """``ledger_post_many`` against the same rows in raw SQL, each in a transaction that commits."""
    half = len(accounts) // 2
    postings = [Posting(f"bulk:{a}", "bench:bulk", ((a, AMOUNT), (expense, -AMOUNT))) for a in accounts[:half]]

    def service() -> None:
        with transaction.atomic():
            ledger_post_many(tenant=tenant, reason="receipts", postings=postings)

    def raw() -> None:
        ids = accounts[half : 2 * half]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO rewards_ledgertransaction (tenant_id, idempotency_key, reason, source, memo, actor,"
                " created_at) SELECT %s, 'raw-bulk:' || a, 'receipts', 'bench:bulk', '', 'system', clock_timestamp()"
                " FROM unnest(%s::bigint[]) AS u(a) ON CONFLICT DO NOTHING RETURNING id, idempotency_key",
                [tenant.pk, ids],
            )
            txns = {key: pk for pk, key in cursor.fetchall()}
            cursor.execute(
                "INSERT INTO rewards_ledgerentry (tenant_id, transaction_id, account_id, amount)"
                " SELECT %s, t, leg.account, leg.amount FROM unnest(%s::bigint[], %s::bigint[]) AS u(t, a)"
                " CROSS JOIN LATERAL (VALUES (a, %s::bigint), (%s::bigint, -%s::bigint)) AS leg(account, amount)",
                [tenant.pk, [txns[f"raw-bulk:{a}"] for a in ids], ids, AMOUNT, expense, AMOUNT],
            )
            cursor.execute("UPDATE rewards_ledgeraccount SET balance = balance + %s WHERE id = ANY(%s)", [AMOUNT, ids])

    raw_s, _ = timed(raw)
    service_s, _ = timed(service)
    return {
        "bulk_postings": half,
        "bulk_postings_per_second": int(half / service_s),
        "bulk_baseline_raw_sql_per_second": int(half / raw_s),
        "bulk_over_baseline": round(raw_s / service_s, 2),
    }


def main() -> dict[str, Any]:
    args = arguments()
    count = max(args.panelists, 2 * args.credits, 2 * args.bulk, args.credits * 2)
    tenant = Tenant.objects.create(
        slug=f"bench-ledger-{os.getpid()}", name="Bench ledger", country="US", currency="USD", panel_capacity=count
    )
    try:
        log(f"seeding {count:,} panelists with their accounts")
        seed(tenant, count)
        expense = expense_account_ensure(tenant=tenant).pk
        panelists = list(Panelist.objects.unscoped().filter(tenant=tenant).select_related("tenant").order_by("pk"))
        accounts = dict(
            LedgerAccount.objects.unscoped()
            .filter(tenant=tenant, kind=LedgerAccount.Kind.PANELIST)
            .values_list("panelist_id", "pk")
        )
        result: dict[str, Any] = {"benchmark": "ledger_credits", "panelists": count}
        log("single credits")
        result |= single(tenant, panelists[: 2 * args.credits], accounts, expense)
        log("concurrent credits")
        ids = [p.pk for p in panelists]
        one = concurrent(ids[: args.credits], 1, "one")
        many = concurrent(ids[args.credits : 2 * args.credits], args.processes, "many")
        result |= {
            "processes": args.processes,
            "one_process_credits_per_second": int(one),
            "processes_credits_per_second": int(many),
            "four_processes_over_one": round(many / one, 2),
        }
        log("bulk credits")
        result |= bulk(tenant, [accounts[p.pk] for p in panelists[: 2 * args.bulk]], expense)
        log("ledger_check")
        check_s, violations = timed(lambda: ledger_violations(tenant=tenant))
        result |= {"ledger_check_s": round(check_s, 2), "ledger_violations": len(violations), "targets": TARGETS}
        result["meets_targets"] = not violations and all(result[name] >= floor for name, floor in TARGETS.items())
        return result
    finally:
        log("cleaning up")
        connections.close_all()
        cleanup(tenant.pk)


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
