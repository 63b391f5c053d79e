"""The consent log's writes: a grant, a withdrawal, a panelist's change with its signed receipt; and
``consent_require``, the one gate every collector passes before it collects under a purpose.

Appends of a tenant serialise on its chain head row (``ConsentChain``), so that the log's ``seq`` has
no gap and each event's ``prev_hash`` is the hash of the one before. Two requests for the same person
and purpose serialise on an advisory lock, so that a double click cannot grant twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from consent.chain import event_hash
from consent.errors import ConsentRequired, ConsentWithdrawn
from consent.models import GENESIS_HASH, ConsentChain, ConsentDocument, ConsentEvent, ConsentReceipt, Purpose
from consent.selectors import consent_latest_event, document_current, purpose_get, purpose_list
from consent.services.receipts import receipt_issue
from consent.subjects import Subject
from consent.tasks import consent_receipt_email_send_task
from core import rows
from core.errors import Conflict, DomainError
from tenants.models import Tenant


def _chain_head_for_update(tenant: Tenant) -> ConsentChain:
    # Every append of a tenant serialises on its chain head row; appends of different tenants do not
    # wait for each other. The row is created on first use without racing (ON CONFLICT DO NOTHING).
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO consent_consentchain (tenant_id, last_seq, last_hash, sealed_seq, sealed_hash)"
            " VALUES (%s, 0, %s, 0, %s) ON CONFLICT (tenant_id) DO NOTHING",
            [tenant.pk, GENESIS_HASH, GENESIS_HASH],
        )
    return ConsentChain.objects.select_for_update().get(tenant=tenant)


def _append(*, tenant: Tenant, **fields: object) -> ConsentEvent:
    head = _chain_head_for_update(tenant)
    fields |= {"seq": head.last_seq + 1, "prev_hash": head.last_hash, "occurred_at": timezone.now()}
    event = ConsentEvent(tenant=tenant, **fields)
    event.hash = event_hash(tenant.pk, {name: getattr(event, name) for name in fields})
    event.save(force_insert=True)
    head.last_seq, head.last_hash = event.seq, event.hash
    head.save(update_fields=["last_seq", "last_hash"])
    return event


def _document_for(purpose: Purpose, language: str) -> ConsentDocument:
    document = document_current(purpose=purpose, language=language)
    if document is None:
        raise Conflict(
            _("“%(purpose)s” has no published consent document yet.") % {"purpose": purpose.name_in(get_language())},
            code="no_consent_document",
        )
    return document


@transaction.atomic
def consent_grant(
    *, tenant: Tenant, subject: str, purpose_key: str, language: str, method: str, actor: str
) -> ConsentEvent:
    """Record consent to the current version of a purpose. Granting what is already active is a 409."""
    purpose = purpose_get(tenant=tenant, key=purpose_key)
    if method not in ConsentEvent.Method.values:
        raise DomainError(
            _("Unknown method."),
            fields={"method": [_("Use one of %(methods)s.") % {"methods": ", ".join(ConsentEvent.Method.values)}]},
        )
    document = _document_for(purpose, language)
    _lock_subject(tenant, subject, purpose_key)
    latest = consent_latest_event(tenant=tenant, subject=subject, purpose_key=purpose_key)
    active = latest is not None and latest.kind != ConsentEvent.Kind.WITHDRAW
    if active and latest is not None and latest.document_version >= document.version:
        raise Conflict(
            _("Consent to “%(purpose)s” is already given for this version.")
            % {"purpose": purpose.name_in(get_language())},
            code="already_granted",
        )
    kind = ConsentEvent.Kind.RECONSENT if active else ConsentEvent.Kind.GRANT
    return _append(
        tenant=tenant,
        subject=subject,
        purpose_key=purpose_key,
        kind=kind,
        document_version=document.version,
        document_language=document.language,
        document_sha256=document.body_sha256,
        method=method,
        actor=actor,
    )


@transaction.atomic
def consent_withdraw(*, tenant: Tenant, subject: str, purpose_key: str, method: str, actor: str) -> ConsentEvent:
    """Record a withdrawal. Withdrawing what was never given (or is already withdrawn) is a 409."""
    purpose = purpose_get(tenant=tenant, key=purpose_key)
    if purpose.required:
        raise Conflict(
            _("“%(purpose)s” is what membership rests on: leave the panel instead of withdrawing it.")
            % {"purpose": purpose.name_in(get_language())},
            code="membership_required",
        )
    _lock_subject(tenant, subject, purpose_key)
    latest = consent_latest_event(tenant=tenant, subject=subject, purpose_key=purpose_key)
    if latest is None or latest.kind == ConsentEvent.Kind.WITHDRAW:
        raise Conflict(
            _("There is no active consent to “%(purpose)s” to withdraw.")
            % {"purpose": purpose.name_in(get_language())},
            code="not_granted",
        )
    return _append(
        tenant=tenant,
        subject=subject,
        purpose_key=purpose_key,
        kind=ConsentEvent.Kind.WITHDRAW,
        document_version=latest.document_version,
        document_language=latest.document_language,
        document_sha256=latest.document_sha256,
        method=method,
        actor=actor,
    )


def consents_withdraw_for_erasure(*, tenant: Tenant, subject: str) -> int:
    """An erased person's consents end with their erasure: each one still active gets a withdrawal
    (method ``erasure``), so the log never shows an erased subject's consent as in force. The membership
    purpose included: the person has left. Returns how many were withdrawn."""
    withdrawn = 0
    for purpose in purpose_list(tenant=tenant):
        _lock_subject(tenant, subject, purpose.key)
        latest = consent_latest_event(tenant=tenant, subject=subject, purpose_key=purpose.key)
        if latest is None or latest.kind == ConsentEvent.Kind.WITHDRAW:
            continue
        _append(
            tenant=tenant,
            subject=subject,
            purpose_key=purpose.key,
            kind=ConsentEvent.Kind.WITHDRAW,
            document_version=latest.document_version,
            document_language=latest.document_language,
            document_sha256=latest.document_sha256,
            method=ConsentEvent.Method.ERASURE,
            actor="subject",
        )
        withdrawn += 1
    return withdrawn


def _lock_subject(tenant: Tenant, subject: str, purpose_key: str) -> None:
    # Two requests for the same person and purpose (a double click, a retry) must not both pass the
    # "already granted?" check: serialise them on a transaction-scoped advisory lock.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"consent:{tenant.pk}:{subject}:{purpose_key}"]
        )


def consent_gate_sql(*, tenant: str, subject: str) -> str:
    """The consent gate as a subquery for a collector's own hot query (``LEFT JOIN LATERAL (...) g ON
    true``), so that checking consent costs that query no round trip of its own. ``tenant`` and
    ``subject`` are SQL expressions of the outer query (its aliases must not be ``gate_*``); the
    purpose, the time and the kind of change come from ``consent_gate_params``. Its
    ``consent_gate_width()`` columns go, as read, to ``consent_gate_check``."""
    return (
        f"SELECT gate_p.id, {rows.columns(ConsentEvent, 'gate_e')},"  # noqa: S608 (model metadata and the caller's expressions)
        " (SELECT max(gate_d.version) FROM consent_consentdocument gate_d WHERE gate_d.tenant_id = gate_p.tenant_id"
        "  AND gate_d.purpose_id = gate_p.id AND gate_d.published_at IS NOT NULL"
        "  AND gate_d.effective_at <= %(consent_now)s AND gate_d.change = %(consent_major)s)"
        " FROM consent_purpose gate_p LEFT JOIN LATERAL (SELECT * FROM consent_consentevent gate_e"
        f"  WHERE gate_e.tenant_id = gate_p.tenant_id AND gate_e.subject = {subject}"
        "  AND gate_e.purpose_key = gate_p.key ORDER BY gate_e.seq DESC LIMIT 1) gate_e ON true"
        f" WHERE gate_p.tenant_id = {tenant} AND gate_p.key = %(consent_purpose)s"
    )


def consent_gate_width() -> int:
    return rows.width(ConsentEvent) + 2


def consent_gate_params(*, purpose_key: str) -> dict[str, Any]:
    return {
        "consent_now": timezone.now(),
        "consent_major": ConsentDocument.Change.MAJOR,
        "consent_purpose": purpose_key,
    }


@cache
def _require_sql() -> str:
    # One round trip, no ORM compile: every upload of every collector passes here. The purpose, the
    # subject's latest event for it, and the newest major version in effect.
    return consent_gate_sql(tenant="%(tenant)s", subject="%(subject)s")


def consent_require(*, tenant: Tenant, subject: str, purpose_key: str) -> ConsentEvent:
    """The one gate every collector passes: active consent to the current major version, or a 403.

    Raises ``ConsentWithdrawn`` after a withdrawal and ``ConsentRequired`` when consent was never
    given or predates the current major version. Reads the log directly, so a withdrawal takes
    effect for the very next request.
    """
    params = consent_gate_params(purpose_key=purpose_key) | {"tenant": tenant.pk, "subject": subject}
    with rows.prepared_cursor() as cursor:
        cursor.execute(_require_sql(), params)
        row = cursor.fetchone()
    return consent_gate_check(tenant=tenant, purpose_key=purpose_key, columns=row)


def consent_gate_check(*, tenant: Tenant, purpose_key: str, columns: Sequence[Any] | None) -> ConsentEvent:
    """``consent_require``'s verdict on the gate's columns as a query read them (None: no row)."""
    latest = rows.instance(ConsentEvent, columns, 1) if columns is not None and columns[1] is not None else None
    major = columns[-1] if columns is not None else None
    active = latest is not None and latest.kind != ConsentEvent.Kind.WITHDRAW
    if active and latest is not None and (major is None or latest.document_version >= major):
        return latest
    # A refusal names the purpose in the reader's language (and an unknown purpose is a NotFound).
    name = {"purpose": purpose_get(tenant=tenant, key=purpose_key).name_in(get_language())}
    if latest is None:
        raise ConsentRequired(_("Consent to “%(purpose)s” is needed first.") % name)
    if latest.kind == ConsentEvent.Kind.WITHDRAW:
        raise ConsentWithdrawn(_("Consent to “%(purpose)s” was withdrawn.") % name)
    raise ConsentRequired(
        _("The terms of “%(purpose)s” changed: consent to version %(version)s is needed.") % (name | {"version": major})
    )


@transaction.atomic
def consent_change_by_subject(
    *, subject: Subject, purpose_key: str, action: str, method: str, base_url: str
) -> ConsentReceipt:
    """A panelist grants or withdraws: the event, its signed receipt, and (after commit) the email copy."""
    if action == "grant":
        event = consent_grant(
            tenant=subject.tenant,
            subject=subject.id,
            purpose_key=purpose_key,
            language=subject.language,
            method=method,
            actor="subject",
        )
    elif action == "withdraw":
        event = consent_withdraw(
            tenant=subject.tenant, subject=subject.id, purpose_key=purpose_key, method=method, actor="subject"
        )
    else:
        raise DomainError(_("Unknown action."), fields={"action": [_("Use “grant” or “withdraw”.")]})
    receipt = receipt_issue(event=event, purpose=purpose_get(tenant=subject.tenant, key=purpose_key), base_url=base_url)
    if subject.email:
        consent_receipt_email_send_task.delay_on_commit(receipt.pk)  # ids only: the worker reads the address
    return receipt
