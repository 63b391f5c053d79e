from __future__ import annotations

from config.celery import app


@app.task(name="panel.tasks.invitation_send_task")
def invitation_send_task(invitation_id: int) -> None:
    # Imported here: the invitation services import this module to enqueue the task.
    from panel.invitations import invitation_send

    invitation_send(invitation_id=invitation_id)
