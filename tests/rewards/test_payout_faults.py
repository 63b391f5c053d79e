"""Faults and races with real processes: a payout worker killed with SIGKILL again and again, and
several processes crediting, reversing and paying one panelist at once."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.test import override_settings

from accounts.models import User
from panel.models import Panelist
from rewards.models import LedgerAccount, LedgerTransaction, Payout, PayoutChunk, PayoutRun, RewardSettings
from rewards.selectors import ledger_violations, panelist_balance
from rewards.services.ledger import Posting, expense_account_ensure, ledger_post_many, panelist_accounts_ensure
from rewards.services.payouts import payout_run_enqueue, payout_run_start
from rewards.tasks import payout_sweep_task
from tests.conftest import ROOT, celery_worker_start, process_env_for_tests
from tests.factories import PanelistFactory, TenantFactory

pytestmark = pytest.mark.django_db(transaction=True)

PANELISTS = 3000
THRESHOLD = 1000


def seed_balances(tenant, n: int, rng: random.Random) -> dict[int, int]:
    """``n`` panelists with balances posted through the ledger; about a tenth stay under the threshold."""
    users = User.objects.bulk_create([User(email=f"killed-{i}@example.test") for i in range(n)])
    panelists = Panelist.objects.bulk_create([Panelist(tenant=tenant, user=u) for u in users])
    accounts = panelist_accounts_ensure(tenant=tenant, panelist_ids=[p.pk for p in panelists])
    expense = expense_account_ensure(tenant=tenant)
    amounts = {p.pk: rng.randint(100, THRESHOLD - 1) if rng.random() < 0.1 else rng.randint(THRESHOLD, 5000)
               for p in panelists}  # fmt: skip
    postings = [Posting(f"seed:{pid}", "seed", ((accounts[pid], a), (expense.pk, -a))) for pid, a in amounts.items()]
    ledger_post_many(tenant=tenant, reason="bonus", postings=postings)
    return amounts


def kill_group(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def chunks_done(run: PayoutRun) -> int:
    return PayoutChunk.objects.unscoped().filter(run=run, status="done").count()


def test_a_payout_worker_killed_again_and_again_pays_everyone_exactly_once(tmp_path: Path, rng: random.Random) -> None:
    tenant = TenantFactory.create(currency="EUR")
    RewardSettings.objects.create(tenant=tenant, payout_threshold=THRESHOLD)
    amounts = seed_balances(tenant, PANELISTS, rng)
    owed = {pid: a for pid, a in amounts.items() if a >= THRESHOLD}
    log = tmp_path / "workers.log"

    with override_settings(PAYOUT_CHUNK_SIZE=40):
        run = payout_run_start(tenant=tenant, period=date(2026, 10, 1)).run
    assert run.chunks_total == -(-len(owed) // 40)
    connection.close()  # the worker must not inherit our connection; Django reopens it
    worker = celery_worker_start(log, "killed", concurrency=2)
    payout_run_enqueue(run=run)
    kills = []
    for target in sorted(rng.sample(range(5, 90), 4)):  # kill at four random points of the run
        deadline = time.monotonic() + 120
        while chunks_done(run) * 100 < target * run.chunks_total and time.monotonic() < deadline:
            time.sleep(rng.uniform(0.0, 0.05))
        kill_group(worker)
        kills.append(chunks_done(run))
        worker = celery_worker_start(log, "killed", concurrency=2)
        with override_settings(PAYOUT_CHUNK_STALL_SECONDS=0):
            payout_sweep_task()  # what beat runs every two minutes: re-enqueue what stopped moving
    try:
        deadline = time.monotonic() + 180
        while PayoutRun.objects.unscoped().get(pk=run.pk).status != "done" and time.monotonic() < deadline:
            time.sleep(1)
            with override_settings(PAYOUT_CHUNK_STALL_SECONDS=5):
                payout_sweep_task()
    finally:
        kill_group(worker)

    assert kills, "the worker was never killed"
    assert any(0 < k < run.chunks_total for k in kills), f"no kill landed mid-run: {kills}"
    run.refresh_from_db()
    assert run.status == "done", log.read_text()[-3000:]
    payouts = Payout.objects.unscoped().filter(run=run)
    assert payouts.values("panelist_id").annotate(n=Count("id")).filter(n__gt=1).count() == 0
    assert dict(payouts.values_list("panelist_id", "amount")) == owed  # every eligible panelist, exactly once
    assert payouts.aggregate(total=Sum("amount"))["total"] == sum(owed.values()) == run.total_amount
    assert run.payout_count == len(owed)
    paid_twice = LedgerTransaction.objects.unscoped().filter(tenant=tenant, reason="payout").count()
    assert paid_twice == len(owed)
    balances = dict(
        LedgerAccount.objects.unscoped().filter(tenant=tenant, kind="panelist").values_list("panelist_id", "balance")
    )
    assert balances == {pid: (0 if pid in owed else a) for pid, a in amounts.items()}
    assert ledger_violations(tenant=tenant) == []


def test_racing_credits_reversals_and_payouts_from_several_processes_lose_nothing() -> None:
    tenant = TenantFactory.create(currency="EUR")
    RewardSettings.objects.create(tenant=tenant, payout_threshold=100)
    panelist = PanelistFactory.create(tenant=tenant)
    connection.close()
    roles = [("credit", 60, 1), ("credit", 60, 2), ("reverse", 40, 3), ("reverse", 40, 4), ("payout", 6, 5)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.rewards.race_actor", role, str(panelist.pk), str(count), str(seed)],
            env=process_env_for_tests(),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for role, count, seed in roles
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=240)
        assert process.returncode == 0, err.decode()[-3000:]
        results.append(json.loads(out.decode().strip().splitlines()[-1]))

    credited = [c for r in results for c in r["credited"]]
    reversed_ = [x for r in results for x in r["reversed"]]
    assert len(credited) == 120
    posted = dict(
        LedgerTransaction.objects.unscoped().filter(tenant=tenant, reason="survey").values_list("idempotency_key", "pk")
    )
    assert {key: pk for key, _amount, pk in credited} == posted  # each credit once, none lost
    reversal_of: dict[int, int] = {}
    for original, reversal in reversed_:  # a second reversal of one credit returns the first one
        assert reversal_of.setdefault(original, reversal) == reversal
    assert LedgerTransaction.objects.unscoped().filter(tenant=tenant, reason="reversal").count() == len(reversal_of)
    total_credit = sum(amount for _key, amount, _pk in credited)
    total_reversed = -sum(
        LedgerTransaction.objects.unscoped().get(pk=rev).entries.get(account__kind="panelist").amount
        for rev in reversal_of.values()
    )
    total_paid = Payout.objects.unscoped().filter(panelist=panelist).aggregate(total=Sum("amount", default=0))["total"]
    assert panelist_balance(panelist=panelist) == total_credit - total_reversed - total_paid >= 0
    assert (
        Payout.objects.unscoped()
        .filter(panelist=panelist)
        .values("run")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
        == 0
    )
    assert ledger_violations(tenant=tenant) == []
