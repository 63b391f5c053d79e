"""Telling the panelist of a decision on their receipt, by email: a rejection (by the rules or a
reviewer), an appeal decided, an approval reversed (with what happened to the month's money).

These messages are about the panelist's own earnings, not marketing: they need no consent to
``marketing_email``, neither ask nor count toward the panel's contact cap (``panel.contact``), and go
to the account's address as it is when the worker sends them (none once the person is erased). They
are written in the language the panelist agreed to the receipts program in."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from consent.selectors import consent_latest_event
from consent.subjects import subject_address
from receipts.models import ReceiptDecision
from receipts.selectors import receipt_appeal_get
from receipts.services.review import APPEAL_DAYS


def receipt_decision_notice_send(*, decision_id: int) -> bool:
    """Mail the panelist the decision; False when there is nobody to tell. Run by a worker: safe to
    run twice (a second copy)."""
    rows = ReceiptDecision.objects.unscoped()  # across tenants: a worker loads the row its message names
    decision = rows.select_related("receipt", "receipt__panelist", "tenant").filter(pk=decision_id).first()
    if decision is None:
        return False
    receipt, tenant = decision.receipt, decision.tenant
    panelist = receipt.panelist
    address = subject_address(tenant, panelist.public_id)
    if not address:
        return False
    consented = consent_latest_event(tenant=tenant, subject=panelist.public_id, purpose_key="receipts")
    language = consented.document_language if consented is not None else ""
    if language not in tenant.languages:
        language = tenant.languages[0]
    path = reverse("receipt_detail", kwargs={"tenant_slug": tenant.slug, "public_id": receipt.public_id})
    appealable = (
        decision.outcome == ReceiptDecision.Outcome.REJECTED
        and not decision.on_appeal
        and receipt_appeal_get(receipt=receipt) is None
    )
    with translation.override(language):
        context = {
            "tenant": tenant,
            "decision": decision,
            "receipt": receipt,
            "shop": receipt.merchant or receipt.read_merchant,
            "appealable": appealable,
            "appeal_days": APPEAL_DAYS,
            "url": settings.FAIRPANEL_BASE_URL + path,
        }
        subject = render_to_string("receipts/email/decision_subject.txt", context).strip()
        body = render_to_string("receipts/email/decision.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    return True
