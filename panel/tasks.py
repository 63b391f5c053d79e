from __future__ import annotations

from celery import shared_task

from core.tasks import BaseTask


@shared_task(base=BaseTask, name="panel.tasks.invitation_send_task")
def invitation_send_task(invitation_id: int) -> None:
    # Imported here: the invitation services import this module to enqueue the task.
    from panel.invitations import invitation_send

    invitation_send(invitation_id=invitation_id)


@shared_task(base=BaseTask, name="panel.tasks.invitation_send_batch_task")
def invitation_send_batch_task(invitation_ids: list[int]) -> int:
    """Mail a batch of invitations; already-sent ones are skipped, so a redelivered batch is harmless."""
    from panel.invitations import invitation_send
    from panel.models import Invitation

    unsent = Invitation.objects.filter(pk__in=invitation_ids, sent_at__isnull=True).values_list("pk", flat=True)
    # Over-the-cap ones stay unsent; invitation_send_due_task picks them up later.
    return sum(invitation_send(invitation_id=pk) for pk in unsent)


@shared_task(base=BaseTask, name="panel.tasks.invitation_send_due_task")
def invitation_send_due_task() -> dict[str, int]:
    """Hourly (beat): send invitations the contact cap deferred, and reminders that are due."""
    from panel.invitations import invitation_send, invitations_due

    unsent, reminders = invitations_due()
    sent = sum(invitation_send(invitation_id=pk) for pk in unsent)
    reminded = sum(invitation_send(invitation_id=pk, reminder=True) for pk in reminders)
    return {"sent": sent, "reminded": reminded}
