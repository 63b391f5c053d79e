"""The monthly milestone: N approved receipts in a calendar month (the tenant's time zone) pay the
tenant's receipts reward once, at the approval that reaches N; the operator may add further steps
(20 receipts for 5.00 more...), each paid once too, at the approval that reaches it.

Each approval increments the panelist's tally for the month with ``INSERT ... ON CONFLICT DO UPDATE``,
which takes the tally row's lock until the approval commits: two racing approvals get distinct
counts, so exactly one sees each step reached, and the tally's ``paid_steps`` (the highest step paid,
written under the same lock) keeps any later approval from paying it again. Each step is credited
through ``panelist_credit`` keyed ``receipts:<panelist>:<YYYY-MM>:<step>`` (step 1 is the reward
settings' milestone, 2, 3... the further steps by growing count), so a retried approval is harmless
too. The credit is posted in the approval's own transaction: an approval is never committed without
its payment.

An approval reversed later may take a step's money back (``receipt_approval_reverse``, the operator's
choice): the step's credit is reversed and ``paid_steps`` lowered, so that reaching the step again
pays it again, under the key ``receipts:<panelist>:<YYYY-MM>:<step>:<n>`` (the n-th payment of the step
that month; every earlier one was reversed).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from django.db import connection
from django.db.models import Q

from accounts.models import User
from panel.models import Panelist
from receipts.models import ReceiptTally
from receipts.selectors import Step, milestone_steps
from rewards.models import LedgerTransaction
from rewards.periods import month_start_local
from rewards.selectors import reward_settings_get
from rewards.services.ledger import panelist_credit, transaction_reverse
from rewards.sources import SourceCredit
from tenants.models import Tenant


def milestone_key(*, panelist: Panelist, month: date, step: int = 1) -> str:
    return f"receipts:{panelist.public_id}:{month:%Y-%m}:{step}"


def _step_credits(*, panelist: Panelist, month: date, step: int) -> list[LedgerTransaction]:
    """The credits of one step of the month, first first (more than one only after take-backs)."""
    key = milestone_key(panelist=panelist, month=month, step=step)
    return list(
        LedgerTransaction.objects.for_tenant(panelist.tenant)
        .filter(Q(idempotency_key=key) | Q(idempotency_key__startswith=f"{key}:"))
        .order_by("id")
    )


def _step_pay(*, panelist: Panelist, month: date, step: Step) -> None:
    base = milestone_key(panelist=panelist, month=month, step=step.number)
    earlier = len(_step_credits(panelist=panelist, month=month, step=step.number))  # each one taken back
    panelist_credit(
        panelist=panelist,
        amount=step.amount,
        reason=LedgerTransaction.Reason.RECEIPTS,
        idempotency_key=base if earlier == 0 else f"{base}:{earlier + 1}",
        source=f"receipts:{month:%Y-%m}",
    )


def approval_count(*, panelist: Panelist, now: datetime) -> date:
    """Count one approval toward this month's milestone and pay every step it reaches that is not
    paid yet. Must run inside the approval's transaction. Returns the month counted."""
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
    steps = milestone_steps(tenant=tenant)
    reached = [step for step in steps if step.number > paid_steps and step.receipts <= approved]
    for step in reached:
        _step_pay(panelist=panelist, month=month, step=step)
    if reached:
        ReceiptTally.objects.filter(tenant=tenant, pk=tally_id).update(paid_steps=reached[-1].number)
    return month


def approval_uncount(*, panelist: Panelist, month: date) -> ReceiptTally | None:
    """An approval withdrawn: one fewer for its month. The money already paid stays (the operator
    decides; see ``milestone_take_back``)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE receipts_receipttally SET approved = approved - 1"
            " WHERE tenant_id = %s AND panelist_id = %s AND month = %s AND approved > 0",
            [panelist.tenant_id, panelist.pk, month],
        )
    return ReceiptTally.objects.filter(tenant_id=panelist.tenant_id, panelist=panelist, month=month).first()


def steps_no_longer_reached(*, tally: ReceiptTally) -> list[Step]:
    """The steps paid for the tally's month that its count no longer reaches (after a reversal)."""
    steps = milestone_steps(tenant=tally.tenant)
    return [step for step in steps if step.number <= tally.paid_steps and step.receipts > tally.approved]


def milestone_take_back(*, tally: ReceiptTally, steps: list[Step], memo: str, by: User | None) -> None:
    """Reverse the credits of ``steps`` (the last step first) and lower ``paid_steps`` below them, so
    that reaching a step again pays it again. Runs under the tally's row lock (the reversal's
    transaction has just updated the row)."""
    panelist = tally.panelist
    for step in sorted(steps, key=lambda s: -s.number):
        credits = _step_credits(panelist=panelist, month=tally.month, step=step.number)
        if credits:
            transaction_reverse(txn=credits[-1], memo=memo, created_by=by)
    lowest = min(step.number for step in steps)
    ReceiptTally.objects.filter(tenant_id=tally.tenant_id, pk=tally.pk).update(paid_steps=lowest - 1)


def milestone_collect(tenant: Tenant, start: date, end: date) -> Iterator[SourceCredit]:
    """The reward source the payout run credits: a month's steps reached but not paid at once (the
    counts were lowered after the approvals), in one credit per panelist. Steps paid at the approval
    are never yielded, so nothing is paid twice."""
    rules = reward_settings_get(tenant=tenant)
    steps = milestone_steps(tenant=tenant)
    rows = ReceiptTally.objects.for_tenant(tenant).filter(
        month__gte=start, month__lt=end, approved__gte=rules.receipts_required, paid_steps__lt=len(steps)
    )
    for tally in rows.order_by("id").iterator():
        owed = sum(s.amount for s in steps if s.number > tally.paid_steps and s.receipts <= tally.approved)
        if owed:
            yield SourceCredit(panelist_id=tally.panelist_id, amount=owed, source=f"receipts:{start:%Y-%m}")
