"""consent's reads: purposes and their documents, a panelist's consents and receipts, the consent log
(search, streamed exports, verification of the chain), data exports, retention and the purge log."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time
from operator import itemgetter
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.timezone import is_aware, make_aware
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from consent.chain import HASHED_FIELDS, SEAL_FIELDS, ChainReport, chain_check
from consent.export_links import data_export_id_from_token, data_export_link_token
from consent.models import (
    ConsentChain,
    ConsentDocument,
    ConsentEvent,
    ConsentReceipt,
    ConsentSeal,
    DataExport,
    PurgeLog,
    Purpose,
    RetentionChange,
    RetentionOverride,
)
from consent.registry import Category, categories
from consent.subjects import Subject, subject_for
from core.errors import DomainError, NotFound
from tenants.console import ChecklistStep
from tenants.models import Membership, Tenant
from tenants.roles import Perm, Role

# What the log shows of an event, in the order of its exports' columns.
EVENT_COLUMNS = (
    "seq", "occurred_at", "subject", "purpose_key", "kind", "document_version", "document_language",
    "document_sha256", "method", "actor", "prev_hash", "hash",
)  # fmt: skip


def purpose_get(*, tenant: Tenant, key: str) -> Purpose:
    purpose = Purpose.objects.for_tenant(tenant).filter(key=key).select_related("tenant").first()
    if purpose is None:
        raise NotFound(_("Unknown purpose “%(key)s”.") % {"key": key}, code="unknown_purpose")
    return purpose


# Purposes of people who are not (yet) panelists: not offered on a panelist's own pages.
NOT_PANELIST_PURPOSES = ("waitlist",)


def purpose_list(*, tenant: Tenant) -> QuerySet[Purpose]:
    return Purpose.objects.for_tenant(tenant).order_by("-required", "id")


def panelist_purpose_list(*, tenant: Tenant) -> QuerySet[Purpose]:
    return purpose_list(tenant=tenant).exclude(key__in=NOT_PANELIST_PURPOSES)


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


ACTIVE_KINDS = (ConsentEvent.Kind.GRANT, ConsentEvent.Kind.RECONSENT)


def consent_subjects_active_between(
    *, tenant: Tenant, purpose_key: str, subjects: Iterable[str], start: datetime, end: datetime
) -> set[str]:
    """Which of ``subjects`` had consent to ``purpose_key`` active at some moment in [start, end):
    their latest event before ``start`` granted it, or they granted it (again) within the interval.
    A withdrawal inside the interval does not undo the part of it before the withdrawal."""
    subjects = list(subjects)
    events = ConsentEvent.objects.for_tenant(tenant).filter(purpose_key=purpose_key, subject__in=subjects)
    granted_within = events.filter(kind__in=ACTIVE_KINDS, occurred_at__gte=start, occurred_at__lt=end)
    before = events.filter(occurred_at__lt=start)
    latest_before = before.order_by("subject", "-seq").distinct("subject").values_list("subject", "kind")
    return set(granted_within.values_list("subject", flat=True)) | {
        subject for subject, kind in latest_before if kind in ACTIVE_KINDS
    }


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
    for purpose in panelist_purpose_list(tenant=tenant):
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


@dataclass(frozen=True)
class ConsentOverview:
    """A subject's consents as their pages show them."""

    states: list[PurposeState]

    @property
    def needs_reconsent(self) -> list[PurposeState]:
        return [state for state in self.states if state.status == "reconsent_needed"]

    @property
    def programs(self) -> list[PurposeState]:
        """The optional programs the subject takes part in now."""
        return [state for state in self.states if state.status == "active" and not state.purpose.required]


def consent_overview(*, tenant: Tenant, subject: str, language: str) -> ConsentOverview:
    return ConsentOverview(consent_states_for_subject(tenant=tenant, subject=subject, language=language))


def consent_state_get(*, tenant: Tenant, subject: str, purpose_key: str, language: str) -> PurposeState | None:
    """One purpose's state for the subject; None for a purpose not offered to panelists."""
    states = consent_states_for_subject(tenant=tenant, subject=subject, language=language)
    return next((state for state in states if state.purpose.key == purpose_key), None)


def document_get(*, purpose: Purpose, version: int, language: str) -> ConsentDocument:
    texts = {
        d.language: d
        for d in ConsentDocument.objects.for_tenant(purpose.tenant).filter(
            purpose=purpose, version=version, published_at__isnull=False
        )
    }
    document = texts.get(language) or texts.get("en") or (next(iter(texts.values())) if texts else None)
    if document is None:
        raise NotFound(
            _("“%(purpose)s” has no published version %(version)s.")
            % {"purpose": purpose.name_in(get_language()), "version": version},
            code="not_found",
        )
    return document


