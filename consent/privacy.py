"""Privacy categories of consent, and of the apps below it (accounts, tenants), which cannot import
the registry themselves (imports run one way)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import session_key_list
from consent.export_links import EXPORT_DAYS
from consent.models import ConsentDocument, ConsentEvent, ConsentReceipt, DataExport, RetentionChange
from consent.registry import ERASE_ACCOUNT, Category, Person, register
from tenants.models import ApiKey, Membership, Tenant
from tenants.roles import Perm

# --- consent evidence ---------------------------------------------------------------------------


def _evidence_export(person: Person) -> Any:
    if person.tenant is None or person.subject is None:
        return []
    events = ConsentEvent.objects.for_tenant(person.tenant).filter(subject=person.subject).order_by("seq")
    return [
        {
            "seq": e.seq,
            "occurred_at": e.occurred_at.isoformat(),
            "purpose": e.purpose_key,
            "kind": e.kind,
            "document_version": e.document_version,
            "document_language": e.document_language,
            "document_sha256": e.document_sha256,
            "method": e.method,
            "hash": e.hash,
        }
        for e in events
    ]


def _receipt_files(person: Person) -> list[tuple[str, bytes]]:
    if person.tenant is None or person.subject is None:
        return []
    receipts = ConsentReceipt.objects.for_tenant(person.tenant).filter(subject=person.subject)
    return [(f"consent_receipts/{r.receipt_id}.jws", r.token.encode()) for r in receipts]


def _evidence_erase(person: Person) -> int:
    # Consent evidence outlives an erasure (GDPR Art. 7(1) and 17(3)(b)/(e)): the events name only the
    # pseudonymous id, and once the panelist row is unlinked from the account nothing ties it to a person.
    return 0


# Consent evidence is kept at least this long after the consent ends (5 years); no tenant setting goes
# under it, and the purge function of the database holds the same floor (migration consent 0008).
EVIDENCE_FLOOR_DAYS = 1826


def evidence_purge(tenant: Tenant, cutoff: datetime, batch_size: int, dry_run: bool) -> int:
    """Remove the consent events that were superseded before ``cutoff`` (and their receipts), never one
    that is the latest of its subject and purpose, never one superseded less than the floor ago.

    The rule is the database's (``consent_evidence_purge``, a SECURITY DEFINER function: the
    application's role cannot delete evidence any other way). Each removed event leaves a seal of
    its place in the chain, so the log still verifies. Each call looks at one window of events in its
    own short transaction.
    """
    purged, after = 0, 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT scanned_to, purged FROM consent_evidence_purge(%s, %s, %s, %s, %s)",
                [tenant.pk, cutoff, after, batch_size, dry_run],
            )
            scanned_to, count = cursor.fetchone()
        if scanned_to is None:
            return purged
        purged, after = purged + count, scanned_to


register(
    Category(
        key="consent.evidence",
        name=_("Consent events and receipts"),
        basis="legal_obligation",
        retention_days=365 * 6,
        models=(ConsentEvent, ConsentReceipt),
        exporter=_evidence_export,
        eraser=_evidence_erase,
        purger=evidence_purge,
        files=_receipt_files,
        notes=(
            "Kept after erasure under the pseudonymous id only, to prove consent (Art. 7(1)); an event goes"
            " only once its retention has run from when a newer one replaced it, the latest never."
        ),
        retention_floor_days=EVIDENCE_FLOOR_DAYS,
        retention_perm=Perm.EVIDENCE_RETENTION_MANAGE,
    )
)

# --- data-subject export files ------------------------------------------------------------------


def _export_path(export: DataExport) -> Path:
    return Path(settings.MEDIA_ROOT) / export.file


def _exports_of(person: Person) -> Any:
    qs = DataExport.objects.unscoped()  # across tenants: a person's copies in every panel, or narrowed below
    if person.scope == "tenant" and person.tenant is not None:
        qs = qs.filter(tenant=person.tenant, subject=person.subject)
    elif person.user is not None:
        qs = qs.filter(user=person.user)
    else:
        qs = qs.none()
    return qs


def _exports_export(person: Person) -> Any:
    return [
        {"requested_at": e.requested_at.isoformat(), "status": e.status}
        for e in _exports_of(person).order_by("requested_at")
    ]


def _delete_export(export: DataExport) -> None:
    if export.file:
        _export_path(export).unlink(missing_ok=True)
    export.delete()


def _exports_erase(person: Person) -> int:
    exports = list(_exports_of(person))
    for export in exports:
        _delete_export(export)
    return len(exports)


def exports_purge(tenant: Tenant, cutoff: datetime, batch_size: int, dry_run: bool) -> int:
    old = DataExport.objects.for_tenant(tenant).filter(requested_at__lt=cutoff).order_by("id")
    if dry_run:
        return old.count()
    purged = 0
    while batch := list(old[:batch_size]):
        for export in batch:
            _delete_export(export)
        purged += len(batch)
    return purged


register(
    Category(
        key="consent.data_exports",
        name=_("Copies of your data you asked for"),
        basis="legal_obligation",
        retention_days=EXPORT_DAYS,
        models=(DataExport,),
        exporter=_exports_export,
        eraser=_exports_erase,
        purger=exports_purge,
    )
)

# --- staff (tenants) ----------------------------------------------------------------------------


def _staff_export(person: Person) -> Any:
    if person.user is None:
        return []
    return [
        {"tenant": m.tenant.slug, "role": m.role, "since": m.created_at.isoformat()}
        # across tenants: the person's staff roles in every panel
        for m in Membership.objects.unscoped().filter(user=person.user).select_related("tenant")
    ]


def _staff_erase(person: Person) -> int:
    if person.scope != "account" or person.user is None:
        return 0
    # An account erasure reaches what the person did, as staff, in every panel.
    count = 0
    for model, field in ((ApiKey, "created_by"), (ConsentDocument, "created_by"), (RetentionChange, "changed_by")):
        authored = model.objects.unscoped().filter(**{field: person.user})  # across tenants: the person's
        count += authored.update(**{field: None})
    deleted, _ = Membership.objects.unscoped().filter(user=person.user).delete()  # across tenants: the person's
    return count + deleted


register(
    Category(
        key="tenants.staff",
        name=_("Staff roles and authorship"),
        basis="contract",
        retention_days=None,
        models=(Membership, ApiKey, ConsentDocument, RetentionChange),
        exporter=_staff_export,
        eraser=_staff_erase,
        notes=(
            "Kept while the person works for the tenant; consent texts and retention changes stay, without"
            " their author."
        ),
    )
)

# --- the account (accounts, allauth, sessions, admin log) ------------------------------------------


def _account_export(person: Person) -> Any:
    user = person.user
    if user is None:
        return {}
    return {
        "email": user.email,
        "name": user.name,
        "date_joined": user.date_joined.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
        "email_addresses": list(EmailAddress.objects.filter(user=user).values("email", "verified", "primary")),
        "two_factor_methods": sorted(set(Authenticator.objects.filter(user=user).values_list("type", flat=True))),
    }


def _account_erase(person: Person) -> int:
    user = person.user
    if person.scope != "account" or user is None:
        return 0
    sessions, _ = Session.objects.filter(session_key__in=session_key_list(user=user)).delete()
    logs, _ = LogEntry.objects.filter(user=user).delete()
    LogEntry.objects.filter(object_repr__icontains=user.email).update(object_repr="(erased)")
    deleted, _ = User.objects.filter(pk=user.pk).delete()  # cascades to addresses and authenticators
    return sessions + logs + deleted


register(
    Category(
        key="accounts.account",
        name=_("Your account"),
        basis="membership",
        retention_days=None,
        models=(User, EmailAddress, Authenticator, Session, LogEntry),
        exporter=_account_export,
        eraser=_account_erase,
        notes="Erased last, when the whole account is erased.",
        erase_order=ERASE_ACCOUNT,
    )
)
