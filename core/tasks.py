"""The base of every Celery task, below every app so that tasks never import ``config``.

Apps declare a task as ``@shared_task(base=BaseTask, name="<app>.tasks.<service>_task")``: a thin
wrapper that takes plain ids and calls one service. Tasks are acknowledged late (settings), so each
must be idempotent; enqueue with ``delay_on_commit`` (from Celery's ``DjangoTask``), so that a task
never runs for a row that was rolled back, nor before the row it reads is visible.
"""

from __future__ import annotations

import redis.exceptions
from celery.contrib.django.task import DjangoTask
from django import db
from kombu.exceptions import OperationalError as BrokerOperationalError


class BaseTask(DjangoTask):
    # Transient infrastructure errors are retried; anything else is a bug and fails at once.
    autoretry_for = (
        db.OperationalError,
        db.InterfaceError,
        redis.exceptions.ConnectionError,
        redis.exceptions.TimeoutError,
        BrokerOperationalError,
        ConnectionError,
        TimeoutError,
    )
    max_retries = 5
    retry_backoff = True
    retry_backoff_max = 300
    retry_jitter = True
