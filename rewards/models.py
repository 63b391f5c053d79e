from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenants.models import TenantOwnedModel


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


class LedgerAccount(TenantOwnedModel):
    """An account of the double-entry ledger. Amounts are integer minor units of the tenant's currency.

    ``balance`` is a cache of the sum of the account's entries, kept in the same transaction as the
    entries; ``ledger_check`` proves they agree. A panelist's balance can never go negative: the
    database refuses it (check constraint), whatever the interleaving of concurrent postings.
    """

    class Kind(models.TextChoices):
        PANELIST = "panelist", _("Panelist balance")
        EXPENSE = "expense", _("Reward expense")
        CLEARING = "clearing", _("Payout clearing")
        PROVIDER = "provider", _("Payout provider")
        CHARITY = "charity", _("Charity")

    key = models.CharField(max_length=80)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    panelist = models.OneToOneField("panel.Panelist", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=3)
    balance = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="ledgeraccount_key_unique"),
            models.CheckConstraint(
                condition=~Q(kind="panelist") | Q(balance__gte=0), name="ledgeraccount_panelist_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(kind="panelist", panelist__isnull=False) | (~Q(kind="panelist") & Q(panelist__isnull=True)),
                name="ledgeraccount_panelist_iff_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["panelist", "expense", "clearing", "provider", "charity"]),
                name="ledgeraccount_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.key


class LedgerTransaction(TenantOwnedModel):
    """One posting. Append-only (a trigger); a correction is a reversing transaction."""

    class Reason(models.TextChoices):
        SURVEY = "survey", _("Survey completed")
        RECEIPTS = "receipts", _("Receipt milestone")
        AD_MONTH = "ad_month", _("Ad-verification month")
        BONUS = "bonus", _("Bonus")
        ADJUSTMENT = "adjustment", _("Adjustment")
        REVERSAL = "reversal", _("Reversal")
        PAYOUT = "payout", _("Payout")

    idempotency_key = models.CharField(max_length=200)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    source = models.CharField(max_length=200, blank=True, help_text=_("What earned it, e.g. survey-response:42."))
    memo = models.CharField(max_length=300, blank=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    # Who posted it, as "user:<id>" or "system": not a foreign key, because the row can never be
    # updated (erasing that person must not have to touch the ledger).
    actor = models.CharField(max_length=64, default="system")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "idempotency_key"], name="ledgertxn_idempotency_unique"),
            models.CheckConstraint(
                condition=Q(reason__in=["survey", "receipts", "ad_month", "bonus", "adjustment", "reversal", "payout"]),
                name="ledgertxn_reason_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.idempotency_key


class LedgerEntry(TenantOwnedModel):
    """One leg of a transaction. A deferred trigger makes each transaction's legs sum to zero."""

    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField()

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="ledgerentry_amount_not_zero")]
        indexes = [models.Index(fields=["tenant", "account", "transaction"], name="ledgerentry_account")]

    def __str__(self) -> str:
        return f"{self.amount:+d} on {self.account_id}"