def document_versions(*, purpose: Purpose) -> list[int]:
    return sorted(
        set(
            ConsentDocument.objects.for_tenant(purpose.tenant)
            .filter(purpose=purpose, published_at__isnull=False)
            .values_list("version", flat=True)
        )
    )


def receipt_find(*, pk: int) -> ConsentReceipt | None:
    # across tenants: a worker loads the row its message names
    return ConsentReceipt.objects.unscoped().select_related("event", "tenant").filter(pk=pk).first()


def receipt_get_for_subject(*, tenant: Tenant, subject: str, receipt_id: str) -> ConsentReceipt:
    receipt = ConsentReceipt.objects.for_tenant(tenant).filter(subject=subject, receipt_id=receipt_id).first()
    if receipt is None:
        raise NotFound(_("No such receipt."), code="not_found")
    return receipt


@dataclass(frozen=True)
class EventFilter:
    subject: str = ""
    purpose_key: str = ""
    kind: str = ""
    since: datetime | None = None
    until: datetime | None = None


def event_filter_from(params: Mapping[str, str]) -> EventFilter:
    """Parse search parameters; a bad value is a 400 naming the field, never a 500."""
    problems: dict[str, list[str]] = {}
    kind = params.get("kind", "").strip()
    if kind and kind not in ConsentEvent.Kind.values:
        problems["kind"] = [_("Use one of %(kinds)s.") % {"kinds": ", ".join(ConsentEvent.Kind.values)}]
    dates: dict[str, datetime | None] = {}
    for name in ("since", "until"):
        raw = params.get(name, "").strip()
        dates[name] = None
        if raw:
            parsed = _parse_moment(raw)
            if parsed is None:
                problems[name] = [_("Use a date (2026-01-31) or a date and time (2026-01-31T12:00:00Z).")]
            else:
                dates[name] = parsed if is_aware(parsed) else make_aware(parsed, UTC)
    subject = params.get("subject", "").strip()[:64]
    purpose_key = params.get("purpose", "").strip()[:50]
    if "\x00" in subject + purpose_key:
        problems["subject"] = [_("Contains a NUL character.")]
    if problems:
        raise DomainError(_("The search is not valid; see the fields."), fields=problems)
    return EventFilter(subject, purpose_key, kind, dates["since"], dates["until"])


def _parse_moment(raw: str) -> datetime | None:
    try:
        moment = parse_datetime(raw)
        if moment is not None:
            return moment
        day = parse_date(raw)
    except ValueError:  # well-formed but impossible, like 2026-02-31
        return None
    return datetime.combine(day, time.min) if day else None


def consent_event_list(*, tenant: Tenant, filters: EventFilter, newest_first: bool = False) -> QuerySet[ConsentEvent]:
    qs = ConsentEvent.objects.for_tenant(tenant)
    if filters.subject:
        qs = qs.filter(subject=filters.subject)
    if filters.purpose_key:
        qs = qs.filter(purpose_key=filters.purpose_key)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.since:
        qs = qs.filter(occurred_at__gte=filters.since)
    if filters.until:
        qs = qs.filter(occurred_at__lt=filters.until)
    return qs.order_by("-seq" if newest_first else "seq")


def _in_seq_batches(
    events: QuerySet[Any], fields: tuple[str, ...], *, after_seq: int = 0, batch: int = 5000
) -> Iterator[dict[str, Any]]:
    # Keyset batches in seq order: constant memory and a steady pace however long the log is.
    last = after_seq
    while rows := list(events.filter(seq__gt=last).order_by("seq").values(*fields)[:batch]):
        yield from rows
        last = int(rows[-1]["seq"])


def consent_event_stream(*, tenant: Tenant, filters: EventFilter, batch: int = 5000) -> Iterator[dict[str, Any]]:
    """Every matching event, oldest first, read in keyset batches: constant memory for any log size."""
    return _in_seq_batches(consent_event_list(tenant=tenant, filters=filters), EVENT_COLUMNS, batch=batch)


def consent_event_csv_chunks(*, tenant: Tenant, filters: EventFilter) -> Iterator[bytes]:
    """The matching events as CSV (with a header), block by block, from PostgreSQL's COPY."""
    events = consent_event_list(tenant=tenant, filters=filters).values_list(*EVENT_COLUMNS)
    select, params = events.query.sql_with_params()
    connection.ensure_connection()
    raw = connection.connection
    # COPY takes no bind parameters: the values (the tenant id, the search) are quoted client-side
    # by psycopg, the same quoting its client-side cursor uses.
    bound = psycopg.ClientCursor(raw).mogrify(select, params)
    # Shaped like the JSON export (ISO 8601 times in UTC), and safe to open in a spreadsheet: a text
    # cell that would start a formula gets a leading apostrophe (core.csvfiles does the same in Python).
    columns = ", ".join(_csv_column(column) for column in EVENT_COLUMNS)
    # Not injectable: the columns are our own constants, and every value in the query was quoted above.
    query = f"COPY (SELECT {columns} FROM ({bound}) AS e) TO STDOUT WITH (FORMAT csv, HEADER)"  # noqa: S608
    with raw.cursor() as cursor, cursor.copy(query) as copy:
        yield from (bytes(block) for block in copy)


