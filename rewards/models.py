from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RewardSettings(models.Model):
    """What a tenant pays for each kind of contribution, in minor units of its currency.

    The defaults follow Amazon Shopper Panel: 0.50 per short survey, 10.00 for 10 approved receipts
    in a calendar month, and 2.00 a month for taking part in ad verification.
    """

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.PROTECT, primary_key=True, related_name="+")
    survey_reward = models.PositiveIntegerField(_("reward per survey"), default=50)
    receipts_required = models.PositiveSmallIntegerField(_("approved receipts a month for the reward"), default=10)
    receipts_reward = models.PositiveIntegerField(_("reward for the monthly receipts"), default=1000)
    ad_verification_monthly = models.PositiveIntegerField(_("ad verification a month"), default=200)
    ad_verification_active_days = models.PositiveSmallIntegerField(_("active days a month it needs"), default=20)
    payout_threshold = models.PositiveIntegerField(_("payout threshold"), default=1000)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(receipts_required__gte=1), name="rewards_receipts_required_positive"),
            models.CheckConstraint(
                condition=Q(ad_verification_active_days__gte=1, ad_verification_active_days__lte=31),
                name="rewards_active_days_in_month",
            ),
        ]

    def __str__(self) -> str:
        return f"reward settings of tenant {self.tenant_id}"
