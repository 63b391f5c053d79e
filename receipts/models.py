"""Receipt programs, receipts, their stored images, checks, decisions, appeals and the monthly tally."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.files.storage import Storage, storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.functional import LazyObject
from django.utils.translation import gettext_lazy as _

from tenants.models import TenantOwnedModel


def merchant_key(name: str) -> str:
    """A shop's (or a category's) name as the program compares it: letters and digits only, lower case
    (OCR and people space and case names differently)."""
    return "".join(char for char in name.casefold() if char.isalnum())


class ReceiptProgram(TenantOwnedModel):
    """A tenant's receipt rules. The milestone's amount and count live in ``rewards.RewardSettings``."""

    class MerchantRule(models.TextChoices):
        ANY = "any", _("Every merchant")
        ALLOW = "allow", _("Only the merchants and categories listed")
        BLOCK = "block", _("Every merchant except those listed and those of the categories listed")

    photo_window_days = models.PositiveSmallIntegerField(
        _("days from purchase to upload, for a photo"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    pdf_window_days = models.PositiveSmallIntegerField(
        _("days from purchase to upload, for an e-receipt (PDF)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    merchant_rule = models.CharField(_("merchants"), max_length=8, choices=MerchantRule.choices, default="any")
    merchants = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    # categories of the merchant directory (``Merchant``) the rule applies to, beside the merchants named
    categories = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    weekly_limit = models.PositiveSmallIntegerField(
        _("receipts per panelist per 7 days"), default=35, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    images_max = models.PositiveSmallIntegerField(
        _("images per receipt"), default=5, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    file_max_bytes = models.PositiveIntegerField(
        _("largest file (bytes)"),
        default=10_000_000,
        validators=[MinValueValidator(10_000), MaxValueValidator(50_000_000)],
    )
    pdf_pages_max = models.PositiveSmallIntegerField(
        _("most pages of a PDF"), default=3, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    # The milestone's further steps, after the first (the reward settings' count and amount):
    # [{"receipts": 20, "amount": 500}, ...], by growing count; each pays once per panelist and month.
    milestone_steps = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="receiptprogram_one_per_tenant"),
            models.CheckConstraint(
                condition=Q(merchant_rule__in=["any", "allow", "block"]), name="receiptprogram_rule"
            ),
        ]

    def __str__(self) -> str:
        return f"receipt program of tenant {self.tenant_id}"


class Merchant(TenantOwnedModel):
    """One line of the tenant's merchant directory, kept by its operators: a shop's name, or another
    name it goes by on receipts, and the shop's category. The program's allow- or block-list may name
    categories; a receipt's merchant takes the category of the longest name of the directory found in
    it (compared by ``merchant_key``)."""

    name = models.CharField(_("shop"), max_length=100)
    key = models.CharField(max_length=100)  # merchant_key(name)
    category = models.CharField(_("category"), max_length=60)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="merchant_key_unique"),
            models.CheckConstraint(condition=~Q(key="") & ~Q(category=""), name="merchant_key_category_set"),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.category}"


class Reason(models.TextChoices):
    """Stable reason codes, shown to the panelist with their text and used by the API."""

    DUPLICATE_IMAGE = "duplicate_image", _("The same receipt was already submitted (same picture).")
    DUPLICATE_RECEIPT = "duplicate_receipt", _("The same receipt was already submitted (same shop, date, total).")
    OUTSIDE_WINDOW = "outside_window", _("The purchase is older than the program accepts.")
    FUTURE_DATE = "future_date", _("The purchase date is in the future.")
    MERCHANT_NOT_ELIGIBLE = "merchant_not_eligible", _("This shop is not part of the program.")
    UNREADABLE = "unreadable", _("The receipt could not be read.")
    OVER_LIMIT = "over_limit", _("More receipts than the program accepts in 7 days.")
    TOTAL_MISMATCH = "total_mismatch", _("The total you confirmed differs from the one on the receipt.")
    NOT_A_RECEIPT = "not_a_receipt", _("This is not a purchase receipt.")
    OTHER = "other", _("Another reason, given in the note.")


# The checks that, when they fail, decide alone, because they are deterministic: the same shop, date,
# total and receipt number as a receipt already submitted, or a date outside the window. A similar
# picture is only a flag for a person. (GDPR Art. 22: the panelist may still appeal to a person.)
AUTO_REJECT = frozenset({Reason.DUPLICATE_RECEIPT, Reason.OUTSIDE_WINDOW})


class Receipt(TenantOwnedModel):
    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        PDF = "pdf", _("E-receipt (PDF)")

    class Status(models.TextChoices):
        READING = "reading", _("Being read")
        TO_CONFIRM = "to_confirm", _("Waiting for you to confirm")
        REVIEW = "review", _("Under review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    panelist = models.ForeignKey("panel.Panelist", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.READING)
    # what the reader found (corroboration only)
    read_merchant = models.CharField(max_length=100, blank=True)
    read_date = models.DateField(null=True, blank=True)
    read_total = models.BigIntegerField(null=True, blank=True)  # minor units
    read_currency = models.CharField(max_length=3, blank=True)
    read_number = models.CharField(max_length=40, blank=True)
    read_engine = models.CharField(max_length=40, blank=True)  # which reader read it: "rapidocr", "tesseract"...
    redacted_cards = models.PositiveSmallIntegerField(default=0)
    # what the panelist confirmed
    merchant = models.CharField(_("shop"), max_length=100, blank=True)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    total = models.BigIntegerField(_("total"), null=True, blank=True)  # minor units of ``currency``
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    receipt_number = models.CharField(_("receipt number"), max_length=40, blank=True)
    # keyed hash of merchant, date, total and number (duplicates across panelists, without the values)
    fingerprint = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=24, choices=Reason.choices, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # the calendar month (first day, tenant's time zone) an approval counts toward; null unless counted
    counted_month = models.DateField(null=True, blank=True)
    images_purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "public_id"], name="receipt_public_id_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["reading", "to_confirm", "review", "approved", "rejected"]),
                name="receipt_status_valid",
            ),
            models.CheckConstraint(condition=Q(kind__in=["photo", "pdf"]), name="receipt_kind_valid"),
            models.CheckConstraint(
                condition=Q(total__isnull=True) | Q(total__gte=0), name="receipt_total_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "panelist", "-submitted_at"], name="receipt_panelist_newest"),
            models.Index(fields=["tenant", "status", "confirmed_at"], name="receipt_queue"),
            models.Index(fields=["tenant", "fingerprint"], name="receipt_fingerprint"),
        ]

    def __str__(self) -> str:
        return str(self.public_id)


class ReceiptsStorage(LazyObject):
    """Where receipt images live: ``STORAGES["receipts"]`` (local files, or S3 when configured), looked
    up when first used, so that settings decide it rather than the moment the model was imported."""

    def _setup(self) -> None:
        self._wrapped = storages["receipts"]


receipts_storage_lazy = ReceiptsStorage()


def receipts_storage() -> Storage:
    return receipts_storage_lazy  # type: ignore[return-value]  # a lazy proxy of the storage


def receipt_image_path(instance: ReceiptImage, filename: str) -> str:
    return f"receipts/{instance.tenant_id}/{uuid.uuid4().hex}.jpg"


class ReceiptImage(TenantOwnedModel):
    """One re-encoded page of a receipt (a photo, or a rendered PDF page); never the uploaded bytes."""

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="images")
    position = models.PositiveSmallIntegerField()
    file = models.FileField(upload_to=receipt_image_path, storage=receipts_storage, max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    phash = models.CharField(max_length=64)  # the 256-bit perceptual hash (receipts.intake), hex
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "receipt", "position"], name="receiptimage_position_unique")
        ]

    def __str__(self) -> str:
        return f"image {self.position} of {self.receipt_id}"


class ReceiptCheck(TenantOwnedModel):
    """A check that failed (a flag), with what it found. Passing checks leave no row."""

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="checks")
    code = models.CharField(max_length=24, choices=Reason.choices)
    detail = models.CharField(max_length=200, blank=True)
    similar = models.ForeignKey(Receipt, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "receipt", "code"], name="receiptcheck_once")]

    def __str__(self) -> str:
        return self.code


class ReceiptDecision(TenantOwnedModel):
    """Who decided what, when and why. Automatic decisions have no reviewer (``actor`` is "system")."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    reason = models.CharField(max_length=24, choices=Reason.choices, blank=True)
    note = models.CharField(max_length=500, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.CharField(max_length=64, default="system")  # "user:<id>" or "system": outlives the person
    on_appeal = models.BooleanField(default=False)

    class Money(models.TextChoices):
        """What an approval's reversal did with the milestone money already paid for its month."""

        KEPT = "kept", _("The month's reward already paid is yours to keep.")
        TAKEN_BACK = "taken_back", _("The month's reward was taken back.")

    reversal = models.BooleanField(default=False)  # an approval withdrawn later, by an owner or a manager
    money = models.CharField(max_length=12, choices=Money.choices, blank=True)  # "" when no paid reward was touched
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(outcome__in=["approved", "rejected"]), name="receiptdecision_outcome"),
            models.CheckConstraint(
                condition=Q(outcome="approved") | ~Q(reason=""), name="receiptdecision_reject_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(money="") | Q(reversal=True, money__in=["kept", "taken_back"]),
                name="receiptdecision_money_of_a_reversal",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "actor", "created_at"], name="receiptdecision_actor")]

    def __str__(self) -> str:
        return f"{self.outcome} {self.receipt_id}"


class ReceiptAppeal(TenantOwnedModel):
    """A panelist's one appeal of a receipt's decision, decided by a reviewer other than the first."""

    receipt = models.OneToOneField(Receipt, on_delete=models.CASCADE, related_name="appeal")
    message = models.CharField(max_length=1000, blank=True)
    first_actor = models.CharField(max_length=64)  # who decided first: they may not decide the appeal
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "decided_at", "created_at"], name="receiptappeal_open")]

    def __str__(self) -> str:
        return f"appeal of {self.receipt_id}"


class ReceiptTally(TenantOwnedModel):
    """Approved receipts of one panelist in one calendar month. Each approval increments it under its
    row lock (``INSERT ... ON CONFLICT DO UPDATE``), so concurrent approvals see distinct counts."""

    panelist = models.ForeignKey("panel.Panelist", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # its first day
    approved = models.PositiveIntegerField(default=0)
    paid_steps = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "panelist", "month"], name="receipttally_unique")]

    def __str__(self) -> str:
        return f"{self.panelist_id} {self.month:%Y-%m}: {self.approved}"
