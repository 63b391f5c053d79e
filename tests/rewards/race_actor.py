"""One racing process of tests/rewards/test_payout_faults.py: it hammers one panelist's ledger.

    python -m tests.rewards.race_actor ROLE PANELIST_ID COUNT SEED

ROLE is ``credit`` (credits, each retried with the same key), ``reverse`` (reverses random earlier
credits) or ``payout`` (monthly runs, one after another, each paying the panelist's balance). It
prints one JSON line with what the database accepted and what it refused, so the test can check
that nothing was lost or doubled.
"""

from __future__ import annotations

import json
import os
import random
import sys
from datetime import date

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from core.errors import Conflict  # noqa: E402
from panel.models import Panelist  # noqa: E402
from rewards.models import LedgerTransaction, PayoutChunk  # noqa: E402
from rewards.services.ledger import panelist_credit, transaction_reverse  # noqa: E402
from rewards.services.payouts import payout_chunk_process, payout_run_start  # noqa: E402


def main(role: str, panelist_id: int, count: int, seed: int) -> dict:
    rng = random.Random(seed)
    panelist = Panelist.objects.unscoped().select_related("tenant").get(pk=panelist_id)
    done: dict[str, list] = {"credited": [], "reversed": [], "refused": [], "runs": []}
    for n in range(count):
        if role == "credit":
            key = f"race:{seed}:{n}"
            amount = rng.randint(1, 500)
            for _ in range(2):  # a retry with the same key pays once
                txn = panelist_credit(panelist=panelist, amount=amount, reason="survey", idempotency_key=key)
            done["credited"].append([key, amount, txn.pk])
        elif role == "reverse":
            candidates = list(
                LedgerTransaction.objects.unscoped()
                .filter(tenant=panelist.tenant, reason="survey", reversed_by__isnull=True)
                .order_by("?")
                .values_list("pk", flat=True)[:1]
            )
            if candidates:
                try:
                    reversal = transaction_reverse(txn=LedgerTransaction.objects.unscoped().get(pk=candidates[0]))
                    done["reversed"].append([candidates[0], reversal.pk])
                except Conflict as exc:  # the money was paid out already: refused, never negative
                    done["refused"].append([candidates[0], exc.code])
        elif role == "payout":
            run = payout_run_start(tenant=panelist.tenant, period=date(2000 + n, 1, 1)).run
            for chunk_id in PayoutChunk.objects.unscoped().filter(run=run).values_list("pk", flat=True):
                payout_chunk_process(chunk_id=chunk_id)
            done["runs"].append(run.pk)
    return done


if __name__ == "__main__":
    role, panelist_id, count, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    print(json.dumps(main(role, panelist_id, count, seed)))
