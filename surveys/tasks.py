"""surveys' Celery tasks: thin wrappers over services, taking plain ids, safe to run twice (a sent
invitation has ``sent_at``; an export that is done is not built again)."""

from __future__ import annotations

from celery import shared_task

from core.tasks import BaseTask


@shared_task(base=BaseTask, name="surveys.tasks.survey_invitations_send_task")
def survey_invitations_send_task(wave_id: int) -> int:
    """Mail a wave's invitations through the contact cap."""
    from surveys.services.distribution import wave_invitations_send

    return wave_invitations_send(wave_id=wave_id)


@shared_task(base=BaseTask, name="surveys.tasks.survey_invitations_due_send_task")
def survey_invitations_due_send_task() -> dict[str, int]:
    """Every hour (beat): invitations the cap held, and reminders."""
    from surveys.services.distribution import survey_invitations_due_send

    return survey_invitations_due_send()


@shared_task(base=BaseTask, name="surveys.tasks.responses_auto_approve_task")
def responses_auto_approve_task() -> int:
    """Daily (beat): approve and pay held responses nobody decided within 14 days."""
    from surveys.services.review import responses_auto_approve

    return responses_auto_approve()


@shared_task(base=BaseTask, name="surveys.tasks.survey_export_build_task")
def survey_export_build_task(export_id: int) -> int:
    """Build a large export's file, counting its rows as it goes."""
    from surveys.services.exports import survey_export_build

    export = survey_export_build(export_id=export_id)
    return export.rows_done if export is not None else 0


@shared_task(base=BaseTask, name="surveys.tasks.survey_exports_purge_task")
def survey_exports_purge_task() -> dict[str, int]:
    """Every hour (beat): delete the files of exports whose link has expired."""
    from surveys.services.exports import survey_exports_purge

    return survey_exports_purge()
