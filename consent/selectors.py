from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Max, QuerySet
from django.utils import timezone

from config.errors import NotFound
from consent.models import ConsentDocument, ConsentEvent, ConsentReceipt, Purpose
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


@dataclass(frozen=True)
class PurposeState:
    purpose: Purpose
    status: str  # "active", "reconsent_needed", "withdrawn", "not_given"
    current: ConsentDocument | None
    agreed: ConsentDocument | None
    latest: ConsentEvent | None
    history: list[ConsentEvent]
    language: str

    @property
    def name(self) -> str:
        return self.purpose.name_in(self.language)

    @property
    def description(self) -> str:
        return self.purpose.description_in(self.language)

    @property
    def can_grant(self) -> bool:
        return self.current is not None and self.status != "active"

    @property
    def can_withdraw(self) -> bool:
        return not self.purpose.required and self.status in {"active", "reconsent_needed"}


def consent_states_for_subject(*, tenant: Tenant, subject: str, language: str) -> list[PurposeState]:
    events = list(ConsentEvent.objects.for_tenant(tenant).filter(subject=subject).order_by("-seq"))
    states = []
    for purpose in purpose_list(tenant=tenant):
        history = [e for e in events if e.purpose_key == purpose.key]
        latest = history[0] if history else None
        current = document_current(purpose=purpose, language=language)
        major = major_version_current(purpose=purpose)
        if latest is None:
            status = "not_given"
        elif latest.kind == ConsentEvent.Kind.WITHDRAW:
            status = "withdrawn"
        elif major is not None and latest.document_version < major:
            status = "reconsent_needed"
        else:
            status = "active"
        agreed = None
        if latest is not None and latest.kind != ConsentEvent.Kind.WITHDRAW:
            agreed = (
                ConsentDocument.objects.for_tenant(tenant)
                .filter(purpose=purpose, version=latest.document_version, language=latest.document_language)
                .first()
            )
        states.append(PurposeState(purpose, status, current, agreed, latest, history, language))
    return states


def document_get(*, purpose: Purpose, version: int, language: str) -> ConsentDocument:
    texts = {
        d.language: d
        for d in ConsentDocument.objects.for_tenant(purpose.tenant).filter(
            purpose=purpose, version=version, published_at__isnull=False
        )
    }
    document = texts.get(language) or texts.get("en") or (next(iter(texts.values())) if texts else None)
    if document is None:
        raise NotFound(f"'{purpose.key}' has no published version {version}.", code="not_found")
    return document


def document_versions(*, purpose: Purpose) -> list[int]:
    return sorted(
        set(
            ConsentDocument.objects.for_tenant(purpose.tenant)
            .filter(purpose=purpose, published_at__isnull=False)
            .values_list("version", flat=True)
        )
    )


def receipt_get_for_subject(*, tenant: Tenant, subject: str, receipt_id: str) -> ConsentReceipt:
    receipt = ConsentReceipt.objects.for_tenant(tenant).filter(subject=subject, receipt_id=receipt_id).first()
    if receipt is None:
        raise NotFound("No such receipt.", code="not_found")
    return receipt
