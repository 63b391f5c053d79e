"""The signed link to a survey export built by a worker: it names the export and expires after a day,
and the export's file lives as long as its link (the hourly purge deletes it afterwards).

Pure: signs and reads tokens, and reads an export's own fields; neither reads nor writes the database.
The link still needs a signed-in member of the survey's panel: a link forwarded outside the team opens
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import NotFound
from surveys.models import SurveyExport

LINK_HOURS = 24
_SALT = "fairpanel.survey-export"


@dataclass(frozen=True)
class ExportLink:
    """What a genuine link names: the export, and whether the link is too old to open it."""

    export_id: int
    expired: bool


def survey_export_token(export: SurveyExport) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(f"{export.tenant_id}.{export.pk}")


def survey_export_link_read(token: str, *, tenant_id: int) -> ExportLink:
    """The export a token names, and whether the link has expired (so that the page can say so); a
    forged or another panel's token is a 404, never a 500."""
    signer = signing.TimestampSigner(salt=_SALT)
    try:
        try:
            value, expired = signer.unsign(token, max_age=timedelta(hours=LINK_HOURS)), False
        except signing.SignatureExpired:
            value, expired = signer.unsign(token), True  # genuine, only too old
        owner, _dot, pk = value.partition(".")
        if int(owner) != tenant_id:
            raise ValueError
        return ExportLink(export_id=int(pk), expired=expired)
    except (signing.BadSignature, ValueError):
        raise NotFound(_("This link is not valid."), code="link_invalid") from None


def survey_export_expires_at(export: SurveyExport) -> datetime | None:
    """When a finished export's file goes: ``LINK_HOURS`` after it was written."""
    return export.finished_at + timedelta(hours=LINK_HOURS) if export.finished_at else None


def survey_export_is_expired(export: SurveyExport, now: datetime | None = None) -> bool:
    if export.status == SurveyExport.Status.EXPIRED:
        return True
    expires_at = survey_export_expires_at(export)
    return (
        export.status == SurveyExport.Status.DONE and expires_at is not None and expires_at <= (now or timezone.now())
    )
