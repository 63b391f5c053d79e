"""Privacy categories of the panel: a person's membership of one tenant."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consent.registry import ERASE_MEMBERSHIP, Category, Person, purge_in_batches, register
from panel.contact import email_hash
from panel.models import ContactLog, Invitation, Panelist, ScreeningQuestion, WaitlistEntry, WaitlistRelease
from tenants.models import Tenant


def _panelists(person: Person) -> Any:
    if person.scope == "tenant" and person.tenant is not None:
        return Panelist.objects.for_tenant(person.tenant).filter(public_id=person.subject)
    if person.user is None:
        return Panelist.objects.none()
    return Panelist.objects.unscoped().filter(user=person.user)  # across tenants: an account erasure


def _export(person: Person) -> Any:
    return [
        {
            "public_id": p.public_id,
            "status": p.status,
            "joined_at": p.joined_at.isoformat(),
            "left_at": p.left_at.isoformat() if p.left_at else None,
        }
        for p in _panelists(person)
    ]


def _erase(person: Person) -> int:
    # The pseudonymous row stays (what was earned is accounted for under it); the person goes.
    now = timezone.now()
    erased = 0
    for panelist in _panelists(person).filter(user__isnull=False):
        panelist.user = None
        if panelist.status != Panelist.Status.LEFT:
            panelist.status, panelist.left_at = Panelist.Status.LEFT, now
        panelist.save(update_fields=["user", "status", "left_at"])
        erased += 1
    return erased


def _purge(tenant: Tenant, cutoff: datetime, batch_size: int, dry_run: bool) -> int:
    """Unlink panelists who left before ``cutoff`` from their accounts."""
    gone = Panelist.objects.for_tenant(tenant).filter(
        status=Panelist.Status.LEFT, left_at__lt=cutoff, user__isnull=False
    )
    return purge_in_batches(gone, batch_size, dry_run, action=lambda batch: batch.update(user=None))


register(
    Category(
        key="panel.panelist",
        name=_("Your panel membership"),
        basis="membership",
        retention_days=365,
        models=(Panelist,),
        exporter=_export,
        eraser=_erase,
        purger=_purge,
        notes="Retention counts from leaving the panel; the pseudonymous row outlives the link to the person.",
        # Unlinking the rows from the account cuts every other category's way to the person's rows.
        erase_order=ERASE_MEMBERSHIP,
    )
)


def _invitations(person: Person) -> Any:
    email = getattr(person.user, "email", None)
    if not email:
        return Invitation.objects.none()
    # By address, and by the panelist rows it led to (the account's address may have changed since).
    # across tenants: the person's invitations in every panel, narrowed to one below when leaving one
    qs = Invitation.objects.unscoped().filter(Q(email__iexact=email) | Q(panelist__user=person.user))
    return qs.filter(tenant=person.tenant) if person.scope == "tenant" and person.tenant is not None else qs


def _invitations_export(person: Person) -> Any:
    return [
        {"email": i.email, "state": i.state, "created_at": i.created_at.isoformat(),
         "accepted_at": i.accepted_at.isoformat() if i.accepted_at else None}
        for i in _invitations(person)
    ]  # fmt: skip


def _invitations_erase(person: Person) -> int:
    deleted, _ = _invitations(person).delete()
    return int(deleted)


def _invitations_purge(tenant: Tenant, cutoff: datetime, batch_size: int, dry_run: bool) -> int:
    """Invitations that were accepted, revoked or expired before ``cutoff`` have served their purpose."""
    done = Invitation.objects.for_tenant(tenant).filter(
        Q(status__in=[Invitation.Status.ACCEPTED, Invitation.Status.REVOKED]) | Q(expires_at__lt=cutoff),
        created_at__lt=cutoff,
    )
    return purge_in_batches(done, batch_size, dry_run)


register(
    Category(
        key="panel.invitations",
        name=_("Invitations to join"),
        basis="legitimate_interests",
        retention_days=90,
        models=(Invitation,),
        exporter=_invitations_export,
        eraser=_invitations_erase,
        purger=_invitations_purge,
        notes="Kept 90 days after they were sent; a refused age check erases the invitation at once.",
    )
)


UNCONFIRMED_DAYS = 7


def _entries(person: Person) -> Any:
    email = getattr(person.user, "email", None)
    if not email:
        return WaitlistEntry.objects.none()
    qs = WaitlistEntry.objects.unscoped().filter(email__iexact=email)  # across tenants: narrowed below when leaving one
    return qs.filter(tenant=person.tenant) if person.scope == "tenant" and person.tenant is not None else qs


def _entries_export(person: Person) -> Any:
    return [
        {"email": e.email, "answers": e.answers, "status": e.status, "joined": e.created_at.isoformat()}
        for e in _entries(person)
    ]


def _entries_erase(person: Person) -> int:
    deleted, _ = _entries(person).delete()
    return int(deleted)


def _entries_purge(tenant: Tenant, cutoff: datetime, batch_size: int, dry_run: bool) -> int:
    """Unconfirmed requests after 7 days; everyone else once the waitlist retention has passed."""
    unconfirmed_cutoff = timezone.now() - timedelta(days=UNCONFIRMED_DAYS)
    old = WaitlistEntry.objects.for_tenant(tenant).filter(
        Q(status=WaitlistEntry.Status.UNCONFIRMED, created_at__lt=unconfirmed_cutoff) | Q(created_at__lt=cutoff)
    )
    return purge_in_batches(old, batch_size, dry_run)


register(
    Category(
        key="panel.waitlist",
        name=_("Your place on the waitlist"),
        basis="waitlist",
        retention_days=365,
        models=(WaitlistEntry, ScreeningQuestion),
        exporter=_entries_export,
        eraser=_entries_erase,
        purger=_entries_purge,
        notes="Unconfirmed requests are deleted after 7 days; screening questions hold no personal data "
        "but their answers live in the entries.",
    )
)


def _staff_actions_export(person: Person) -> Any:
    if person.user is None:
        return []
    return [
        {"release": r.pk, "tenant": r.tenant.slug, "method": r.method, "released": r.released,
         "at": r.created_at.isoformat()}
        # across tenants: what the person, as staff, did in every panel
        for r in WaitlistRelease.objects.unscoped().filter(created_by=person.user).select_related("tenant")
    ]  # fmt: skip


def _staff_actions_erase(person: Person) -> int:
    if person.scope != "account" or person.user is None:
        return 0
    # across tenants: an account erasure reaches what the person, as staff, did in every panel
    releases = WaitlistRelease.objects.unscoped().filter(created_by=person.user).update(created_by=None)
    # across tenants: as above
    return releases + Invitation.objects.unscoped().filter(created_by=person.user).update(
        created_by=None
    )  # across tenants: as above


register(
    Category(
        key="panel.staff_actions",
        name=_("Releases and invitations staff made"),
        basis="legitimate_interests",
        retention_days=None,
        models=(WaitlistRelease,),
        exporter=_staff_actions_export,
        eraser=_staff_actions_erase,
        notes="The releases stay, to explain each selection; erasure unlinks the person who ran them.",
    )
)


def _contacts_purge(tenant: Tenant, cutoff: datetime, batch_size: int, dry_run: bool) -> int:
    old = ContactLog.objects.for_tenant(tenant).filter(sent_at__lt=cutoff)
    return purge_in_batches(old, batch_size, dry_run)


def _contacts_of(person: Person) -> Any:
    email = getattr(person.user, "email", None)
    if not email:
        return ContactLog.objects.none()
    # across tenants: narrowed below when leaving one panel
    qs = ContactLog.objects.unscoped().filter(email_hash=email_hash(email))
    return qs.filter(tenant=person.tenant) if person.scope == "tenant" and person.tenant is not None else qs


register(
    Category(
        key="panel.contact_log",
        name=_("When we wrote to you"),
        basis="legitimate_interests",
        retention_days=90,
        models=(ContactLog,),
        exporter=lambda person: [{"kind": c.kind, "at": c.sent_at.isoformat()} for c in _contacts_of(person)],
        eraser=lambda person: int(_contacts_of(person).delete()[0]),
        purger=_contacts_purge,
        notes="A hash of the address and the time of each message, to cap how often people hear from us.",
    )
)
