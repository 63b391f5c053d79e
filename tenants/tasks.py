"""Celery tasks of tenants: thin wrappers over its services, with ids only in the message."""

from __future__ import annotations

from celery import shared_task

from core.tasks import BaseTask


@shared_task(base=BaseTask, name="tenants.tasks.staff_welcome_send_task")
def staff_welcome_send_task(membership_id: int, added_by_id: int | None) -> bool:
    from tenants.services import staff_welcome_send

    return staff_welcome_send(membership_id=membership_id, added_by_id=added_by_id)
