from __future__ import annotations

import json

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from config.celery import app
from consent.models import ConsentReceipt


@app.task(name="consent.tasks.consent_receipt_email_send")
def consent_receipt_email_send(receipt_pk: int, email: str, language: str) -> None:
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


@app.task(name="consent.tasks.data_export_build")
def data_export_build(export_id: int) -> None:
    # Imported here: the services enqueue this task, so they import this module first.
    from consent.privacy_services import data_export_build_run

    data_export_build_run(export_id=export_id)


@app.task(name="consent.tasks.purge_personal_data")
def purge_personal_data() -> None:
    """The daily retention purge of every tenant (Celery beat, queue ``purges``)."""
    from consent.privacy_services import privacy_purge
    from tenants.models import Tenant

    for tenant in Tenant.objects.order_by("id"):
        privacy_purge(tenant=tenant)
