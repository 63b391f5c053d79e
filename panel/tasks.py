from __future__ import annotations

from config.celery import app


@app.task(name="panel.tasks.invitation_send_task")
def invitation_send_task(invitation_id: int) -> None:
    # Imported here: the invitation services import this module to enqueue the task.
    from panel.invitations import invitation_send

    invitation_send(invitation_id=invitation_id)


@app.task(name="panel.tasks.invitation_send_batch_task")
def invitation_send_batch_task(invitation_ids: list[int]) -> int:
    """Mail a batch of invitations; already-sent ones are skipped, so a redelivered batch is harmless."""
    from panel.invitations import invitation_send
    from panel.models import Invitation

    unsent = Invitation.objects.filter(pk__in=invitation_ids, sent_at__isnull=True).values_list("pk", flat=True)
    return sum(invitation_send(invitation_id=pk) for pk in unsent)
