from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedJSONField
from tenants.models import TenantOwnedModel

GENESIS_HASH = "0" * 64


class LegalBasis(models.TextChoices):
    CONSENT = "consent", _("Consent (GDPR Art. 6(1)(a))")
    CONTRACT = "contract", _("Contract (GDPR Art. 6(1)(b))")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation (GDPR Art. 6(1)(c))")
    LEGITIMATE_INTERESTS = "legitimate_interests", _("Legitimate interests (GDPR Art. 6(1)(f))")


class Purpose(TenantOwnedModel):
    """Why a tenant processes personal data. Shown to panelists in plain words, in their language."""

    key = models.SlugField(max_length=50)
    names = models.JSONField(default=dict, help_text=_("Name per language code."))
    descriptions = models.JSONField(default=dict, help_text=_("Plain-words description per language code."))
    legal_basis = models.CharField(max_length=32, choices=LegalBasis.choices)
    data_categories = ArrayField(models.CharField(max_length=100), default=list)
    retention_days = models.PositiveIntegerField(help_text=_("How long data collected under this purpose is kept."))
    required = models.BooleanField(default=False, help_text=_("Needed to be a panelist at all (membership)."))
    builtin = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tenant_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="purpose_key_unique"),
            models.CheckConstraint(condition=Q(legal_basis__in=LegalBasis.values), name="purpose_legal_basis_valid"),
            models.CheckConstraint(condition=Q(retention_days__gte=1), name="purpose_retention_positive"),
        ]

    def __str__(self) -> str:
        return self.key

    def name_in(self, language: str) -> str:
        return str(self.names.get(language) or self.names.get("en") or self.key)

    def description_in(self, language: str) -> str:
        return str(self.descriptions.get(language) or self.descriptions.get("en") or "")


class ConsentDocument(TenantOwnedModel):
    """One language of one version of a purpose's consent text. Immutable once published (a trigger).

    A version number is shared by its languages. A **major** version pauses collection under the
    purpose for each panelist until they consent to it; a **minor** one is only announced.
    """

    class Change(models.TextChoices):
        MAJOR = "major", _("Major: re-consent required")
        MINOR = "minor", _("Minor: panelists are told")

    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="documents")
    version = models.PositiveIntegerField()
    language = models.CharField(max_length=8)
    title = models.CharField(max_length=200)
    body = models.TextField(help_text=_("Markdown; rendered as sanitised HTML."))
    body_sha256 = models.CharField(max_length=64)
    change = models.CharField(max_length=8, choices=Change.choices)
    effective_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tenant_id", "purpose_id", "-version", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "purpose", "version", "language"], name="consentdoc_version_language_unique"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="consentdoc_version_positive"),
            models.CheckConstraint(condition=Q(change__in=["major", "minor"]), name="consentdoc_change_valid"),
            models.CheckConstraint(condition=Q(body_sha256__regex=r"^[0-9a-f]{64}$"), name="consentdoc_sha256_hex"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose_id} v{self.version} ({self.language})"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class ConsentEvent(TenantOwnedModel):
    """One grant, withdrawal or re-consent. Append-only (a trigger refuses UPDATE and DELETE) and
    hash-chained per tenant: ``hash`` covers a canonical serialisation of the event and ``prev_hash``.

    The subject is the panelist's pseudonymous public id, not a foreign key: erasing a person must
    never delete the evidence. No IP address is recorded. Only the retention purge, a function of the
    database (``consent_evidence_purge``), removes an event, leaving its ``ConsentSeal``.
    """

    # What the application's database role may do (core.db_roles): read and append, nothing more.
    runtime_privileges: ClassVar[str] = "SELECT, INSERT"

    class Kind(models.TextChoices):
        GRANT = "grant", _("Granted")
        WITHDRAW = "withdraw", _("Withdrawn")
        RECONSENT = "reconsent", _("Re-consented")

    class Method(models.TextChoices):
        WEB = "web", _("Web")
        API = "api", _("API")
        IMPORT = "import", _("Import")
        ERASURE = "erasure", _("Erasure")

    seq = models.BigIntegerField()
    subject = models.CharField(max_length=64)
    purpose_key = models.CharField(max_length=50)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    document_version = models.PositiveIntegerField()
    document_language = models.CharField(max_length=8)
    document_sha256 = models.CharField(max_length=64)
    method = models.CharField(max_length=8, choices=Method.choices)
    actor = models.CharField(max_length=100)
    occurred_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["tenant_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "seq"], name="consentevent_seq_unique"),
            models.CheckConstraint(condition=Q(seq__gte=1), name="consentevent_seq_positive"),
            models.CheckConstraint(
                condition=Q(kind__in=["grant", "withdraw", "reconsent"]), name="consentevent_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(method__in=["web", "api", "import", "erasure"]), name="consentevent_method_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "subject", "purpose_key", "-seq"], name="consentevent_subject_latest"),
            models.Index(fields=["tenant", "occurred_at"], name="consentevent_tenant_time"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.purpose_key} by {self.subject}"


