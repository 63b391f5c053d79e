"""Approvals racing in several processes pay each step of the month's milestone exactly once."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time

import pytest

from receipts.models import Receipt, ReceiptTally
from receipts.services.program import receipt_program_update
from rewards.models import LedgerTransaction
from rewards.selectors import panelist_balance
from rewards.services.settings import reward_settings_update
from tenants.roles import Role
from tests.conftest import ROOT, process_env_for_tests
from tests.factories import MembershipFactory, PanelistFactory, TenantFactory, UserFactory

PROCESSES = 4
RECEIPTS = 12


@pytest.mark.django_db(transaction=True)
def test_approvals_racing_in_several_processes_pay_the_milestone_exactly_once(rng: random.Random) -> None:
    # given a panelist with 12 receipts waiting for review, a milestone at 10 and a further step at 12
    tenant = TenantFactory.create(currency="EUR")
    reward_settings_update(tenant=tenant, values={"receipts_required": 10, "receipts_reward": 1000})
    receipt_program_update(tenant=tenant, values={"milestone_steps": [{"receipts": 12, "amount": 500}]})
    panelist = PanelistFactory.create(tenant=tenant)
    ids = [
        Receipt.objects.create(tenant=tenant, panelist=panelist, kind="photo", status="review", merchant="Shop").pk
        for _ in range(RECEIPTS)
    ]
    reviewers = []
    for _ in range(PROCESSES):
        user = UserFactory.create()
        MembershipFactory.create(tenant=tenant, user=user, role=Role.REVIEWER)
        reviewers.append(user)
    # when four reviewers, each in its own process, approve all of them in their own order at once
    start_at = time.time() + 3
    processes = []
    for user in reviewers:
        order = ids[:]
        rng.shuffle(order)
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "tests.receipts.race_approver", str(user.pk), str(start_at), *map(str, order)],
                env=process_env_for_tests(),
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        )
    results = []
    for process in processes:
        out, err = process.communicate(timeout=240)
        assert process.returncode == 0, err.decode()[-3000:]
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    # then each receipt was approved once, the tally counts 12, and each step was paid once
    approved = sorted(pk for result in results for pk in result["approved"])
    assert approved == sorted(ids)
    tally = ReceiptTally.objects.for_tenant(tenant).get(panelist=panelist)
    assert (tally.approved, tally.paid_steps) == (RECEIPTS, 2)
    credits = LedgerTransaction.objects.for_tenant(tenant).filter(reason="receipts").order_by("idempotency_key")
    month = f"{tally.month:%Y-%m}"
    assert list(credits.values_list("idempotency_key", flat=True)) == [
        f"receipts:{panelist.public_id}:{month}:1",
        f"receipts:{panelist.public_id}:{month}:2",
    ]
    assert panelist_balance(panelist=panelist) == 1500
