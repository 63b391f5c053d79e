from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenants.models import Tenant, TenantOwnedModel


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
    gift_card_value = models.PositiveIntegerField(_("gift-card value"), default=1000)
    mass_payment_enabled = models.BooleanField(_("pay to an email address"), default=True)
    gift_cards_enabled = models.BooleanField(_("pay in gift cards"), default=True)
    charity_enabled = models.BooleanField(_("donations to charities"), default=True)
    # A bonus over this (minor units) is posted only once the operator confirms it a second time.
    bonus_confirm_above = models.PositiveIntegerField(_("bonuses above this need a second confirmation"), default=10000)
    # When an owner or manager first saved these settings. Until then the defaults are a suggestion:
    # the public page shows no pay rates, and the console's first-run checklist asks for them.
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(receipts_required__gte=1), name="rewards_receipts_required_positive"),
            models.CheckConstraint(
                condition=Q(ad_verification_active_days__gte=1, ad_verification_active_days__lte=31),
                name="rewards_active_days_in_month",
            ),
            models.CheckConstraint(condition=Q(gift_card_value__gte=1), name="rewards_gift_card_value_positive"),
        ]

    def __str__(self) -> str:
        return f"reward settings of tenant {self.tenant_id}"


class LedgerAccount(TenantOwnedModel):
    """An account of the double-entry ledger. Amounts are integer minor units of the tenant's currency.

    A panelist's ``balance`` is a cache of the sum of the account's entries, kept in the same
    transaction as the entries; ``ledger_check`` proves they agree. It can never go negative: the
    database refuses it (check constraint), whatever the interleaving of concurrent postings.

    The tenant's own accounts (expense, clearing, providers, charities) cache nothing: their balance
    is the sum of their entries, read when asked (``rewards.selectors.account_balance``), and their
    ``balance`` column stays 0 (a check constraint). Every credit and every payout moves one of them;
    a cached balance there would be one hot row that every posting of the tenant locks and queues on.
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
                condition=Q(kind="panelist") | Q(balance=0), name="ledgeraccount_only_panelists_cache_a_balance"
            ),
            # the target of the entries' composite foreign key (tenant_id, account_id)
            models.UniqueConstraint(fields=["tenant", "id"], name="ledgeraccount_tenant_id_unique"),
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

    # What the application's database role may do (core.db_roles): read and append, nothing more.
    runtime_privileges: ClassVar[str] = "SELECT, INSERT"

    class Reason(models.TextChoices):
        SURVEY = "survey", _("Survey completed")
        RECEIPTS = "receipts", _("Receipt milestone")
        AD_MONTH = "ad_month", _("Ad-verification month")
        BONUS = "bonus", _("Bonus")
        ADJUSTMENT = "adjustment", _("Adjustment")
        REVERSAL = "reversal", _("Reversal")
        PAYOUT = "payout", _("Payout")
        SETTLED = "settled", _("Payout settled")
        RETURNED = "returned", _("Payout returned")

    # The unique (tenant, idempotency_key) index leads with the tenant: its own index would repeat it.
    # No foreign key either: it would lock the tenant's row (FOR KEY SHARE) once per transaction at
    # commit, a thousand times per payout chunk, with every worker and web request taking turns on that
    # one row. The tenant is proven instead by the legs: the entries' statement check requires each
    # leg's transaction and account to be the same tenant's, accounts keep a real foreign key to their
    # tenant, and `ledger_violations` names a transaction without legs.
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False)
    idempotency_key = models.CharField(max_length=200)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    source = models.CharField(max_length=200, blank=True, help_text=_("What earned it, e.g. survey-response:42."))
    memo = models.CharField(max_length=300, blank=True)
    # At most one reversal per transaction: a unique index over the reversals only (a plain unique
    # column would index the null of every other transaction too).
    reverses = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by", db_index=False
    )
    # Who posted it, as "user:<id>" or "system": not a foreign key, because the row can never be
    # updated (erasing that person must not have to touch the ledger).
    actor = models.CharField(max_length=64, default="system")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "idempotency_key"], name="ledgertxn_idempotency_unique"),
            models.UniqueConstraint(
                fields=["reverses"], condition=Q(reverses__isnull=False), name="ledgertxn_reversed_once"
            ),
            models.CheckConstraint(
                condition=Q(
                    reason__in=[
                        "survey",
                        "receipts",
                        "ad_month",
                        "bonus",
                        "adjustment",
                        "reversal",
                        "payout",
                        "settled",
                        "returned",
                    ]
                ),
                name="ledgertxn_reason_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.idempotency_key


class LedgerEntry(TenantOwnedModel):
    """One leg of a transaction. A transaction's legs are inserted in one statement (both posting paths
    do), and one trigger per statement checks them all at once (migration 0011): each transaction's
    legs sum to zero, and each leg's transaction and account exist and are its tenant's.

    That set-based check stands in for the foreign keys, which would check each leg's transaction, account
    and tenant one row at a time at commit (6 lookups per credit, 6,000 per payout chunk). Nothing
    they protected can be lost: transactions can never be deleted (a trigger) and neither can accounts
    (a trigger, 0011)."""

    runtime_privileges: ClassVar[str] = "SELECT, INSERT"

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False)
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries", db_constraint=False
    )
    # (tenant, account, transaction) is the account's index: every read of an account's entries names
    # its tenant.
    account = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="entries", db_constraint=False, db_index=False
    )
    amount = models.BigIntegerField()

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="ledgerentry_amount_not_zero")]
        indexes = [models.Index(fields=["tenant", "account", "transaction"], name="ledgerentry_account")]

    def __str__(self) -> str:
        return f"{self.amount:+d} on {self.account_id}"


class Charity(TenantOwnedModel):
    """A charity a panelist can give their earnings to; donations are totalled on its ledger account."""

    name = models.CharField(_("name"), max_length=120)
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("offered to panelists"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="charity_name_unique")]
        verbose_name_plural = "charities"

    def __str__(self) -> str:
        return self.name


class PayoutMethod(models.TextChoices):
    MASS_PAYMENT = "mass_payment", _("Payment to an email address")
    GIFT_CARD = "gift_card", _("Gift card")
    CHARITY = "charity", _("Donation to a charity")


class PayoutPreference(TenantOwnedModel):
    """How a panelist wants to be paid. Without one, a payout goes to the account's email address."""

    panelist = models.OneToOneField("panel.Panelist", on_delete=models.CASCADE, related_name="payout_preference")
    method = models.CharField(_("how to be paid"), max_length=16, choices=PayoutMethod.choices)
    email = models.EmailField(_("email address for payments"), blank=True)
    charity = models.ForeignKey(Charity, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(method__in=["mass_payment", "gift_card", "charity"]), name="payoutpref_method_valid"
            ),
            models.CheckConstraint(
                condition=~Q(method="charity") | Q(charity__isnull=False), name="payoutpref_charity_named"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.panelist_id}: {self.method}"


