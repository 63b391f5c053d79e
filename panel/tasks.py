"""Celery tasks of the panel: thin wrappers over the invitation services, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from core.tasks import BaseTask


@shared_task(base=BaseTask, name="panel.tasks.invitation_send_task")
def invitation_send_task(invitation_id: int) -> None:
    # Imported here: the invitation services import this module to enqueue the task.
    from panel.services.invitations import invitation_send

    invitation_send(invitation_id=invitation_id)


@shared_task(base=BaseTask, name="panel.tasks.invitations_send_batch_task")
def invitations_send_batch_task(invitation_ids: list[int]) -> int:
    from panel.services.invitations import invitations_send_batch

    return invitations_send_batch(invitation_ids=invitation_ids)


@shared_task(base=BaseTask, name="panel.tasks.invitations_send_due_task")
def invitations_send_due_task() -> dict[str, int]:
    """Hourly (beat): send invitations the contact cap deferred, and reminders that are due."""
    from panel.services.invitations import invitations_send_due

    return invitations_send_due()
