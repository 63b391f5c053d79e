"""Consent evidence of years past, for tests that cannot wait for it: events appended to the real chain
(through its head, with their real hashes) as if they had been recorded at a given moment."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from consent.chain import event_hash
from consent.models import ConsentChain, ConsentDocument, ConsentEvent
from tenants.models import Tenant


def years_ago(years: float) -> datetime:
    return timezone.now() - timedelta(days=round(365.25 * years))


@transaction.atomic
def append_at(tenant: Tenant, when: datetime, subject: str, kind: str, purpose_key: str = "surveys") -> ConsentEvent:
    """Append one event recorded at ``when``, chained after the tenant's head like any other."""
    ConsentChain.objects.get_or_create(tenant=tenant)
    head = ConsentChain.objects.select_for_update().get(tenant=tenant)
    document = (
        ConsentDocument.objects.unscoped()
        .filter(tenant=tenant, purpose__key=purpose_key, language="en")
        .order_by("-version")
        .first()
    )
    assert document is not None, f"publish {purpose_key} first"
    fields = {
        "seq": head.last_seq + 1,
        "subject": subject,
        "purpose_key": purpose_key,
        "kind": kind,
        "document_version": document.version,
        "document_language": "en",
        "document_sha256": document.body_sha256,
        "method": "import",
        "actor": "operator",
        "occurred_at": when,
        "prev_hash": head.last_hash,
    }
    event = ConsentEvent.objects.create(tenant=tenant, hash=event_hash(tenant.pk, fields), **fields)
    head.last_seq, head.last_hash = event.seq, event.hash
    head.save(update_fields=["last_seq", "last_hash"])
    return event
