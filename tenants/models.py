from __future__ import annotations

import traceback
import zoneinfo
from typing import Any, ClassVar, Self

import pycountry
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenants.roles import API_KEY_ROLES, Role

SLUG_VALIDATOR = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$",
    _("Use 1 to 50 lowercase letters, digits and hyphens, starting and ending with a letter or digit."),
)


def validate_currency(value: str) -> None:
    if pycountry.currencies.get(alpha_3=value) is None:
        raise ValidationError(_("%(value)s is not an ISO 4217 currency code."), params={"value": value})


def validate_country(value: str) -> None:
    if pycountry.countries.get(alpha_2=value) is None:
        raise ValidationError(_("%(value)s is not an ISO 3166-1 alpha-2 country code."), params={"value": value})


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("%(value)s is not an IANA time zone."), params={"value": value}) from None


def validate_languages(value: list[str]) -> None:
    known = {code for code, _name in settings.LANGUAGES}
    unknown = [code for code in value if code not in known]
    if not value:
        raise ValidationError(_("A tenant needs at least one language."))
    if unknown:
        raise ValidationError(
            _("Unsupported languages: %(codes)s. Supported: %(known)s."),
            params={"codes": ", ".join(unknown), "known": ", ".join(sorted(known))},
        )


def default_languages() -> list[str]:
    return ["en", "fr"]


