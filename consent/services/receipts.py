"""Consent receipts' writes: the tenant's signing key (created on first use, its private half encrypted
at rest), each stored receipt, and the email copy of a receipt. What a receipt says and how it is
signed is in ``consent.receipts``."""

from __future__ import annotations

import json
import secrets
import uuid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation

from consent.models import ConsentEvent, ConsentReceipt, Purpose, SigningKey
from consent.receipts import key_pair_generate, receipt_payload, receipt_sign, receipt_verify
from consent.selectors import receipt_find
from consent.subjects import subject_address
from tenants.models import Tenant


def signing_key_get_or_create(*, tenant: Tenant) -> SigningKey:
    key = SigningKey.objects.filter(tenant=tenant).first()
    if key is not None:
        return key
    kid = f"{tenant.slug}-{secrets.token_hex(4)}"
    private_jwk, public_jwk = key_pair_generate(kid=kid)
    try:
        with transaction.atomic():
            return SigningKey.objects.create(tenant=tenant, kid=kid, private_jwk=private_jwk, public_jwk=public_jwk)
    except IntegrityError:  # another request created it first
        return SigningKey.objects.get(tenant=tenant)


def signing_keys_rotate() -> int:
    """Re-encrypt every tenant's private key under the first key of FIELD_ENCRYPTION_KEYS (run by
    ``encryption_rotate``): each is read with whichever key opens it and written with the first."""
    with transaction.atomic():
        keys = list(SigningKey.objects.select_for_update().order_by("tenant_id"))
        for key in keys:
            key.save(update_fields=["private_jwk"])
    return len(keys)


def tenant_payload_sign(*, tenant: Tenant, payload: dict[str, Any]) -> str:
    """Any payload as a compact JWS signed with the tenant's consent-receipt key (checkpoints of the
    consent chain; receipts are signed the same way)."""
    key = signing_key_get_or_create(tenant=tenant)
    return receipt_sign(payload=payload, kid=key.kid, private_jwk=key.private_jwk)


def tenant_payload_verify(*, tenant: Tenant, token: str) -> dict[str, Any]:
    """The payload of a JWS signed with the tenant's key (the one its JWKS publishes); raises
    ``joserfc.errors.JoseError`` when it was not, or was changed since."""
    return receipt_verify(token=token, public_jwk=signing_key_get_or_create(tenant=tenant).public_jwk)


@transaction.atomic
def receipt_issue(*, event: ConsentEvent, purpose: Purpose, base_url: str) -> ConsentReceipt:
    key = signing_key_get_or_create(tenant=event.tenant)
    receipt_id = uuid.uuid4()
    payload = receipt_payload(event=event, purpose=purpose, receipt_id=receipt_id, base_url=base_url)
    token = receipt_sign(payload=payload, kid=key.kid, private_jwk=key.private_jwk)
    return ConsentReceipt.objects.create(
        tenant=event.tenant, receipt_id=receipt_id, event=event, subject=event.subject, payload=payload, token=token
    )


def consent_receipt_email_send(*, receipt_pk: int) -> bool:
    """Mail the panelist a copy of their consent receipt: a summary and the signed receipt attached,
    in the language of the consent text. Returns whether a copy was sent.

    The address is read now, from the person still linked to the receipt's pseudonymous subject: an
    erased person (or a receipt purged meanwhile) gets nothing. Safe to run twice (the worst case is a
    second copy of the same receipt, never a different one).
    """
    receipt = receipt_find(pk=receipt_pk)
    if receipt is None:
        return False
    email = subject_address(receipt.tenant, receipt.subject)
    if not email:
        return False
    with translation.override(receipt.event.document_language):
        body = render_to_string("consent/email/receipt.txt", {"receipt": receipt, "payload": receipt.payload})
        subject = render_to_string("consent/email/receipt_subject.txt", {"receipt": receipt}).strip()
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
    message.attach(
        f"consent-receipt-{receipt.receipt_id}.json", json.dumps(receipt.payload, indent=2), "application/json"
    )
    message.attach(f"consent-receipt-{receipt.receipt_id}.jws", receipt.token, "application/jose")
    message.send()
    return True
