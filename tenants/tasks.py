"""tenants' Celery tasks: thin wrappers that take plain ids and call one service.

The services enqueue these tasks, so each task imports its service when it runs."""

from __future__ import annotations

from celery import shared_task

from core.tasks import BaseTask


@shared_task(base=BaseTask, name="tenants.tasks.staff_welcome_send_task")
def staff_welcome_send_task(membership_id: int, added_by_id: int | None) -> bool:
    from tenants.services import staff_welcome_send

    return staff_welcome_send(membership_id=membership_id, added_by_id=added_by_id)


@shared_task(base=BaseTask, name="tenants.tasks.api_key_notice_send_task")
def api_key_notice_send_task(api_key_id: int, language: str) -> bool:
    from tenants.services import api_key_notice_send

    return api_key_notice_send(api_key_id=api_key_id, language=language)
