"""consent's Celery tasks: thin wrappers that take plain ids and call one service.

A message carries ids only, never personal data (an address, a name): messages sit in Redis, which
an erasure cannot reach, so each task reads what it needs from the database when it runs.

The services import from here (they enqueue these tasks after commit), so each task imports its
service when it runs.
"""

from __future__ import annotations

from celery import shared_task

from core.tasks import BaseTask


@shared_task(base=BaseTask, name="consent.tasks.consent_receipt_email_send_task")
def consent_receipt_email_send_task(receipt_pk: int) -> bool:
    # Only the id travels through Redis: the service reads the address when it sends.
    from consent.services.receipts import consent_receipt_email_send

    return consent_receipt_email_send(receipt_pk=receipt_pk)


@shared_task(base=BaseTask, name="consent.tasks.data_export_build_task")
def data_export_build_task(export_id: int) -> None:
    from consent.services.privacy import data_export_build

    data_export_build(export_id=export_id)


@shared_task(base=BaseTask, name="consent.tasks.privacy_purge_task")
def privacy_purge_task() -> None:
    """The daily retention purge of every tenant (Celery beat, queue ``purges``).

    Named for ``privacy_purge``, which it runs for each tenant (``privacy_purge_all``); the ``_purge_task``
    ending routes it to the ``purges`` queue (settings.CELERY_TASK_ROUTES).
    """
    from consent.services.privacy import privacy_purge_all

    privacy_purge_all()


@shared_task(base=BaseTask, name="consent.tasks.checkpoint_email_send_task")
def checkpoint_email_send_task(tenant_id: int) -> None:
    from consent.services.checkpoints import checkpoint_email_send

    checkpoint_email_send(tenant_id=tenant_id)


@shared_task(base=BaseTask, name="consent.tasks.checkpoint_email_send_all_task")
def checkpoint_email_send_all_task() -> None:
    """Celery beat (``CONSENT_CHECKPOINT_EMAIL``): one ``checkpoint_email_send_task`` per tenant."""
    from consent.services.checkpoints import checkpoint_email_send_all

    checkpoint_email_send_all()
