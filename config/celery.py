"""The Celery application.

Every task inherits ``BaseTask``: acknowledged late (set in settings), retried a bounded number of
times with exponential back-off when the database or broker is briefly unreachable. Enqueue with
``delay_on_commit`` / ``apply_async_on_commit`` (from Celery's ``DjangoTask``), so that a task never
runs for a row that was rolled back, nor before the row it reads is visible.
"""

from __future__ import annotations

import os

import redis.exceptions
from celery import Celery
from celery.contrib.django.task import DjangoTask
from django import db
from kombu import Queue
from kombu.exceptions import OperationalError as BrokerOperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")


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


app = Celery("fairpanel", task_cls=BaseTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name) for name in ("default", "ingest", "payouts", "purges")]
app.autodiscover_tasks()


@app.task(name="config.ping")
def ping() -> str:
    """A no-op the health check and the tests use to prove a worker consumes the default queue."""
    return "pong"