class Tenant(models.Model):
    """A panel operator. Everything a tenant owns hangs off this row."""

    slug = models.CharField(_("slug"), max_length=50, unique=True, validators=[SLUG_VALIDATOR])
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=2, validators=[validate_country])
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_timezone])
    languages = ArrayField(models.CharField(max_length=8), default=default_languages, validators=[validate_languages])
    minimum_age = models.PositiveSmallIntegerField(
        _("minimum age"), default=18, validators=[MinValueValidator(13), MaxValueValidator(99)]
    )
    panel_capacity = models.PositiveIntegerField(
        _("panel capacity"), default=10_000, help_text=_("The most panelists this panel admits.")
    )
    invitation_days = models.PositiveSmallIntegerField(
        _("invitation validity (days)"), default=14, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    reminder_gap_days = models.PositiveSmallIntegerField(
        _("days between invitation reminders"), default=3, validators=[MinValueValidator(1)]
    )
    contact_cap = models.PositiveSmallIntegerField(
        _("most messages a person gets per period"), default=3, validators=[MinValueValidator(1)]
    )
    contact_period_days = models.PositiveSmallIntegerField(
        _("contact period (days)"), default=7, validators=[MinValueValidator(1)]
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(slug__regex=r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$"), name="tenant_slug_format"
            ),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="tenant_currency_iso4217"),
            models.CheckConstraint(condition=Q(country__regex=r"^[A-Z]{2}$"), name="tenant_country_iso3166"),
            models.CheckConstraint(
                condition=Q(minimum_age__gte=13, minimum_age__lte=99), name="tenant_minimum_age_range"
            ),
            models.CheckConstraint(condition=Q(languages__len__gte=1), name="tenant_has_a_language"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class UnscopedQueryError(Exception):
    """A query of a tenant-owned table that names no tenant: a bug that could show one tenant another's
    rows. Scope it with ``for_tenant(tenant)`` (or a ``tenant=`` filter); a system job that works across
    tenants says so with ``unscoped()`` and a ``# across tenants:`` comment (``make lint`` lists them)."""


# The filters that name a tenant, and so scope a query.
_TENANT_LOOKUPS = frozenset({"tenant", "tenant_id", "tenant__in", "tenant_id__in", "tenant__pk", "tenant__slug"})


def _caller() -> str:
    """Where the unscoped query was run from: the first frame outside this module and Django."""
    for frame in reversed(traceback.extract_stack()[:-2]):
        if frame.filename != __file__ and "site-packages" not in frame.filename:
            return f"{frame.filename}:{frame.lineno}"
    return "?"


def _tenant_row(value: object) -> bool:
    """A row of a tenant-owned table: filtering by it (``run=run``) reaches only that tenant's rows."""
    return isinstance(value, models.Model) and getattr(value, "tenant_id", None) is not None


class TenantQuerySet(models.QuerySet[Any]):
    """A query of a tenant-owned table runs only once it names its tenant.

    Building a query is free; running it (iterating, ``get``, ``count``, ``exists``, ``aggregate``,
    ``update``, ``delete``...) without a tenant raises ``UnscopedQueryError``. A query is scoped by
    ``for_tenant()``, by a ``tenant=`` / ``tenant_id=`` filter, by a filter on a row of a tenant-owned
    table (``run=run``), by being a related manager of such a row (``release.invitations``), or, for
    system jobs across tenants, explicitly by ``unscoped()``. A subquery (``Exists(...)``) runs inside its outer query.
    """

    _tenant_scoped = False

    def _clone(self) -> Self:
        clone: Self = super()._clone()  # type: ignore[misc]  # Django's, absent from its stubs
        clone._tenant_scoped = self._tenant_scoped
        return clone

    def for_tenant(self, tenant: Tenant) -> Self:
        return self.filter(tenant=tenant)

    def none(self) -> Self:
        clone = super().none()
        clone._tenant_scoped = True  # nothing, of any tenant
        return clone

    def unscoped(self) -> Self:
        """Every tenant's rows, for a system job that works across tenants (greppable on purpose)."""
        clone = self.all()
        clone._tenant_scoped = True
        return clone

    def filter(self, *args: Any, **kwargs: Any) -> Self:
        clone = super().filter(*args, **kwargs)
        if _TENANT_LOOKUPS.intersection(kwargs) or any(_tenant_row(value) for value in kwargs.values()):
            clone._tenant_scoped = True
        return clone

    def _require_tenant(self) -> None:
        if not self._tenant_scoped:
            raise UnscopedQueryError(
                f"A query of {self.model._meta.label} names no tenant (at {_caller()}): use .for_tenant(tenant), "
                "a tenant= filter, or, for a system job across tenants, .unscoped()."
            )

    def _fetch_all(self) -> None:
        if self._result_cache is None:
            self._require_tenant()
        super()._fetch_all()

    def count(self) -> int:
        if self._result_cache is None:
            self._require_tenant()
        return super().count()

    def exists(self) -> bool:
        if self._result_cache is None:
            self._require_tenant()
        return super().exists()

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._require_tenant()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        self._require_tenant()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._require_tenant()
        return super().delete()

    def iterator(self, chunk_size: int | None = None) -> Any:
        self._require_tenant()
        return super().iterator(chunk_size=chunk_size)

    def in_bulk(self, *args: Any, **kwargs: Any) -> Any:
        self._require_tenant()
        return super().in_bulk(*args, **kwargs)


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):  # type: ignore[misc]
    def get_queryset(self) -> TenantQuerySet:
        queryset = super().get_queryset()
        if getattr(self, "instance", None) is not None:
            queryset._tenant_scoped = True  # a related manager of a row: ``release.invitations``
        return queryset


class TenantOwnedModel(models.Model):
    """Base of every tenant-owned table: a non-null tenant, read through ``for_tenant()``.

    ``tenant_id`` leads the table's indexes and unique constraints, so the schema can be
    distributed by tenant (Citus) without change.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")

    objects: ClassVar[TenantQuerySet] = TenantManager()

    class Meta:
        abstract = True


class Membership(TenantOwnedModel):
    """A person's staff role in one tenant. One role per person and tenant."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tenant_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="membership_one_per_tenant_user"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.tenant_id}"


class ApiKey(TenantOwnedModel):
    """A credential for integrations. Only the SHA-256 of the secret is kept; the key is shown once.

    The key reads ``fp_<prefix>_<secret>``: the prefix finds the row, the hash proves the secret.
    The secret carries 256 bits of entropy, so a fast hash is enough (no password stretching).
    """

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    role = models.CharField(_("role"), max_length=16, choices=[(r.value, r.label) for r in API_KEY_ROLES])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["tenant_id", "-id"]
        indexes = [models.Index(fields=["tenant", "created_at"], name="apikey_tenant_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in API_KEY_ROLES]), name="apikey_role_not_owner"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (fp_{self.prefix}_…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
