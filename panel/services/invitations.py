"""Invitations and invite-only onboarding: the only way into a panel.

Tokens are derived, not stored: ``<id>.<HMAC(secret key, id and nonce)>``. Accepting locks the
invitation row, so two signups racing on one token make one panelist. The age gate runs before
anything about the person is written, and a refusal erases the invitation itself.
"""

from __future__ import annotations

import logging
import secrets
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import user_get_or_create_verified
from consent.selectors import purpose_text_published
from consent.services.consent import consent_change_by_subject
from consent.subjects import Subject
from core.emails import email_clean
from core.errors import Conflict, DomainError
from panel.contact import contact_allowed, contact_record, email_hash
from panel.errors import TooYoung
from panel.models import ContactLog, Invitation, Panelist, WaitlistEntry
from panel.selectors import invitation_get_by_token, invitations_due, invitations_unsent
from panel.tasks import invitation_send_task
from panel.tokens import invitation_url
from tenants.models import Tenant

logger = logging.getLogger(__name__)


def _normalise(email: str) -> str:
    try:
        return email_clean(email)
    except ValidationError as exc:
        message = " ".join(exc.messages)
        raise DomainError(message, fields={"email": [message]}) from None


def membership_text_require(*, tenant: Tenant) -> None:
    """Nobody is invited before the membership text is published: an invitee could not join."""
    if not purpose_text_published(tenant=tenant, key="membership"):
        raise Conflict(
            _("Publish the membership text first (Purposes): without it, the people you invite cannot join."),
            code="membership_text_missing",
        )


@transaction.atomic
def invitation_create(
    *, tenant: Tenant, email: str, created_by: User | None = None, source: str = Invitation.Source.DIRECT
) -> Invitation:
    membership_text_require(tenant=tenant)
    email = _normalise(email)
    if Panelist.objects.for_tenant(tenant).filter(user__email__iexact=email, status=Panelist.Status.ACTIVE).exists():
        raise Conflict(
            _("%(email)s is already a panelist.") % {"email": email},
            code="already_panelist",
            fields={"email": [_("Already a panelist.")]},
        )
    live = Invitation.objects.for_tenant(tenant).filter(email=email, status=Invitation.Status.PENDING).first()
    if live is not None and not live.is_expired:
        raise Conflict(_("%(email)s has a pending invitation: resend it instead.") % {"email": email},
                       code="already_invited", fields={"email": [_("Already invited.")]})  # fmt: skip
    if live is not None:  # an expired one gives way to the new one
        live.status, live.revoked_at = Invitation.Status.REVOKED, timezone.now()
        live.save(update_fields=["status", "revoked_at"])
    invitation = Invitation.objects.create(
        tenant=tenant,
        email=email,
        nonce=secrets.token_hex(16),
        source=source,
        created_by=created_by,
        expires_at=timezone.now() + timedelta(days=tenant.invitation_days),
    )
    invitation_send_task.delay_on_commit(invitation.pk)
    return invitation


def invitation_send(*, invitation_id: int, reminder: bool = False) -> bool:
    """Mail the invitation, or a reminder of it, unless the person has had enough messages lately:
    then it stays due (``sent_at`` empty, or the reminder not counted) and a later run sends it."""
    # across tenants: a worker loads the row its message names
    invitation = Invitation.objects.unscoped().select_related("tenant").filter(pk=invitation_id).first()
    if invitation is None or invitation.status != Invitation.Status.PENDING or invitation.is_expired:
        return False
    tenant = invitation.tenant
    if not contact_allowed(tenant=tenant, email=invitation.email):
        return False
    with translation.override(tenant.languages[0]):
        context = {"invitation": invitation, "tenant": tenant, "url": invitation_url(invitation), "reminder": reminder}
        body = render_to_string("panel/email/invitation.txt", context)
        subject = render_to_string("panel/email/invitation_subject.txt", context).strip()
    # Claim the message before sending it, so that two runs (a batch and the hourly task, or a
    # redelivered batch) cannot both mail it; give the claim back if the mail fails.
    now = timezone.now()
    mine = Invitation.objects.for_tenant(tenant).filter(pk=invitation.pk)
    undo: dict[str, object]
    if reminder:
        claimed = mine.filter(reminders_sent=invitation.reminders_sent).update(
            reminders_sent=invitation.reminders_sent + 1, last_reminded_at=now
        )
        undo = {"reminders_sent": invitation.reminders_sent, "last_reminded_at": invitation.last_reminded_at}
    else:
        claimed = mine.filter(sent_at__isnull=True).update(sent_at=now)
        undo = {"sent_at": None}
    if not claimed:
        return False
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    except Exception:
        mine.update(**undo)
        raise
    contact_record(tenant=tenant, email=invitation.email, kind="invitation_reminder" if reminder else "invitation")
    return True


def invitations_send_batch(*, invitation_ids: list[int]) -> int:
    """Mail a batch of invitations; already-sent ones are skipped, so a redelivered batch is harmless.

    Over-the-cap ones stay unsent; ``invitations_send_due`` picks them up later.
    """
    return sum(invitation_send(invitation_id=pk) for pk in invitations_unsent(invitation_ids=invitation_ids))


