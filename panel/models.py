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
