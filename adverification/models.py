from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenants.models import TenantOwnedModel

# Reports never show a cell with fewer distinct panelists than this, whatever a tenant sets.
K_FLOOR = 10
PAIRING_CODE_MINUTES = 10
PAIRING_CODE_LENGTH = 8
PROGRAM_MINIMUM_AGE = 18  # no ad tracking of minors (DSA Art. 28), whatever the panel's minimum age


class AdProgram(TenantOwnedModel):
    """A tenant's ad-verification program: what it verifies and how its reports protect panelists."""

    ad_domains = ArrayField(
        models.CharField(max_length=253), default=list, blank=True, verbose_name=_("ad domains"),
        help_text=_("Ad servers and campaign domains: a request to one of them is an impression."),
    )  # fmt: skip
    landing_domains = ArrayField(
        models.CharField(max_length=253), default=list, blank=True, verbose_name=_("landing domains"),
        help_text=_("Where a click on an ad arrives: a navigation to one of them is a click."),
    )  # fmt: skip
    k_anonymity = models.PositiveSmallIntegerField(_("least panelists in a reported cell"), default=50)
    max_devices = models.PositiveSmallIntegerField(_("most devices a panelist may pair"), default=3)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="adprogram_one_per_tenant"),
            models.CheckConstraint(condition=Q(k_anonymity__gte=K_FLOOR), name="adprogram_k_at_least_floor"),
            models.CheckConstraint(condition=Q(max_devices__gte=1, max_devices__lte=20), name="adprogram_device_cap"),
        ]

    def __str__(self) -> str:
        return f"ad program of tenant {self.tenant_id}"

    @property
    def watched(self) -> set[str]:
        return set(self.ad_domains) | set(self.landing_domains)


class Device(TenantOwnedModel):
    """A paired browser. Its token reads ``fpd_<prefix>_<secret>``: the prefix finds the row, the
    SHA-256 of the whole token proves it (256 random bits: a fast hash is enough)."""

    class Revoked(models.TextChoices):
        PANELIST = "panelist", _("Removed by you")
        WITHDRAWN = "withdrawn", _("Consent withdrawn")
        ERASED = "erased", _("Data erased")

    panelist = models.ForeignKey("panel.Panelist", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    token_prefix = models.CharField(max_length=16, unique=True)
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=16, choices=Revoked.choices, blank=True)

    class Meta:
        ordering = ["tenant_id", "-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "panelist", "revoked_at"], name="device_tenant_panelist")]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_reason="")
                | Q(revoked_at__isnull=False, revoked_reason__in=["panelist", "withdrawn", "erased"]),
                name="device_revoked_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} (fpd_{self.token_prefix}_…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class PairingCode(TenantOwnedModel):
    """A one-time code a panelist types into the extension: 8 characters, 10 minutes, used once.
    Only its SHA-256 is kept; codes are unique among all panels, so the extension needs only the code."""

    panelist = models.ForeignKey("panel.Panelist", on_delete=models.PROTECT, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    device = models.OneToOneField(Device, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["tenant", "panelist"], name="pairingcode_tenant_panelist")]
        constraints = [
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(device__isnull=False), name="pairingcode_used_has_device"
            )
        ]

    def __str__(self) -> str:
        return f"pairing code {self.pk}"


class AdBatch(TenantOwnedModel):
    """One accepted batch, by the UUID the extension drew: a retry with the same UUID and content gets
    the first answer again and adds nothing (the unique constraint makes it so under concurrency)."""

    batch_id = models.UUIDField(default=uuid.uuid4)
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="+")
    content_sha256 = models.CharField(max_length=64)
    lines = models.PositiveIntegerField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "batch_id"], name="adbatch_unique_uuid")]
        indexes = [models.Index(fields=["tenant", "received_at"], name="adbatch_tenant_received")]

    def __str__(self) -> str:
        return str(self.batch_id)


class AdCount(TenantOwnedModel):
    """Raw counts, as the devices sent them. The table is made by a migration (RunSQL): range-partitioned
    by month on ``hour``, one partition a month (``adverification_adcount_YYYYMM``), created ahead by
    beat and dropped whole by the retention purge. Rows are only ever COPYed in and deleted."""

    class Kind(models.TextChoices):
        IMPRESSION = "impression", _("Impression")
        CLICK = "click", _("Click")

    id = models.BigAutoField(primary_key=True)
    panelist = models.ForeignKey("panel.Panelist", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    device = models.ForeignKey(Device, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    batch_id = models.UUIDField()
    hour = models.DateTimeField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    domain = models.CharField(max_length=253)
    site = models.CharField(max_length=253)
    count = models.PositiveIntegerField()

    class Meta:
        managed = False
        db_table = "adverification_adcount"

    def __str__(self) -> str:
        return f"{self.domain} on {self.site} at {self.hour:%Y-%m-%d %H}h: {self.count}"


class AdDaily(TenantOwnedModel):
    """The daily roll-up: per watched domain, site and day (in the tenant's time zone), impressions,
    clicks and distinct panelists. Rebuilt for a day whenever raw rows of that day change."""

    day = models.DateField()
    domain = models.CharField(max_length=253)
    site = models.CharField(max_length=253)
    impressions = models.BigIntegerField(default=0)
    clicks = models.BigIntegerField(default=0)
    panelists = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "day", "domain", "site"], name="addaily_cell_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.domain} on {self.site}"
