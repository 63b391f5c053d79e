"""The signed link to a survey export built by a worker: it names the export and expires after a day.

Pure: signs and reads tokens; neither reads nor writes the database. The link still needs a signed-in
member of the survey's panel: a link forwarded outside the team opens nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.core import signing
from django.utils.translation import gettext as _

from core.errors import NotFound
from surveys.models import SurveyExport

LINK_HOURS = 24
_SALT = "fairpanel.survey-export"


def survey_export_token(export: SurveyExport) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(f"{export.tenant_id}.{export.pk}")


def survey_export_id_from_token(token: str, *, tenant_id: int) -> int:
    """The export a token names; a forged, expired or other panel's token is a 404, never a 500."""
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign(token, max_age=timedelta(hours=LINK_HOURS))
        owner, _dot, pk = value.partition(".")
        if int(owner) != tenant_id:
            raise ValueError
        return int(pk)
    except (signing.BadSignature, ValueError):
        raise NotFound(_("This link is not valid or has expired."), code="link_expired") from None
