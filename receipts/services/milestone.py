"""The monthly milestone: N approved receipts in a calendar month (the tenant's time zone) pay the
tenant's receipts reward once, at the approval that reaches N.

Each approval increments the panelist's tally for the month with ``INSERT ... ON CONFLICT DO UPDATE``,
which takes the tally row's lock until the approval commits: two racing approvals get distinct
counts, so exactly one sees the milestone reached, and the credit's idempotency key
``receipts:<panelist>:<YYYY-MM>:<step>`` makes a retried approval harmless too. The credit is posted
in the approval's own transaction, so an approval is never committed without its payment.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from django.db import connection

from panel.models import Panelist
from receipts.models import ReceiptTally
from rewards.models import LedgerTransaction
from rewards.periods import month_start_local
from rewards.selectors import reward_settings_get
from rewards.services.ledger import panelist_credit
from rewards.sources import SourceCredit
from tenants.models import Tenant

STEP = 1  # one step a month; the key names it so that further steps can follow


def milestone_key(*, panelist: Panelist, month: date, step: int = STEP) -> str:
    return f"receipts:{panelist.public_id}:{month:%Y-%m}:{step}"


def approval_count(*, panelist: Panelist, now: datetime) -> date:
    """Count one approval toward this month's milestone and pay the milestone if it is reached.
    Must run inside the approval's transaction. Returns the month counted."""
    tenant = panelist.tenant
    month = month_start_local(tenant, now)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO receipts_receipttally (tenant_id, panelist_id, month, approved, paid_steps)"
            " VALUES (%s, %s, %s, 1, 0)"
            " ON CONFLICT (tenant_id, panelist_id, month) DO UPDATE SET approved = receipts_receipttally.approved + 1"
            " RETURNING id, approved, paid_steps",
            [tenant.pk, panelist.pk, month],
        )
        tally_id, approved, paid_steps = cursor.fetchone()
    rules = reward_settings_get(tenant=tenant)
    if approved >= rules.receipts_required and paid_steps < STEP:
        panelist_credit(
            panelist=panelist,
            amount=rules.receipts_reward,
            reason=LedgerTransaction.Reason.RECEIPTS,
            idempotency_key=milestone_key(panelist=panelist, month=month),
            source=f"receipts:{month:%Y-%m}",
        )
        ReceiptTally.objects.filter(tenant=tenant, pk=tally_id).update(paid_steps=STEP)
    return month


def approval_uncount(*, panelist: Panelist, month: date) -> ReceiptTally | None:
    """An approval withdrawn: one fewer for its month. The money already paid stays (the operator
    decides; see ``receipt_approval_reverse``)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE receipts_receipttally SET approved = approved - 1"
            " WHERE tenant_id = %s AND panelist_id = %s AND month = %s AND approved > 0",
            [panelist.tenant_id, panelist.pk, month],
        )
    return ReceiptTally.objects.filter(tenant_id=panelist.tenant_id, panelist=panelist, month=month).first()


def milestone_collect(tenant: Tenant, start: date, end: date) -> Iterator[SourceCredit]:
    """The reward source the payout run credits: a month's milestones reached but not paid at once
    (the count was lowered after the approvals). Those paid at the approval are never yielded, so
    nothing is paid twice."""
    rules = reward_settings_get(tenant=tenant)
    rows = ReceiptTally.objects.for_tenant(tenant).filter(
        month__gte=start, month__lt=end, approved__gte=rules.receipts_required, paid_steps=0
    )
    for tally in rows.order_by("id").iterator():
        yield SourceCredit(
            panelist_id=tally.panelist_id, amount=rules.receipts_reward, source=f"receipts:{start:%Y-%m}"
        )