_CSV_NUMBERS = ("seq", "document_version")


def _csv_column(column: str) -> str:
    """One exported column in SQL: its value as the export writes it, under its own name."""
    if column == "occurred_at":
        utc = "e.occurred_at AT TIME ZONE 'UTC'"
        whole = f"extract(microseconds FROM {utc})::int % 1000000 = 0"
        fraction = f"CASE WHEN {whole} THEN '' ELSE to_char({utc}, '.US') END"
        return f"""to_char({utc}, 'YYYY-MM-DD"T"HH24:MI:SS') || {fraction} || '+00:00' AS occurred_at"""
    if column in _CSV_NUMBERS:
        return f"e.{column}"
    value = f"e.{column}::text"
    formula = rf"{value} ~ E'^[=+@\\t\\r-]' AND {value} !~ '^[-+]?[0-9]+(\.[0-9]+)?$'"
    return f"CASE WHEN {formula} THEN '''' || {value} ELSE {value} END AS {column}"


def chain_events(*, tenant: Tenant, after_seq: int = 0) -> Iterator[dict[str, Any]]:
    """The chain after ``after_seq``, in seq order, as verification walks it: each event's hashed
    fields, and in the place of each purged event its seal (``sealed`` set: only seq and hashes)."""
    events = _in_seq_batches(
        ConsentEvent.objects.for_tenant(tenant), ("id", *HASHED_FIELDS, "hash"), after_seq=after_seq
    )
    seals = (
        row | {"sealed": True}
        for row in _in_seq_batches(ConsentSeal.objects.for_tenant(tenant), SEAL_FIELDS, after_seq=after_seq)
    )
    return heapq.merge(events, seals, key=itemgetter("seq"))


def chain_head_get(*, tenant: Tenant) -> ConsentChain | None:
    return ConsentChain.objects.filter(tenant=tenant).first()


def chain_hash_at(*, tenant: Tenant, seq: int) -> str | None:
    """The hash of event ``seq`` as the log has it now: the event's, or its seal's once purged, or the
    old sealed prefix's for its last event; None when the log has neither."""
    for model in (ConsentEvent, ConsentSeal):
        found = model.objects.for_tenant(tenant).filter(seq=seq).values_list("hash", flat=True).first()
        if found is not None:
            return str(found)
    head = chain_head_get(tenant=tenant)
    return head.sealed_hash if head is not None and head.sealed_seq == seq else None


def chain_verify(*, tenant: Tenant) -> ChainReport:
    """Walk the tenant's log from its seal to its head and check every hash (``consent.chain``)."""
    head = chain_head_get(tenant=tenant)
    events = chain_events(tenant=tenant, after_seq=head.sealed_seq if head else 0)
    return chain_check(tenant=tenant, head=head, events=events)


def document_list(*, tenant: Tenant) -> QuerySet[ConsentDocument]:
    """Every published document of the tenant, by purpose, newest version first."""
    return (
        ConsentDocument.objects.for_tenant(tenant)
        .filter(published_at__isnull=False)
        .select_related("purpose")
        .order_by("purpose_id", "-version", "language")
    )


def documents_by_purpose(*, tenant: Tenant) -> list[tuple[Purpose, list[ConsentDocument]]]:
    by_purpose: dict[int, list[ConsentDocument]] = {}
    for document in document_list(tenant=tenant):
        by_purpose.setdefault(document.purpose_id, []).append(document)
    return [(purpose, by_purpose.get(purpose.pk, [])) for purpose in purpose_list(tenant=tenant)]


def processing_record_get(*, tenant: Tenant, language: str = "en") -> dict[str, object]:
    """The record of processing activities (GDPR Art. 30(1)) for the tenant, from its purposes."""
    return {
        "controller": {"name": tenant.name, "country": tenant.country},
        "activities": [
            {
                "purpose": purpose.key,
                "name": purpose.name_in(language),
                "description": purpose.description_in(language),
                "legal_basis": purpose.legal_basis,
                "data_subjects": "panelists",
                "data_categories": list(purpose.data_categories),
                "recipients": [],
                "third_country_transfers": [],
                "retention_days": purpose.retention_days,
                "security_measures": [
                    "pseudonymous identifiers in the consent log",
                    "append-only, hash-chained consent log",
                    "two-factor authentication for staff",
                    "per-tenant isolation of every record",
                ],
            }
            for purpose in purpose_list(tenant=tenant)
        ],
    }


