"""Celery tasks of the payouts (queue ``payouts``: the ``payout_`` prefix routes them there). Each one
takes plain ids and calls one service, and is safe to run twice: the database's constraints and the
ledger's idempotency keys make a repeat write nothing.

The services enqueue these tasks, so they import this module; the tasks import the services when
they run."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from core.tasks import BaseTask


@shared_task(base=BaseTask, name="rewards.tasks.payout_run_start_task")
def payout_run_start_task(tenant_id: int, period: str, actor: str = "system") -> int:
    """Credit the month's rewards, create the run and its chunks, and enqueue them. Returns the run id."""
    from rewards.services.payouts import payout_run_start_and_enqueue

    return payout_run_start_and_enqueue(tenant_id=tenant_id, period=date.fromisoformat(period), actor=actor)


@shared_task(base=BaseTask, name="rewards.tasks.payout_chunk_task")
def payout_chunk_task(chunk_id: int) -> bool:
    from rewards.services.payouts import payout_chunk_process

    return payout_chunk_process(chunk_id=chunk_id)


@shared_task(base=BaseTask, name="rewards.tasks.payout_runs_due_task")
def payout_runs_due_task() -> list[int]:
    """Every 15 minutes (beat): start the run of each tenant whose 1st of the month, 03:00 in its
    own time zone, has come. Late by up to a week (beat was down) it still starts; a run that exists
    is never started again."""
    from rewards.services.payouts import payout_runs_due_start

    return payout_runs_due_start()


@shared_task(base=BaseTask, name="rewards.tasks.payout_sweep_task")
def payout_sweep_task() -> dict[str, int]:
    """Every 2 minutes (beat): re-enqueue chunks that stopped moving, close finished runs, and retry
    gift-card payouts that wait for codes."""
    from rewards.services.payouts import payout_sweep

    return payout_sweep()


@shared_task(base=BaseTask, name="rewards.tasks.payout_giftcards_waiting_task")
def payout_giftcards_waiting_task(tenant_id: int) -> int:
    """After an import of codes: pay the tenant's gift-card payouts that waited for them."""
    from rewards.services.providers import giftcards_waiting_retry

    return giftcards_waiting_retry(tenant_ids=[tenant_id])


@shared_task(base=BaseTask, name="rewards.tasks.payout_stock_alert_task")
def payout_stock_alert_task(run_id: int) -> int:
    """Email the tenant's owners and managers that gift-card payouts wait for codes."""
    from rewards.services.payouts import payout_stock_alert

    return payout_stock_alert(run_id=run_id)


@shared_task(base=BaseTask, name="rewards.tasks.payout_preference_notice_send_task")
def payout_preference_notice_send_task(panelist_id: int, language: str) -> bool:
    """Mail the account that its payout destination changed (the worker reads the address)."""
    from rewards.services.wallet import payout_preference_notice_send

    return payout_preference_notice_send(panelist_id=panelist_id, language=language)
