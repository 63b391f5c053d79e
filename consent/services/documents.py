"""Consent documents' writes: publishing the next version of a purpose's text, in every language at once.

Published documents are immutable (a trigger refuses UPDATE and DELETE): a correction is a new version.
A version takes effect from the moment it is published or later, never earlier: nobody can have
consented to a text before it existed, and the consent log would claim they had.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from consent.models import ConsentDocument, Purpose
from core.errors import DomainError

MAX_DOCUMENT_CHARS = 100_000
# How far before "now" an effective moment may fall and still count as now (a form sent a moment ago,
# clocks a little apart); it is then stored as now.
EFFECTIVE_NOW_TOLERANCE = timedelta(minutes=5)


@transaction.atomic
def document_publish(
    *,
    purpose: Purpose,
    texts: Mapping[str, tuple[str, str]],
    change: str,
    effective_at: datetime | None = None,
    created_by: User | None = None,
) -> list[ConsentDocument]:
    """Publish the next version of a purpose's consent text, in every language given at once.

    ``texts`` maps a language code to ``(title, markdown body)``. Published documents are immutable;
    a correction is a new version.
    """
    tenant_languages = set(purpose.tenant.languages)
    problems: dict[str, list[str]] = {}
    now = timezone.now()
    if effective_at is not None and effective_at < now - EFFECTIVE_NOW_TOLERANCE:
        problems["effective_on"] = [_("A consent text cannot take effect in the past: choose today or a later date.")]
    if change not in ConsentDocument.Change.values:
        problems["change"] = [_("Choose major or minor.")]
    if not texts:
        problems["texts"] = [_("Give the text in at least one language.")]
    for language, (title, body) in texts.items():
        if language not in tenant_languages:
            problems[f"texts.{language}"] = [_("This panel does not use the language “%(code)s”.") % {"code": language}]
        elif not title.strip() or not body.strip():
            problems[f"texts.{language}"] = [_("Both a title and a body are needed.")]
        elif len(body) > MAX_DOCUMENT_CHARS:
            problems[f"texts.{language}"] = [_("The body is longer than %(n)s characters.") % {"n": MAX_DOCUMENT_CHARS}]
    if list(problems) == ["effective_on"]:
        raise DomainError(problems["effective_on"][0], fields=problems)
    if problems:
        raise DomainError(
            _("The text of “%(purpose)s” is not valid; see the fields.") % {"purpose": purpose.name_in("en")},
            fields=problems,
        )

    # Lock the purpose so that two publishers cannot take the same version number.
    Purpose.objects.for_tenant(purpose.tenant).select_for_update().get(pk=purpose.pk)
    latest = ConsentDocument.objects.for_tenant(purpose.tenant).filter(purpose=purpose).order_by("-version").first()
    version = (latest.version + 1) if latest else 1
    return [
        ConsentDocument.objects.create(
            tenant=purpose.tenant,
            purpose=purpose,
            version=version,
            language=language,
            title=title.strip(),
            body=body,
            body_sha256=hashlib.sha256(body.encode()).hexdigest(),
            change=change if version > 1 else ConsentDocument.Change.MAJOR,
            effective_at=max(effective_at or now, now),
            published_at=now,
            created_by=created_by,
        )
        for language, (title, body) in sorted(texts.items())
    ]