def purge_log_list(*, tenant: Tenant) -> QuerySet[PurgeLog]:
    return PurgeLog.objects.for_tenant(tenant).order_by("-ran_at", "-id")


def retention_change_list(*, tenant: Tenant) -> QuerySet[RetentionChange]:
    """Every change of a retention period, newest first, with who made it."""
    return RetentionChange.objects.for_tenant(tenant).select_related("changed_by").order_by("-changed_at", "-id")


def retention_days(*, tenant: Tenant, category: Category) -> int | None:
    """How long the tenant keeps a category: its own shorter period, or the category's ceiling."""
    override = RetentionOverride.objects.for_tenant(tenant).filter(category=category.key).first()
    return category.retention_for(override.days if override else None)


def retention_list(*, tenant: Tenant) -> list[tuple[Category, int | None]]:
    return [(category, retention_days(tenant=tenant, category=category)) for category in categories()]


def auditor_email_list(*, tenant: Tenant) -> list[str]:
    """Where the tenant's auditors receive what is theirs to keep (checkpoints of the consent chain)."""
    auditors = Membership.objects.for_tenant(tenant).filter(role=Role.AUDITOR, user__is_active=True)
    return sorted(set(auditors.values_list("user__email", flat=True)))


def checkpoint_tenant_id_list() -> list[int]:
    """The active tenants that have auditors to send checkpoints to, and a consent log to checkpoint."""
    with_auditors = Membership.objects.filter(role=Role.AUDITOR, user__is_active=True).values("tenant_id")
    with_log = ConsentChain.objects.filter(last_seq__gt=0).values("tenant_id")
    tenants = Tenant.objects.filter(is_active=True, pk__in=with_auditors).filter(pk__in=with_log)
    return list(tenants.order_by("pk").values_list("pk", flat=True))


def data_export_list(*, tenant: Tenant, subject: str) -> QuerySet[DataExport]:
    exports = DataExport.objects.for_tenant(tenant).filter(subject=subject)
    return exports.select_related("tenant").order_by("-requested_at")


def data_export_list_with_links(
    *, tenant: Tenant, subject: str, limit: int = 10
) -> list[tuple[DataExport, str | None]]:
    """The latest exports, each with the token of its download link once it is ready."""
    return [
        (export, data_export_link_token(export) if export.status == DataExport.Status.READY else None)
        for export in data_export_list(tenant=tenant, subject=subject)[:limit]
    ]


def data_export_get_by_token(*, token: str, user: Any) -> tuple[DataExport, Path]:
    """The export a download link names, and its file; only for the person who asked for it."""
    export_id = data_export_id_from_token(token)
    # across tenants: the signed link names the export, and only the person who asked for it gets it
    export = DataExport.objects.unscoped().filter(pk=export_id, user=user, status=DataExport.Status.READY).first()
    if export is None:
        raise NotFound(_("This link is not valid or has expired."), code="link_expired")
    path = Path(settings.MEDIA_ROOT) / export.file
    if not path.is_file():
        raise NotFound(_("This copy is no longer available."), code="link_expired")
    return export, path


def subject_list_for_user(*, user: Any) -> list[Subject]:
    """The person as a data subject of every active panel they belong to."""
    tenants = Tenant.objects.filter(is_active=True).order_by("id")
    return [subject for tenant in tenants if (subject := subject_for(tenant, user)) is not None]


def purpose_text_published(*, tenant: Tenant, key: str) -> bool:
    """Whether the purpose has a published text in any language (nobody can consent to it before)."""
    return _published_documents(tenant=tenant).filter(purpose__key=key).exists()


def _published_documents(*, tenant: Tenant) -> QuerySet[ConsentDocument]:
    return ConsentDocument.objects.for_tenant(tenant).filter(
        published_at__isnull=False, effective_at__lte=timezone.now()
    )


def consent_checklist(tenant: Tenant) -> list[ChecklistStep]:
    """consent's first-run steps: the membership text (without it nobody can join), and the waitlist's
    text (without it the waitlist stays closed)."""
    return [
        ChecklistStep(
            10, _("Publish the membership text"), purpose_text_published(tenant=tenant, key="membership"),
            "console_purposes", Perm.PURPOSES_MANAGE,
        ),
        ChecklistStep(
            40, _("Open the waitlist: publish its text"), purpose_text_published(tenant=tenant, key="waitlist"),
            "console_purposes", Perm.PURPOSES_MANAGE,
        ),
    ]  # fmt: skip
