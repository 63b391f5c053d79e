"""Purposes' writes: the built-in purposes every tenant has, and an operator's own purposes."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from consent.builtin import BUILTIN_PURPOSES
from consent.models import Purpose
from core.errors import DomainError, validation_fields
from tenants.models import Tenant


def purposes_ensure_builtin(*, tenant: Tenant) -> None:
    for spec in BUILTIN_PURPOSES:
        Purpose.objects.get_or_create(tenant=tenant, key=spec["key"], defaults={**spec, "builtin": True})


@transaction.atomic
def purpose_create(
    *,
    tenant: Tenant,
    key: str,
    names: Mapping[str, str],
    descriptions: Mapping[str, str],
    legal_basis: str,
    data_categories: list[str],
    retention_days: int,
) -> Purpose:
    """An operator's own purpose, beside the built-in ones."""
    purpose = Purpose(
        tenant=tenant,
        key=key.strip(),
        names={k: v.strip() for k, v in names.items() if v.strip()},
        descriptions={k: v.strip() for k, v in descriptions.items() if v.strip()},
        legal_basis=legal_basis,
        data_categories=[c.strip() for c in data_categories if c.strip()],
        retention_days=retention_days,
    )
    problems: dict[str, list[str]] = {}
    try:
        purpose.full_clean(exclude=["tenant"])
    except ValidationError as exc:
        problems |= validation_fields(exc)
    if "en" not in purpose.names:
        problems["names.en"] = [_("Give at least the English name.")]
    if not purpose.descriptions:
        problems["descriptions"] = [_("Say in plain words what the purpose covers.")]
    if Purpose.objects.for_tenant(tenant).filter(key=purpose.key).exists():
        problems["key"] = [_("A purpose “%(key)s” exists already.") % {"key": purpose.key}]
    if problems:
        raise DomainError(_("The purpose is not valid; see the fields."), fields=problems)
    purpose.save()
    return purpose
