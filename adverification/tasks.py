from __future__ import annotations

from celery import shared_task

from adverification.services.counts import ad_count_partitions_ensure, ad_daily_rollup_all
from core.tasks import BaseTask


@shared_task(base=BaseTask, name="adverification.tasks.ad_count_partitions_ensure_task")
def ad_count_partitions_ensure_task() -> list[str]:
    return ad_count_partitions_ensure()


@shared_task(base=BaseTask, name="adverification.tasks.ad_daily_rollup_all_task")
def ad_daily_rollup_all_task() -> int:
    return ad_daily_rollup_all()
