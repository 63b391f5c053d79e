from __future__ import annotations

from celery import shared_task
from django.core.management import call_command

from core.tasks import BaseTask


@shared_task(base=BaseTask, name="accounts.tasks.session_purge_task")
def session_purge_task() -> None:
    """Delete expired login sessions: they hold personal data and serve no purpose once expired."""
    call_command("clearsessions")
