"""The consent log's hash chain: canonical serialisation, hashing, and the check of a walk.

Each event's hash is SHA-256 over a canonical JSON serialisation (sorted keys, no spaces, UTF-8)
of its evidential fields and the previous event's hash. Altering, deleting, reordering or
inserting an event breaks the chain at or after that event; the chain head (``ConsentChain``)
also catches a truncated tail. A purged event leaves a seal (its seq, previous hash and hash): the
walk links through it without its content. A rewrite that recomputes every hash after the change
is caught only against a checkpoint kept outside the database (``consent.checkpoints``).

Pure: this module neither reads nor writes the database. The appends are in
``consent.services.consent``; ``consent.selectors.chain_verify`` reads the log and checks it here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from consent.models import GENESIS_HASH, ConsentChain
from tenants.models import Tenant

HASHED_FIELDS = (
    "seq",
    "subject",
    "purpose_key",
    "kind",
    "document_version",
    "document_language",
    "document_sha256",
    "method",
    "actor",
    "occurred_at",
    "prev_hash",
)
# What a purge leaves of an event (``ConsentSeal``).
SEAL_FIELDS = ("seq", "prev_hash", "hash")


def canonical(tenant_id: int, fields: dict[str, Any]) -> bytes:
    data = {name: fields[name] for name in HASHED_FIELDS}
    occurred_at = data["occurred_at"]
    if isinstance(occurred_at, datetime):
        data["occurred_at"] = occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    data["tenant_id"] = tenant_id
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(tenant_id: int, fields: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(tenant_id, fields)).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    tenant_slug: str
    ok: bool
    events: int
    first_bad_seq: int | None = None
    problem: str = ""
    sealed: int = 0  # purged events the walk linked through by their seals

    def describe(self) -> str:
        if self.ok:
            sealed = f", {self.sealed} purged and sealed" if self.sealed else ""
            return f"{self.tenant_slug}: chain holds ({self.events} events{sealed})."
        return f"{self.tenant_slug}: chain broken at event #{self.first_bad_seq}: {self.problem}"


def chain_check(*, tenant: Tenant, head: ConsentChain | None, events: Iterable[dict[str, Any]]) -> ChainReport:
    """Check ``events`` (the log from the head's seal on, in ``seq`` order, seals in the place of purged
    events) against each other and the head."""
    sealed_seq = head.sealed_seq if head else 0
    expected_prev = head.sealed_hash if head else GENESIS_HASH
    expected_seq = sealed_seq + 1
    count = sealed = 0
    for event in events:
        seq = event["seq"]
        if seq != expected_seq:
            problem = f"expected event #{expected_seq} next but found #{seq} (an event is missing or out of order)"
            return ChainReport(tenant.slug, False, count, expected_seq, problem)
        if event["prev_hash"] != expected_prev:
            problem = "its previous-hash does not match the event before it (inserted, removed or reordered)"
            return ChainReport(tenant.slug, False, count, seq, problem)
        if not event.get("sealed") and event_hash(tenant.pk, event) != event["hash"]:
            return ChainReport(tenant.slug, False, count, seq, "its content does not match its hash (altered)")
        expected_prev = event["hash"]
        expected_seq += 1
        if event.get("sealed"):
            sealed += 1
        else:
            count += 1
    last_seq = head.last_seq if head else 0
    last_hash = head.last_hash if head else GENESIS_HASH
    ended_at = expected_seq - 1
    if ended_at > last_seq:
        problem = f"it lies beyond the chain head (#{last_seq}): added behind the application's back"
        return ChainReport(tenant.slug, False, count, last_seq + 1, problem)
    if ended_at < last_seq:
        problem = f"the log ends at #{ended_at} but the chain head records #{last_seq} (events removed)"
        return ChainReport(tenant.slug, False, count, expected_seq, problem)
    if expected_prev != last_hash:
        return ChainReport(tenant.slug, False, count, last_seq, "its hash differs from the chain head's")
    return ChainReport(tenant.slug, True, count, sealed=sealed)
