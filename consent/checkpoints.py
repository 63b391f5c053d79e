"""Checkpoints of a tenant's consent chain, kept outside the database by its auditors.

A checkpoint says: at ``at``, the tenant's chain ended at event ``seq``, whose hash was ``hash``. It
is signed (a compact JWS, ES256) with the tenant's consent-receipt key, and its file carries the
payload in clear beside the signature. Whoever can write to the database can rewrite the log and
recompute every hash after the change, so the chain alone then verifies; they cannot change the
files the auditors keep. ``checkpoint_check`` proves that the log still extends a checkpoint: the
event at its seq, or the seal a purge left in the event's place, has the same hash (and
``chain_verify`` then links everything after it).

Pure: builds, reads and compares. Signing and the reads are in ``consent.services.checkpoints``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _

from consent.models import GENESIS_HASH, ConsentChain
from core.errors import DomainError
from tenants.models import Tenant

FORMAT = "fairpanel-consent-checkpoint/1"
PAYLOAD_KEYS = {"format", "tenant", "tenant_id", "seq", "hash", "at"}


def checkpoint_payload(*, tenant: Tenant, head: ConsentChain | None, at: datetime) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "tenant": tenant.slug,
        "tenant_id": tenant.pk,
        "seq": head.last_seq if head else 0,
        "hash": head.last_hash if head else GENESIS_HASH,
        "at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def checkpoint_file(*, payload: dict[str, Any], token: str) -> dict[str, Any]:
    """What the auditor keeps: the payload to read, and the JWS that proves it."""
    return {"checkpoint": payload, "jws": token}


def checkpoint_filename(payload: dict[str, Any]) -> str:
    return f"consent-checkpoint-{payload['tenant']}-{payload['seq']}.json"


def checkpoint_read(text: str) -> tuple[dict[str, Any], str]:
    """The payload (as the file claims it, not yet proven) and the JWS of a checkpoint file."""
    try:
        document = json.loads(text)
    except ValueError:
        raise DomainError(_("This is not a checkpoint file (not JSON)."), code="bad_checkpoint") from None
    payload = document.get("checkpoint") if isinstance(document, dict) else None
    token = document.get("jws") if isinstance(document, dict) else None
    if not isinstance(payload, dict) or set(payload) != PAYLOAD_KEYS or payload.get("format") != FORMAT:
        raise DomainError(_("This is not a checkpoint file (%(format)s).") % {"format": FORMAT}, code="bad_checkpoint")
    if not isinstance(token, str) or not token:
        raise DomainError(_("The checkpoint file carries no signature (jws)."), code="bad_checkpoint")
    return payload, token


@dataclass(frozen=True)
class CheckpointReport:
    tenant_slug: str
    seq: int
    at: str
    ok: bool
    problem: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"{self.tenant_slug}: the log extends the checkpoint of event #{self.seq} ({self.at})."
        checkpoint = f"the checkpoint of event #{self.seq} ({self.at})"
        return f"{self.tenant_slug}: the log does not extend {checkpoint}: {self.problem}"


def checkpoint_check(
    *, payload: dict[str, Any], head: ConsentChain | None, hash_at_seq: str | None
) -> CheckpointReport:
    """Compare a proven checkpoint with the log: ``hash_at_seq`` is the hash of the event at the
    checkpoint's seq as the log has it now (from the event, or from its seal), or None when neither is
    there. The walk from there to the head is ``chain_verify``'s."""
    seq = int(payload["seq"])

    def refused(problem: str) -> CheckpointReport:
        return CheckpointReport(payload["tenant"], seq, payload["at"], False, problem)

    last_seq = head.last_seq if head else 0
    if seq > last_seq:
        return refused(f"the log now ends at #{last_seq}, before it (events removed)")
    if seq == 0:
        expected = GENESIS_HASH
    elif hash_at_seq is None:
        return refused(f"event #{seq} is neither in the log nor sealed by a purge (removed)")
    else:
        expected = hash_at_seq
    if expected != payload["hash"]:
        return refused(f"event #{seq} no longer has the hash the checkpoint recorded (the log was rewritten)")
    return CheckpointReport(payload["tenant"], seq, payload["at"], True)
