"""Checkpoints of the consent chain: signed, handed to auditors (a download, and a scheduled email),
and compared with the log (``consent_verify --checkpoint FILE``). What a checkpoint is and proves is
in ``consent.checkpoints``."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation
from joserfc.errors import JoseError

from consent.checkpoints import (
    CheckpointReport,
    checkpoint_check,
    checkpoint_file,
    checkpoint_filename,
    checkpoint_payload,
    checkpoint_read,
)
from consent.selectors import (
    auditor_email_list,
    chain_hash_at,
    chain_head_get,
    chain_verify,
    checkpoint_tenant_id_list,
)
from consent.services.receipts import tenant_payload_sign, tenant_payload_verify
from consent.tasks import checkpoint_email_send_task
from tenants.models import Tenant


def checkpoint_issue(*, tenant: Tenant) -> dict[str, Any]:
    """A signed checkpoint of the tenant's chain head, as the file an auditor keeps."""
    payload = checkpoint_payload(tenant=tenant, head=chain_head_get(tenant=tenant), at=timezone.now())
    return checkpoint_file(payload=payload, token=tenant_payload_sign(tenant=tenant, payload=payload))


def checkpoint_verify(*, text: str) -> CheckpointReport:
    """Does the log still extend this checkpoint file? Its signature must be the tenant's, the log must
    have the same hash at its seq, and the chain from there on must verify."""
    claimed, token = checkpoint_read(text)
    tenant = Tenant.objects.filter(slug=claimed["tenant"], pk=claimed["tenant_id"]).first()
    if tenant is None:
        return CheckpointReport(claimed["tenant"], claimed["seq"], claimed["at"], False, "no such tenant here")
    try:
        signed = tenant_payload_verify(tenant=tenant, token=token)
    except (JoseError, ValueError):
        signed = None
    if signed != claimed:
        problem = "its signature is not the tenant's, or the file was changed after it was signed"
        return CheckpointReport(tenant.slug, claimed["seq"], claimed["at"], False, problem)
    report = checkpoint_check(
        payload=signed,
        head=chain_head_get(tenant=tenant),
        hash_at_seq=chain_hash_at(tenant=tenant, seq=int(signed["seq"])),
    )
    if not report.ok:
        return report
    chain = chain_verify(tenant=tenant)
    if not chain.ok:
        return CheckpointReport(tenant.slug, report.seq, report.at, False, chain.describe())
    return report


def checkpoint_email_send(*, tenant_id: int) -> int:
    """Mail a fresh signed checkpoint to each of the tenant's auditors; returns how many were sent.

    Safe to run twice: the worst case is a second checkpoint, as valid as the first.
    """
    tenant = Tenant.objects.get(pk=tenant_id)
    recipients = auditor_email_list(tenant=tenant)
    if not recipients:
        return 0
    document = checkpoint_issue(tenant=tenant)
    payload = document["checkpoint"]
    with translation.override(tenant.languages[0] if tenant.languages else settings.LANGUAGE_CODE):
        context = {"tenant": tenant, "checkpoint": payload}
        subject = render_to_string("consent/email/checkpoint_subject.txt", context).strip()
        body = render_to_string("consent/email/checkpoint.txt", context)
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    message.attach(checkpoint_filename(payload), json.dumps(document, indent=2), "application/json")
    message.send()
    return len(recipients)


def checkpoint_email_send_all() -> int:
    """Enqueue ``checkpoint_email_send`` for each active tenant that has auditors and a consent log."""
    tenant_ids = checkpoint_tenant_id_list()
    for tenant_id in tenant_ids:
        checkpoint_email_send_task.delay_on_commit(tenant_id)
    return len(tenant_ids)
