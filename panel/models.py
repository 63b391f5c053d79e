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
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    panelist = models.ForeignKey(Panelist, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    release = models.ForeignKey(
        "panel.WaitlistRelease", null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations"
    )

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


class ScreeningQuestion(TenantOwnedModel):
    """A question the waitlist form asks (country, year of birth, household size, habits...)."""

    class Kind(models.TextChoices):
        CHOICE = "choice", _("One of a list")
        NUMBER = "number", _("A whole number")

    key = models.SlugField(max_length=40)
    labels = models.JSONField(default=dict, help_text=_("The question per language code."))
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.CHOICE)
    choices = models.JSONField(default=list, blank=True, help_text=_("For a choice: the allowed answers."))
    # What people read for each answer, per language: {value: {language: label}}. The value is what is
    # stored and filtered on; a value with no label in a language reads as its English label, else as itself.
    choice_labels = models.JSONField(
        default=dict, blank=True, help_text=_("For a choice: each answer's label per language code.")
    )
    minimum = models.IntegerField(null=True, blank=True)
    maximum = models.IntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["tenant_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="screening_key_unique"),
            models.CheckConstraint(condition=Q(kind__in=["choice", "number"]), name="screening_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.key

    def label_in(self, language: str) -> str:
        return str(self.labels.get(language) or self.labels.get("en") or self.key)

    def choice_label(self, value: str, language: str) -> str:
        labels = self.choice_labels.get(str(value)) or {}
        return str(labels.get(language) or labels.get("en") or value)

    def choices_in(self, language: str) -> list[tuple[str, str]]:
        """The answers to choose from as (value, label in ``language``), in their order."""
        return [(str(value), self.choice_label(value, language)) for value in self.choices]


class WaitlistEntry(TenantOwnedModel):
    """A person waiting for an invitation. One per normalised email and panel.

    ``public_id`` is the pseudonymous subject of the waitlist consent in the consent log.
    """

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("Not confirmed")
        WAITING = "waiting", _("Waiting")
        INVITED = "invited", _("Invited")

    email = models.EmailField()
    public_id = models.CharField(max_length=32)
    nonce = models.CharField(max_length=32)
    answers = models.JSONField(default=dict)
    language = models.CharField(max_length=8, default="en")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UNCONFIRMED)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    invitation = models.ForeignKey(Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["tenant_id", "confirmed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "email"], name="waitlist_one_per_email"),
            models.UniqueConstraint(fields=["tenant", "public_id"], name="waitlist_public_id_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["unconfirmed", "waiting", "invited"]), name="waitlist_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "status", "confirmed_at"], name="waitlist_tenant_queue")]

    def __str__(self) -> str:
        return self.public_id


class WaitlistRelease(TenantOwnedModel):
    """One release of people from the waitlist: who ran it, how, with which seed and what it achieved,
    so that a selection can be explained and repeated."""

    class Method(models.TextChoices):
        FCFS = "fcfs", _("First come, first served")
        RANDOM = "random", _("Uniform random")
        QUOTA = "quota", _("Quota-balanced")

    method = models.CharField(max_length=8, choices=Method.choices)
    seed = models.BigIntegerField()
    requested = models.PositiveIntegerField()
    released = models.PositiveIntegerField()
    filters = models.JSONField(default=dict, blank=True)
    targets = models.JSONField(default=dict, blank=True)
    achieved = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tenant_id", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(method__in=["fcfs", "random", "quota"]), name="release_method_valid")
        ]

    def __str__(self) -> str:
        return f"release {self.pk}: {self.released}/{self.requested} by {self.method}"


class ContactLog(TenantOwnedModel):
    """One message sent to a person, for the contact-frequency cap. Keyed by a hash of the address."""

    email_hash = models.CharField(max_length=64)
    kind = models.CharField(max_length=32)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "email_hash", "sent_at"], name="contactlog_recent")]

    def __str__(self) -> str:
        return f"{self.kind} at {self.sent_at:%Y-%m-%d}"
