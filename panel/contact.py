"""How often a person hears from a panel: one cap, shared by every kind of message.

Invitations, reminders and (later) survey invitations ask ``contact_allowed`` before sending and call
``contact_record`` after. A message over the cap is not sent now and not lost: its sender leaves it
due, and the periodic tasks try again (``panel.tasks.invitations_send_due_task``).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.utils import timezone

from panel.models import ContactLog
from tenants.models import Tenant


def email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def contact_allowed(*, tenant: Tenant, email: str) -> bool:
    since = timezone.now() - timedelta(days=tenant.contact_period_days)
    sent = ContactLog.objects.for_tenant(tenant).filter(email_hash=email_hash(email), sent_at__gte=since).count()
    return sent < tenant.contact_cap


def contact_record(*, tenant: Tenant, email: str, kind: str) -> None:
    ContactLog.objects.create(tenant=tenant, email_hash=email_hash(email), kind=kind)
