from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.models import TenantOwnedModel


def new_public_id() -> str:
    # 80 random bits, base32-ish: short enough to read out, too many to guess or enumerate.
    return "pn_" + secrets.token_hex(10)


class Panelist(TenantOwnedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        LEFT = "left", _("Left the panel")

    # Nullable: erasing a person unlinks them, while the pseudonymous row (and what it earned) stays.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="panelists"
    )
    public_id = models.CharField(_("public id"), max_length=32, default=new_public_id, editable=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)
    left_at = models.DateTimeField(_("left"), null=True, blank=True)

    class Meta:
        ordering = ["tenant_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "public_id"], name="panelist_public_id_unique"),
            models.UniqueConstraint(
                fields=["tenant", "user"], condition=Q(user__isnull=False), name="panelist_one_per_tenant_user"
            ),
            models.CheckConstraint(condition=Q(status__in=["active", "left"]), name="panelist_status_valid"),
            models.CheckConstraint(
                condition=Q(status="left", left_at__isnull=False) | Q(status="active", left_at__isnull=True),
                name="panelist_left_at_matches_status",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "joined_at"], name="panelist_tenant_status"),
            # the console and API list newest first
            models.Index(fields=["tenant", "-joined_at", "-id"], name="panelist_tenant_newest"),
        ]

    def __str__(self) -> str:
        return self.public_id


class Invitation(TenantOwnedModel):
    """A single-use invitation to join one panel. Invite-only: there is no other way in.

    The token is never stored: it is an HMAC of the row's id and a random nonce under the server's
    secret key, so that the invitation (and its reminders) can be mailed again without keeping a
    usable secret in the database.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")

    class Source(models.TextChoices):
        DIRECT = "direct", _("Direct")
        WAITLIST = "waitlist", _("Waitlist")

    email = models.EmailField(_("email"))
    nonce = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.DIRECT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    panelist = models.ForeignKey(Panelist, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["tenant_id", "-created_at"]
        constraints = [
            # One live invitation per person and panel; accepted and revoked ones are history.
            models.UniqueConstraint(
                fields=["tenant", "email"], condition=Q(status="pending"), name="invitation_one_pending_per_email"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "accepted", "revoked"]), name="invitation_status_valid"
            ),
            models.CheckConstraint(condition=Q(reminders_sent__lte=2), name="invitation_at_most_two_reminders"),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(accepted_at__isnull=False, panelist__isnull=False),
                name="invitation_accepted_has_panelist",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "status", "expires_at"], name="invitation_tenant_status")]

    def __str__(self) -> str:
        return f"invitation {self.pk} ({self.status})"

    @property
    def is_expired(self) -> bool:
        return self.status == self.Status.PENDING and self.expires_at <= timezone.now()

    @property
    def state(self) -> str:
        """What the funnel shows: sent, accepted, expired or revoked."""
        return "expired" if self.is_expired else self.status
