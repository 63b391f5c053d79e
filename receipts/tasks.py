"""Celery tasks of receipts: thin wrappers over services, taking ids only. Reading runs on the
``receipts`` queue, so that OCR never delays other work; purges on ``purges``."""

from __future__ import annotations

from celery import shared_task

from core.tasks import BaseTask


@shared_task(base=BaseTask, name="receipts.tasks.receipt_read_task")
def receipt_read_task(receipt_id: int) -> bool:
    from receipts.services.submission import receipt_read

    return receipt_read(receipt_id=receipt_id)
