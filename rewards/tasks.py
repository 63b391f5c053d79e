"""Celery tasks of the payouts (queue ``payouts``). Each one is safe to run twice: the database's
constraints and the ledger's idempotency keys make a repeat write nothing."""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from core.tasks import BaseTask


@shared_task(base=BaseTask, name="rewards.tasks.payout_run_start_task")
def payout_run_start_task(tenant_id: int, period: str, actor: str = "system") -> int:
    """Credit the month's rewards, create the run and its chunks, and enqueue them. Returns the run id."""
    from rewards.payouts import payout_run_enqueue, payout_run_start
    from tenants.models import Tenant

    tenant = Tenant.objects.get(pk=tenant_id)
    start = payout_run_start(tenant=tenant, period=date.fromisoformat(period), actor=actor)
    payout_run_enqueue(run=start.run)
    return start.run.pk


@shared_task(base=BaseTask, name="rewards.tasks.payout_chunk_task")
def payout_chunk_task(chunk_id: int) -> bool:
    from rewards.payouts import payout_chunk_process

    return payout_chunk_process(chunk_id=chunk_id)


@shared_task(base=BaseTask, name="rewards.tasks.payout_runs_due_task")
def payout_runs_due_task() -> list[int]:
    """Every 15 minutes (beat): start the run of each tenant whose 1st of the month, 03:00 in its
    own time zone, has come. Late by up to a week (beat was down) it still starts; a run that exists
    is never started again."""
    from rewards.payouts import runs_due

    started = []
    for tenant, period in runs_due():
        payout_run_start_task.delay(tenant.pk, period.isoformat())
        started.append(tenant.pk)
    return started


@shared_task(base=BaseTask, name="rewards.tasks.payout_sweep_task")
def payout_sweep_task() -> dict[str, int]:
    """Every 2 minutes (beat): re-enqueue chunks that stopped moving, close finished runs, and retry
    gift-card payouts that wait for codes."""
    from rewards.models import Payout, PayoutRun
    from rewards.payouts import payout_run_enqueue, payout_run_finish_if_done
    from rewards.providers import giftcards_assign_waiting
    from tenants.models import Tenant

    stalled_before = timezone.now() - timedelta(seconds=settings.PAYOUT_CHUNK_STALL_SECONDS)
    requeued = finished = assigned = 0
    for run in PayoutRun.objects.filter(status=PayoutRun.Status.PAYING):
        if payout_run_finish_if_done(run_id=run.pk):
            finished += 1
        else:
            requeued += payout_run_enqueue(run=run, stalled_before=stalled_before)
    waiting = Payout.objects.filter(status=Payout.Status.WAITING_STOCK).values_list("tenant_id", flat=True).distinct()
    for tenant in Tenant.objects.filter(pk__in=list(waiting)):
        assigned += giftcards_assign_waiting(tenant=tenant).paid
    return {"requeued": requeued, "finished": finished, "gift_cards_assigned": assigned}


@shared_task(base=BaseTask, name="rewards.tasks.payout_giftcards_waiting_task")
def payout_giftcards_waiting_task(tenant_id: int) -> int:
    from rewards.providers import giftcards_assign_waiting
    from tenants.models import Tenant

    return giftcards_assign_waiting(tenant=Tenant.objects.get(pk=tenant_id)).paid


@shared_task(base=BaseTask, name="rewards.tasks.payout_stock_alert_task")
def payout_stock_alert_task(run_id: int) -> int:
    """Email the tenant's owners and managers that gift-card payouts wait for codes."""
    from rewards.models import Payout, PayoutRun
    from tenants.models import Membership
    from tenants.roles import Role

    run = PayoutRun.objects.select_related("tenant").get(pk=run_id)
    waiting = Payout.objects.filter(run=run, status=Payout.Status.WAITING_STOCK).count()
    recipients = list(
        Membership.objects.filter(tenant=run.tenant, role__in=[Role.OWNER, Role.MANAGER]).values_list(
            "user__email", flat=True
        )
    )
    if not recipients or not waiting:
        return 0
    url = f"{settings.FAIRPANEL_BASE_URL}/t/{run.tenant.slug}/console/payouts/providers/"
    send_mail(
        f"[{run.tenant.name}] Gift-card codes have run out",
        f"The payout run for {run.period:%Y-%m} has {waiting} gift-card payout(s) waiting for codes.\n"
        f"Import more codes and they are paid at once: {url}\n",
        settings.DEFAULT_FROM_EMAIL,
        recipients,
    )
    return len(recipients)
