from __future__ import annotations

import json

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from consent.models import ConsentReceipt
from core.tasks import BaseTask


@shared_task(base=BaseTask, name="consent.tasks.consent_receipt_email_send_task")
def consent_receipt_email_send_task(receipt_pk: int, email: str, language: str) -> None:
    """Mail the panelist a copy of their consent receipt: a summary and the signed receipt attached.

    Safe to run twice (the worst case is a second copy of the same receipt, never a different one).
    """
    receipt = ConsentReceipt.objects.select_related("event", "tenant").get(pk=receipt_pk)
    with translation.override(language):
        body = render_to_string("consent/email/receipt.txt", {"receipt": receipt, "payload": receipt.payload})
        subject = render_to_string("consent/email/receipt_subject.txt", {"receipt": receipt}).strip()
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
    message.attach(
        f"consent-receipt-{receipt.receipt_id}.json", json.dumps(receipt.payload, indent=2), "application/json"
    )
    message.attach(f"consent-receipt-{receipt.receipt_id}.jws", receipt.token, "application/jose")
    message.send()


@shared_task(base=BaseTask, name="consent.tasks.data_export_build_task")
def data_export_build_task(export_id: int) -> None:
    # Imported here: the services enqueue this task, so they import this module first.
    from consent.privacy_services import data_export_build_run

    data_export_build_run(export_id=export_id)


@shared_task(base=BaseTask, name="consent.tasks.privacy_purge_task")
def privacy_purge_task() -> None:
    """The daily retention purge of every tenant (Celery beat, queue ``purges``)."""
    from consent.privacy_services import privacy_purge
    from tenants.models import Tenant

    for tenant in Tenant.objects.order_by("id"):
        privacy_purge(tenant=tenant)
