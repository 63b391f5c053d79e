from __future__ import annotations

from celery import shared_task

from accounts.services import security_notice_send, session_purge
from core.tasks import BaseTask


@shared_task(base=BaseTask, name="accounts.tasks.session_purge_task")
def session_purge_task() -> None:
    """Delete expired login sessions (Celery beat, queue ``purges``)."""
    session_purge()


@shared_task(base=BaseTask, name="accounts.tasks.security_notice_send_task")
def security_notice_send_task(user_id: int, event: str, language: str) -> bool:
    """Mail an account that its second factor changed (ids only in the message: the worker reads the
    address)."""
    return security_notice_send(user_id=user_id, event=event, language=language)
