from __future__ import annotations

from django.db.models import Max, QuerySet
from django.utils import timezone

from config.errors import NotFound
from consent.models import ConsentDocument, ConsentEvent, Purpose
from tenants.models import Tenant


def purpose_get(*, tenant: Tenant, key: str) -> Purpose:
    purpose = Purpose.objects.for_tenant(tenant).filter(key=key).select_related("tenant").first()
    if purpose is None:
        raise NotFound(f"Unknown purpose '{key}'.", code="unknown_purpose")
    return purpose


def purpose_list(*, tenant: Tenant) -> QuerySet[Purpose]:
    return Purpose.objects.for_tenant(tenant).order_by("-required", "id")


def _published(purpose: Purpose) -> QuerySet[ConsentDocument]:
    return ConsentDocument.objects.for_tenant(purpose.tenant).filter(
        purpose=purpose, published_at__isnull=False, effective_at__lte=timezone.now()
    )


def document_current(*, purpose: Purpose, language: str) -> ConsentDocument | None:
    """The newest effective version, in ``language`` if it has one, else English, else any."""
    latest = _published(purpose).aggregate(v=Max("version"))["v"]
    if latest is None:
        return None
    texts = {d.language: d for d in _published(purpose).filter(version=latest)}
    return texts.get(language) or texts.get("en") or next(iter(sorted(texts.items())))[1]


def major_version_current(*, purpose: Purpose) -> int | None:
    return _published(purpose).filter(change=ConsentDocument.Change.MAJOR).aggregate(v=Max("version"))["v"]


def consent_latest_event(*, tenant: Tenant, subject: str, purpose_key: str) -> ConsentEvent | None:
    return (
        ConsentEvent.objects.for_tenant(tenant)
        .filter(subject=subject, purpose_key=purpose_key)
        .order_by("-seq")
        .first()
    )