class PayoutRun(TenantOwnedModel):
    """The monthly payout of one tenant: one per tenant and period (the database refuses a second)."""

    class Status(models.TextChoices):
        PAYING = "paying", _("Paying")
        DONE = "done", _("Done")

    period = models.DateField(help_text=_("The first day of the month it pays for."))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PAYING)
    threshold = models.PositiveIntegerField()
    chunks_total = models.PositiveIntegerField(default=0)
    payout_count = models.PositiveIntegerField(default=0)
    total_amount = models.BigIntegerField(default=0)
    actor = models.CharField(max_length=64, default="system")
    started_at = models.DateTimeField(auto_now_add=True)
    last_progress_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    stock_alert_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "period"], name="payoutrun_one_per_period"),
            # the target of the payouts' composite foreign key (tenant_id, run_id)
            models.UniqueConstraint(fields=["tenant", "id"], name="payoutrun_tenant_id_unique"),
            models.CheckConstraint(condition=Q(period__day=1), name="payoutrun_period_is_month"),
            models.CheckConstraint(condition=Q(status__in=["paying", "done"]), name="payoutrun_status_valid"),
        ]
        ordering = ["-period"]

    def __str__(self) -> str:
        return f"payout run {self.period:%Y-%m}"


class PayoutChunk(TenantOwnedModel):
    """A slice of a run's panelist accounts (by id range), claimed by one worker at a time.

    A worker claims a chunk with ``FOR UPDATE SKIP LOCKED`` and pays it in the same transaction that
    marks it done: a worker killed half-way rolls back and leaves the chunk pending for the next one.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")

    run = models.ForeignKey(PayoutRun, on_delete=models.PROTECT, related_name="chunks")
    number = models.PositiveIntegerField()
    first_account_id = models.BigIntegerField()
    last_account_id = models.BigIntegerField()
    accounts = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="payoutchunk_number_unique"),
            models.CheckConstraint(condition=Q(status__in=["pending", "done"]), name="payoutchunk_status_valid"),
        ]
        indexes = [models.Index(fields=["run", "status"], name="payoutchunk_run_status")]

    def __str__(self) -> str:
        return f"chunk {self.number} of run {self.run_id}"


class MassPaymentBatch(TenantOwnedModel):
    """A CSV of email payouts handed to the finance team; marking it paid or importing the result settles it."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent to finance")
        SETTLED = "settled", _("Settled")

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SENT)
    payout_count = models.PositiveIntegerField(default=0)
    total_amount = models.BigIntegerField(default=0)
    actor = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(status__in=["sent", "settled"]), name="masspay_status_valid")]

    def __str__(self) -> str:
        return f"mass payment {self.pk}"


