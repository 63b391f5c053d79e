"""Data-subject rights and retention, walking the privacy registry: export, erasure, purge.

Each walks ``consent.registry.categories()``, so that a category an app registers cannot be left out
of a copy, an erasure or the daily purge. Purges log counts, never contents (``PurgeLog``).
"""

from __future__ import annotations

import io
import json
import logging
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consent.models import DataExport, PurgeLog, RetentionChange, RetentionOverride
from consent.registry import Category, Person, categories, erasure_order
from consent.selectors import retention_days, subject_list_for_user
from consent.services.consent import consents_withdraw_for_erasure
from consent.subjects import Subject
from consent.tasks import data_export_build_task
from core.errors import DomainError, PermissionDenied
from tenants.models import Membership, Tenant
from tenants.roles import role_has_perm
from tenants.selectors import tenant_list_or_one

logger = logging.getLogger(__name__)

EXPORTS_PER_DAY = 3
PURGE_BATCH = 1000


class RateLimited(DomainError):
    code = "rate_limited"
    status_code = 429


# --- export (Art. 15 and 20) ----------------------------------------------------------------------


@transaction.atomic
def data_export_request(*, subject: Subject, user: Any) -> DataExport:
    since = timezone.now() - timedelta(days=1)
    recent = DataExport.objects.for_tenant(subject.tenant).filter(subject=subject.id, requested_at__gte=since)
    if recent.count() >= EXPORTS_PER_DAY:
        raise RateLimited(_("At most %(n)s copies a day: try again tomorrow.") % {"n": EXPORTS_PER_DAY})
    export = DataExport.objects.create(tenant=subject.tenant, user=user, subject=subject.id)
    data_export_build_task.delay_on_commit(export.pk)
    return export


def _zip_for(person: Person) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        index = []
        for category in categories():
            data = category.exporter(person)
            archive.writestr(f"{category.key}.json", json.dumps(data, indent=2, ensure_ascii=False, default=str))
            index.append({"category": category.key, "name": str(category.name), "basis": category.basis,
                          "retention_days": category.retention_days, "file": f"{category.key}.json"})  # fmt: skip
            for name, content in category.files(person) if category.files else []:
                archive.writestr(f"files/{category.key}/{name}", content)
        archive.writestr(
            "README.json", json.dumps({"generated_at": timezone.now().isoformat(), "categories": index}, indent=2)
        )
    return buffer.getvalue()


def data_export_build(*, export_id: int) -> DataExport | None:
    """Build the ZIP of one request (idempotent: a finished request is left as it is)."""
    # across tenants: a worker loads the row its message names
    export = DataExport.objects.unscoped().select_related("tenant", "user").filter(pk=export_id).first()
    if export is None or export.status != DataExport.Status.PENDING:
        return export
    person = Person(user=export.user, tenant=export.tenant, subject=export.subject, scope="tenant")
    content = _zip_for(person)
    relative = Path("exports") / export.tenant.slug / f"{uuid.uuid4()}.zip"
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    export.file, export.size = str(relative), len(content)
    export.status, export.ready_at = DataExport.Status.READY, timezone.now()
    export.save(update_fields=["file", "size", "status", "ready_at"])
    return export


# --- erasure (Art. 17) ----------------------------------------------------------------------------


def _erase(person: Person) -> dict[str, int]:
    # In the declared order: the membership's eraser and the account's go last (consent.registry).
    return {category.key: category.eraser(person) for category in erasure_order()}


@transaction.atomic
def membership_erase(*, subject: Subject, user: Any) -> dict[str, int]:
    """Erase a person from one panel: their consents end (withdrawals, method erasure), then every
    category's eraser, scoped to that tenant."""
    consents_withdraw_for_erasure(tenant=subject.tenant, subject=subject.id)
    counts = _erase(Person(user=user, tenant=subject.tenant, subject=subject.id, scope="tenant"))
    logger.info("erased a membership of tenant %s: %s", subject.tenant.slug, counts)
    return counts


@transaction.atomic
def account_erase(*, user: Any) -> dict[str, int]:
    """Erase the whole account: each panel membership first, then everything account-wide."""
    totals: dict[str, int] = {}
    for subject in subject_list_for_user(user=user):
        consents_withdraw_for_erasure(tenant=subject.tenant, subject=subject.id)
        for key, count in _erase(Person(user=user, tenant=subject.tenant, subject=subject.id, scope="tenant")).items():
            totals[key] = totals.get(key, 0) + count
    for key, count in _erase(Person(user=user, tenant=None, subject=None, scope="account")).items():
        totals[key] = totals.get(key, 0) + count
    logger.info("erased an account: %s", totals)
    return totals


# --- retention purge ------------------------------------------------------------------------------


@transaction.atomic
def retention_set(*, tenant: Tenant, category: Category, days: int, by: Membership) -> RetentionOverride:
    """Set how long the tenant keeps a category: between its floor and its ceiling, by a role the
    category allows (the consent evidence: owners only). The change is recorded for auditors."""
    if not role_has_perm(by.role, category.retention_perm):
        raise PermissionDenied(
            _("Only an owner may change how long “%(category)s” is kept.") % {"category": category.name}
        )
    if days < 1:
        raise DomainError(_("Retention is at least one day."), fields={"days": [_("Use 1 or more.")]})
    if category.retention_days is not None and days > category.retention_days:
        raise DomainError(
            _("“%(category)s” may be kept at most %(days)s days.")
            % {"category": category.name, "days": category.retention_days},
            fields={"days": [_("Use at most %(days)s.") % {"days": category.retention_days}]},
        )
    floor = category.retention_floor_days
    if floor is not None and days < floor:
        message = _("“%(category)s” is kept at least %(days)s days: the law needs the proof after it ends.") % {
            "category": category.name,
            "days": floor,
        }
        raise DomainError(message, fields={"days": [_("Use at least %(days)s.") % {"days": floor}]})
    previous = retention_days(tenant=tenant, category=category)
    override, _created = RetentionOverride.objects.update_or_create(
        tenant=tenant, category=category.key, defaults={"days": days}
    )
    RetentionChange.objects.create(
        tenant=tenant, category=category.key, previous_days=previous, days=days, changed_by=by.user, role=by.role
    )
    return override


def privacy_purge(*, tenant: Tenant, dry_run: bool = False, batch_size: int = PURGE_BATCH) -> dict[str, int]:
    """Purge, for one tenant, what each category keeps past its retention. Safe to rerun.

    Not one transaction: each purger commits batch by batch, so that a long purge never holds a lock
    (the consent chain head's, for the evidence) for its whole run.
    """
    counts: dict[str, int] = {}
    for category in categories():
        days = retention_days(tenant=tenant, category=category)
        if category.purger is None or days is None:
            continue
        cutoff = timezone.now() - timedelta(days=days)
        purged = category.purger(tenant, cutoff, batch_size, dry_run)
        PurgeLog.objects.create(tenant=tenant, category=category.key, cutoff=cutoff, purged=purged, dry_run=dry_run)
        counts[category.key] = purged
        logger.info("purge %s %s: %d%s", tenant.slug, category.key, purged, " (dry run)" if dry_run else "")
    return counts


def privacy_purge_all() -> dict[str, dict[str, int]]:
    """The daily retention purge: ``privacy_purge`` of every tenant, one after the other."""
    return {tenant.slug: privacy_purge(tenant=tenant) for tenant in tenant_list_or_one(slug=None)}
