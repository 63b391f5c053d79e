from __future__ import annotations

from celery import shared_task

from accounts.services import session_purge
from core.tasks import BaseTask


@shared_task(base=BaseTask, name="accounts.tasks.session_purge_task")
def session_purge_task() -> None:
    """Delete expired login sessions (Celery beat, queue ``purges``)."""
    session_purge()
