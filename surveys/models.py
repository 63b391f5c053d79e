from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenants.models import TenantOwnedModel


def new_secret() -> str:
    return secrets.token_hex(32)


def new_rid() -> str:
    # 128 random bits: the external tool sees it, so it must not be guessable nor name the person.
    return secrets.token_hex(16)


class Survey(TenantOwnedModel):
    """A survey: its settings. Its questions live in versions (``SurveyVersion``)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        LIVE = "live", _("Live")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    # None: the tenant's survey reward (rewards.models.RewardSettings.survey_reward).
    reward = models.PositiveIntegerField(_("reward"), null=True, blank=True)
    screenout_reward = models.PositiveIntegerField(_("screen-out reward"), default=0)
    is_open = models.BooleanField(_("open to every eligible panelist"), default=False)
    # An external survey lives in another tool: ``{rid}`` in the entry URL is the response's random id.
    entry_url = models.URLField(_("external entry URL"), max_length=500, blank=True)
    # Keys the HMAC of external returns and the pseudonymous respondent ids of exports. Never shown.
    secret = models.CharField(max_length=64, default=new_secret, editable=False)
    # Quality thresholds (defaults from the issue: half the median, 5 rows, two failed attention checks)
    min_seconds = models.PositiveIntegerField(_("fastest acceptable time (seconds)"), default=0)
    speeder_percent = models.PositiveSmallIntegerField(
        _("speeder below this % of the median"), default=50, validators=[MaxValueValidator(100)]
    )
    straightline_rows = models.PositiveSmallIntegerField(_("straight-lining from this many rows"), default=5)
    retention_months = models.PositiveSmallIntegerField(
        _("keep responses (months)"), default=24, validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    reminder_days = models.PositiveSmallIntegerField(_("remind after (days)"), default=3)
    expiry_days = models.PositiveSmallIntegerField(_("invitations expire after (days)"), default=14)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["tenant_id", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["draft", "live", "closed"]), name="survey_status_valid"),
            models.CheckConstraint(
                condition=Q(retention_months__gte=1, retention_months__lte=24), name="survey_retention_at_most_24"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "status"], name="survey_tenant_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_external(self) -> bool:
        return bool(self.entry_url)


class SurveyVersion(TenantOwnedModel):
    """The SurveyJS JSON of one version. Once published the database refuses to change or delete it
    (a trigger); editing a published survey makes a new draft version."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["tenant_id", "survey_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "survey", "number"], name="surveyversion_number_unique"),
            models.UniqueConstraint(
                fields=["tenant", "survey"], condition=Q(published_at__isnull=True), name="surveyversion_one_draft"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} v{self.number}"


class Wave(TenantOwnedModel):
    """One sending of a survey: who was eligible, how the sample was drawn (with its seed), how many."""

    class Method(models.TextChoices):
        ALL = "all", _("Everyone eligible")
        RANDOM = "random", _("N at random")
        STRATIFIED = "stratified", _("N stratified by the quota cells")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="waves")
    method = models.CharField(max_length=12, choices=Method.choices)
    size = models.PositiveIntegerField(null=True, blank=True)
    seed = models.BigIntegerField()
    filters = models.JSONField(default=dict, blank=True)
    eligible = models.PositiveIntegerField(default=0)
    invited = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tenant_id", "survey_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(method__in=["all", "random", "stratified"]), name="wave_method_valid")
        ]

    def __str__(self) -> str:
        return f"wave {self.pk} of survey {self.survey_id}"