class Payout(TenantOwnedModel):
    """One panelist's payout in one run (the database refuses a second), and where it has got to."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        WAITING_STOCK = "waiting_stock", _("Waiting for gift-card codes")
        SENT = "sent", _("Sent for payment")
        PAID = "paid", _("Paid")
        RETURNED = "returned", _("Returned to your balance")

    # The panelist reads the status above ("Returned to your balance"); the operator reads these.
    OPERATOR_STATUS_LABELS = {
        "pending": _("Being prepared"),
        "waiting_stock": _("Waiting for gift-card codes"),
        "sent": _("With finance, not yet paid"),
        "paid": _("Paid"),
        "returned": _("Returned to the panelist's balance"),
    }

    @property
    def status_for_operator(self) -> str:
        return str(self.OPERATOR_STATUS_LABELS.get(self.status, self.get_status_display()))

    # A chunk inserts its payouts in one statement, and one trigger per statement checks them (migration
    # 0011): each payout's run is its tenant's, and its account is its panelist's account in its tenant.
    # That set-based check stands in for the foreign keys to the tenant, run, panelist and account,
    # checked one row at a time at commit. Runs and accounts are never deleted (triggers). The unique
    # (run, panelist) and (tenant, reference) indexes lead with the run and the tenant, so neither needs
    # an index of its own; the panelist's is (panelist, -created_at); nothing reads payouts by account;
    # charities and batches are indexed over the payouts that have one only.
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False)
    run = models.ForeignKey(PayoutRun, on_delete=models.PROTECT, related_name="payouts", db_constraint=False,
                            db_index=False)  # fmt: skip
    panelist = models.ForeignKey(
        "panel.Panelist", on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    account = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=16, choices=PayoutMethod.choices)
    # For gift cards: the value of each code it is paid in (the amount is a whole number of them).
    gift_card_value = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    reference = models.CharField(max_length=40, help_text=_("Unique, quoted to the payment provider."))
    email = models.EmailField(blank=True)
    charity = models.ForeignKey(
        Charity, null=True, blank=True, on_delete=models.PROTECT, related_name="payouts", db_index=False
    )
    batch = models.ForeignKey(
        MassPaymentBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="payouts", db_index=False
    )
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "panelist"], name="payout_one_per_panelist_and_run"),
            models.UniqueConstraint(fields=["tenant", "reference"], name="payout_reference_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "waiting_stock", "sent", "paid", "returned"]),
                name="payout_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(method__in=["mass_payment", "gift_card", "charity"]), name="payout_method_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "method"], name="payout_tenant_status"),
            models.Index(fields=["panelist", "-created_at"], name="payout_panelist"),
            models.Index(fields=["charity"], condition=Q(charity__isnull=False), name="payout_charity"),
            models.Index(fields=["batch"], condition=Q(batch__isnull=False), name="payout_batch"),
        ]

    def __str__(self) -> str:
        return self.reference


class GiftCard(TenantOwnedModel):
    """One gift-card code of the pool the operator imported. It is assigned to at most one payout."""

    code = models.CharField(max_length=200)
    value = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    expires_on = models.DateField(null=True, blank=True)
    payout = models.ForeignKey(Payout, null=True, blank=True, on_delete=models.PROTECT, related_name="gift_cards")
    imported_at = models.DateTimeField(auto_now_add=True)
    assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="giftcard_code_unique"),
            models.CheckConstraint(condition=Q(value__gt=0), name="giftcard_value_positive"),
            models.CheckConstraint(
                condition=Q(payout__isnull=True, assigned_at__isnull=True)
                | Q(payout__isnull=False, assigned_at__isnull=False),
                name="giftcard_assigned_iff_payout",
            ),
        ]
        indexes = [
            models.Index(
                fields=["tenant", "currency", "value", "expires_on"],
                condition=Q(payout__isnull=True),
                name="giftcard_available",
            )
        ]

    def __str__(self) -> str:
        return f"gift card {self.pk}"
