"""Celery tasks of receipts: thin wrappers over services, taking ids only. Reading runs on the
``receipts`` queue, so that OCR never delays other work; purges on ``purges``; telling the panelist of
a decision on ``default`` (it needs no OCR)."""

from __future__ import annotations

from celery import shared_task

from core.tasks import BaseTask


@shared_task(base=BaseTask, name="receipts.tasks.receipt_read_task")
def receipt_read_task(receipt_id: int) -> bool:
    from receipts.services.submission import receipt_read

    return receipt_read(receipt_id=receipt_id)


@shared_task(base=BaseTask, name="receipts.tasks.receipt_decision_notice_send_task")
def receipt_decision_notice_send_task(decision_id: int) -> bool:
    """Mail the panelist a decision on their receipt (the worker reads the address)."""
    from receipts.services.notices import receipt_decision_notice_send

    return receipt_decision_notice_send(decision_id=decision_id)
