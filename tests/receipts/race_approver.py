"""One racing process of tests/receipts/test_milestone_race.py: a reviewer approving receipts.

    python -m tests.receipts.race_approver REVIEWER_ID START_AT RECEIPT_ID...

It waits until START_AT (a Unix time) so that every process approves at the same moment, approves
each receipt it can (another process may have decided it first: refused, 409), and prints one JSON
line: the receipts it approved and those refused.
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from accounts.models import User  # noqa: E402
from core.errors import Conflict  # noqa: E402
from receipts.models import Receipt  # noqa: E402
from receipts.services.review import receipt_decide  # noqa: E402


def main(reviewer_id: int, start_at: float, receipt_ids: list[int]) -> dict:
    reviewer = User.objects.get(pk=reviewer_id)
    # across tenants: the test hands this process bare ids
    receipts = list(Receipt.objects.unscoped().filter(pk__in=receipt_ids).order_by("pk"))
    time.sleep(max(0.0, start_at - time.time()))
    done: dict[str, list[int]] = {"approved": [], "refused": []}
    for receipt in receipts:
        try:
            receipt_decide(receipt=receipt, reviewer=reviewer, outcome="approved")
            done["approved"].append(receipt.pk)
        except Conflict:
            done["refused"].append(receipt.pk)
    return done


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), float(sys.argv[2]), [int(a) for a in sys.argv[3:]])))
