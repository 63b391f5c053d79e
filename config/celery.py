"""The Celery application.

Every task inherits ``core.tasks.BaseTask``: acknowledged late (set in settings), retried a bounded
number of times with exponential back-off when the database or broker is briefly unreachable. Apps
declare tasks with ``@shared_task(base=BaseTask, name=...)``, so that they never import ``config``. Enqueue with
``delay_on_commit`` / ``apply_async_on_commit`` (from Celery's ``DjangoTask``), so that a task never
runs for a row that was rolled back, nor before the row it reads is visible.
"""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

from core.tasks import BaseTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")


app = Celery("fairpanel", task_cls=BaseTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name) for name in ("default", "ingest", "payouts", "purges", "receipts")]
app.autodiscover_tasks()


@app.task(name="config.ping")
def ping() -> str:
    """A no-op the health check and the tests use to prove a worker consumes the default queue."""
    return "pong"