class ConsentChain(models.Model):
    """The head of each tenant's consent chain: the row appends lock, and what verification ends on.

    ``sealed_seq`` / ``sealed_hash`` record the last event of a prefix purged before purges left a
    ``ConsentSeal`` per event, so that verification of what remains starts from a known hash rather
    than the genesis. Purges no longer move them.
    """

    # Appends lock the head (SELECT ... FOR UPDATE needs an UPDATE privilege) and move it forward;
    # the seal columns stay out of the application's reach.
    runtime_privileges: ClassVar[str] = "SELECT, INSERT, UPDATE (last_seq, last_hash)"

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.PROTECT, primary_key=True, related_name="+")
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    sealed_seq = models.BigIntegerField(default=0)
    sealed_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(last_seq__gte=models.F("sealed_seq")), name="consentchain_seal_behind_head"
            ),
        ]

    def __str__(self) -> str:
        return f"consent chain of tenant {self.tenant_id} at #{self.last_seq}"


class SigningKey(models.Model):
    """The tenant's key for signing consent receipts (ES256). The public half is published as JWKS.

    The private key is stored encrypted under FIELD_ENCRYPTION_KEYS (``core.crypto``): the column holds
    a Fernet token, Python sees the JWK. A copy of the database alone cannot sign a receipt.
    """

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.PROTECT, primary_key=True, related_name="+")
    kid = models.CharField(max_length=64, unique=True)
    private_jwk = EncryptedJSONField()
    public_jwk = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.kid


class ConsentSeal(TenantOwnedModel):
    """What remains of a purged consent event: its place in the chain (``seq``, ``prev_hash``,
    ``hash``), never its content. Verification walks the events and the seals together, so the chain
    holds through what was purged, and a checkpoint taken before a purge can still be compared.

    Written only by the purge function of the database; the application reads them.
    """

    seq = models.BigIntegerField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    purged_at = models.DateTimeField()

    runtime_privileges: ClassVar[str] = "SELECT"

    class Meta:
        ordering = ["tenant_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["tenant", "seq"], name="consentseal_seq_unique")]

    def __str__(self) -> str:
        return f"sealed #{self.seq}"


class ConsentReceipt(TenantOwnedModel):
    """A signed Kantara Consent Receipt (v1.1) for one consent event, given to the subject."""

    runtime_privileges: ClassVar[str] = "SELECT, INSERT"

    receipt_id = models.UUIDField(unique=True)
    event = models.OneToOneField(ConsentEvent, on_delete=models.PROTECT, related_name="receipt")
    subject = models.CharField(max_length=64)
    payload = models.JSONField()
    token = models.TextField(help_text=_("The payload as a compact JWS signed with the tenant's key."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tenant_id", "-id"]
        indexes = [models.Index(fields=["tenant", "subject", "-created_at"], name="receipt_subject_latest")]

    def __str__(self) -> str:
        return str(self.receipt_id)


class RetentionOverride(TenantOwnedModel):
    """A tenant's own retention for one privacy category: never longer than the category's ceiling,
    never shorter than its floor. Each change is recorded as a ``RetentionChange``."""

    category = models.CharField(max_length=64)
    days = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "category"], name="retention_one_per_category"),
            models.CheckConstraint(condition=Q(days__gte=1), name="retention_days_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.days} days"


class RetentionChange(TenantOwnedModel):
    """Who changed how long a category is kept, from what to what, and when. Auditors read it."""

    category = models.CharField(max_length=64)
    previous_days = models.PositiveIntegerField(null=True, blank=True)
    days = models.PositiveIntegerField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    role = models.CharField(max_length=16)
    changed_at = models.DateTimeField(auto_now_add=True)

    # A record for auditors: appended, never changed, except that erasing the staff member unlinks them.
    runtime_privileges: ClassVar[str] = "SELECT, INSERT, UPDATE (changed_by_id)"

    class Meta:
        ordering = ["tenant_id", "-changed_at", "-id"]
        indexes = [models.Index(fields=["tenant", "-changed_at"], name="retentionchange_tenant_latest")]

    def __str__(self) -> str:
        return f"{self.category}: {self.previous_days} -> {self.days} days"


class PurgeLog(TenantOwnedModel):
    """What a retention purge removed: counts, never contents. Auditors read it."""

    category = models.CharField(max_length=64)
    cutoff = models.DateTimeField()
    purged = models.PositiveIntegerField()
    dry_run = models.BooleanField(default=False)
    ran_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tenant_id", "-ran_at", "-id"]
        indexes = [models.Index(fields=["tenant", "-ran_at"], name="purgelog_tenant_latest")]

    def __str__(self) -> str:
        return f"{self.category}: {self.purged} purged"


class DataExport(TenantOwnedModel):
    """A data-subject access request (Art. 15 and 20): a ZIP built by a worker, downloadable for 7 days."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    file = models.CharField(max_length=255, blank=True, help_text=_("Path under MEDIA_ROOT."))
    size = models.PositiveBigIntegerField(default=0)
    requested_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["tenant_id", "-requested_at"]
        indexes = [models.Index(fields=["tenant", "subject", "-requested_at"], name="dataexport_subject_latest")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "ready", "failed", "expired"]), name="dataexport_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.status})"