def invitations_send_due() -> dict[str, int]:
    """Send the invitations the contact cap deferred, and the reminders that are due."""
    unsent, reminders = invitations_due()
    sent = sum(invitation_send(invitation_id=pk) for pk in unsent)
    reminded = sum(invitation_send(invitation_id=pk, reminder=True) for pk in reminders)
    return {"sent": sent, "reminded": reminded}


def invitation_revoke(*, invitation: Invitation) -> Invitation:
    if invitation.status == Invitation.Status.PENDING:
        invitation.status, invitation.revoked_at = Invitation.Status.REVOKED, timezone.now()
        invitation.save(update_fields=["status", "revoked_at"])
    return invitation


def invitation_resend(*, invitation: Invitation) -> Invitation:
    if invitation.status != Invitation.Status.PENDING:
        raise Conflict(_("Only a pending invitation can be sent again."), code="not_pending")
    invitation.expires_at = timezone.now() + timedelta(days=invitation.tenant.invitation_days)
    invitation.save(update_fields=["expires_at"])
    invitation_send_task.delay_on_commit(invitation.pk)
    return invitation


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@transaction.atomic
def _refuse_minor(tenant: Tenant, invitation_id: int) -> None:
    # Nothing about this person may stay: not the invitation with their email, not their waitlist
    # row and answers, not a log line.
    invitation = Invitation.objects.for_tenant(tenant).filter(pk=invitation_id).first()
    if invitation is None:
        return
    WaitlistEntry.objects.for_tenant(tenant).filter(email=invitation.email).delete()
    ContactLog.objects.for_tenant(tenant).filter(email_hash=email_hash(invitation.email)).delete()
    invitation.delete()


def invitation_accept(
    *,
    tenant: Tenant,
    token: str,
    date_of_birth: date,
    consents: list[str],
    language: str,
    user: Any = None,
    password: str = "",
) -> Panelist:
    """Join the panel: age gate, account, panelist, then membership and the chosen optional consents.

    ``user`` is the signed-in account when the invited email already has one (one account, several
    panels); otherwise a new account is created with ``password``, its email counted as verified.
    """
    invitation = invitation_get_by_token(tenant=tenant, token=token)
    today = timezone.now().astimezone(tenant.tzinfo).date()
    if date_of_birth > today or date_of_birth.year < 1900:
        raise DomainError(
            _("Enter your real date of birth."), fields={"date_of_birth": [_("Enter a valid date of birth.")]}
        )
    if age_on(date_of_birth, today) < tenant.minimum_age:
        _refuse_minor(tenant, invitation.pk)
        raise TooYoung(
            _(
                "Thank you for your interest. This panel is for people aged %(age)s or over, "
                "so we cannot welcome you yet. We have not kept your details."
            )
            % {"age": tenant.minimum_age}
        )
    if "membership" not in consents:
        raise DomainError(
            _("Membership needs your consent."), fields={"membership": [_("Required to join the panel.")]}
        )
    if user is None or not user.is_authenticated:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise Conflict(_("You already have an account: sign in to accept."), code="sign_in_first")
        try:
            validate_password(password, User(email=invitation.email))
        except ValidationError as exc:
            raise DomainError(_("Choose a stronger password."), fields={"password": list(exc.messages)}) from None
    elif user.email.lower() != invitation.email:
        raise Conflict(_("This invitation is for another email address."), code="wrong_account")

    with transaction.atomic():
        invitation = invitation_get_by_token(tenant=tenant, token=token, for_update=True)
        active = Panelist.objects.for_tenant(tenant).filter(status=Panelist.Status.ACTIVE).count()
        if active >= tenant.panel_capacity:
            raise Conflict(_("The panel is full at the moment."), code="panel_full")
        if user is None or not user.is_authenticated:
            user, _created = user_get_or_create_verified(email=invitation.email, password=password)
        panelist, created = Panelist.objects.get_or_create(tenant=tenant, user=user)
        if not created and panelist.status == Panelist.Status.ACTIVE:
            raise Conflict(_("You are already a member of this panel."), code="already_panelist")
        if not created:
            panelist.status, panelist.left_at, panelist.joined_at = Panelist.Status.ACTIVE, None, timezone.now()
            panelist.save(update_fields=["status", "left_at", "joined_at"])
        invitation.status, invitation.accepted_at, invitation.panelist = (
            Invitation.Status.ACCEPTED,
            timezone.now(),
            panelist,
        )
        invitation.save(update_fields=["status", "accepted_at", "panelist"])
        subject = Subject(tenant=tenant, id=panelist.public_id, language=language, email=user.email)
        for purpose_key in ["membership", *[c for c in consents if c != "membership"]]:
            consent_change_by_subject(
                subject=subject, purpose_key=purpose_key, action="grant", method="web",
                base_url=settings.FAIRPANEL_BASE_URL,
            )  # fmt: skip
    return panelist