class SurveyInvitation(TenantOwnedModel):
    """A panelist's invitation to one survey: shown on their home, and mailed through the contact cap.

    An email the cap holds back stays due (``sent_at`` empty, ``held_at`` set) and is tried again."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    panelist = models.ForeignKey("panel.Panelist", on_delete=models.CASCADE, related_name="+")
    wave = models.ForeignKey(Wave, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["tenant_id", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "survey", "panelist"], name="surveyinvitation_once"),
        ]
        indexes = [models.Index(fields=["tenant", "panelist", "expires_at"], name="surveyinvitation_panelist")]

    def __str__(self) -> str:
        return f"invitation of {self.panelist_id} to {self.survey_id}"


class QuotaCell(TenantOwnedModel):
    """A quota cell over one or two questions (``age band = 18-34`` and ``region = north``) with a limit.

    Only completes count. ``completes`` moves under a row lock at completion, and the database refuses
    ``completes > limit``: two respondents racing for the last place cannot both take it."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="quotas")
    question_a = models.CharField(max_length=64)
    value_a = models.CharField(max_length=200)
    question_b = models.CharField(max_length=64, blank=True)
    value_b = models.CharField(max_length=200, blank=True)
    limit = models.PositiveIntegerField()
    completes = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["tenant_id", "survey_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "survey", "question_a", "value_a", "question_b", "value_b"], name="quotacell_unique"
            ),
            models.CheckConstraint(condition=Q(completes__lte=models.F("limit")), name="quotacell_within_limit"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        label = f"{self.question_a} = {self.value_a}"
        return f"{label} and {self.question_b} = {self.value_b}" if self.question_b else label


class Response(TenantOwnedModel):
    """One panelist's answers to one survey, bound to the version they answered. One per panelist and
    survey (a unique constraint). ``answers`` maps question names to values; ``path`` is the pages
    seen in order (for going back); ``order`` records the order of randomised choices and questions."""

    class Status(models.TextChoices):
        STARTED = "started", _("In progress")
        COMPLETED = "completed", _("Completed")
        SCREENED_OUT = "screened_out", _("Screened out")
        QUOTA_FULL = "quota_full", _("Quota full")
        STOPPED = "stopped", _("Stopped (consent withdrawn)")

    class Review(models.TextChoices):
        NONE = "", _("Not reviewed")
        HELD = "held", _("Held for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    version = models.ForeignKey(SurveyVersion, on_delete=models.PROTECT, related_name="responses")
    panelist = models.ForeignKey("panel.Panelist", on_delete=models.CASCADE, related_name="+")
    rid = models.CharField(max_length=32, default=new_rid, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.STARTED)
    answers = models.JSONField(default=dict, blank=True)
    path = models.JSONField(default=list, blank=True)
    current_page = models.CharField(max_length=64, blank=True)
    order = models.JSONField(default=dict, blank=True)
    page_shown_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    flags = models.JSONField(default=list, blank=True)
    review = models.CharField(max_length=8, choices=Review.choices, default="", blank=True)
    review_reason = models.CharField(max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    appeal_text = models.CharField(max_length=1000, blank=True)
    appealed_at = models.DateTimeField(null=True, blank=True)
    appeal_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    earned = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["tenant_id", "survey_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "survey", "panelist"], name="response_one_per_panelist"),
            models.UniqueConstraint(fields=["tenant", "rid"], name="response_rid_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["started", "completed", "screened_out", "quota_full", "stopped"]),
                name="response_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(review__in=["", "held", "approved", "rejected"]), name="response_review_valid"
            ),
            models.CheckConstraint(
                condition=Q(appeal_reviewed_by__isnull=True)
                | Q(reviewed_by__isnull=True)
                | ~Q(appeal_reviewed_by=models.F("reviewed_by")),
                name="response_appeal_by_another_reviewer",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "survey", "status"], name="response_survey_status")]

    def __str__(self) -> str:
        return f"response {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status != self.Status.STARTED


class PageTiming(TenantOwnedModel):
    """How long a respondent spent on one page, measured by the server (shown to submitted)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="timings")
    page = models.CharField(max_length=64)
    seconds = models.FloatField()
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tenant_id", "response_id", "id"]

    def __str__(self) -> str:
        return f"{self.page}: {self.seconds:.1f}s"


class SurveyExport(TenantOwnedModel):
    """A large export built by a worker, downloaded through a signed, expiring link.

    Its file lives as long as its link: once the link has expired, the hourly purge deletes the file
    and marks the export ``expired`` (``surveys.services.exports.survey_exports_purge``)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="exports")
    fmt = models.CharField(max_length=8)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    path = models.CharField(max_length=500, blank=True)
    include_rejected = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["tenant_id", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed", "expired"]),
                name="surveyexport_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(fmt__in=["csv", "sav", "parquet", "json"]), name="surveyexport_fmt_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.fmt}, {self.status})"
