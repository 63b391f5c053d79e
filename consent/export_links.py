"""The signed link to a panelist's copy of their data: it names the export and expires with it.

Pure: signs and reads tokens; neither reads nor writes the database.
"""

from __future__ import annotations

from datetime import timedelta

from django.core import signing
from django.utils.translation import gettext as _

from consent.models import DataExport
from core.errors import NotFound

EXPORT_DAYS = 7  # a copy is kept, and its link works, for a week
_SIGNER_SALT = "fairpanel.data-export"


def data_export_link_token(export: DataExport) -> str:
    return signing.TimestampSigner(salt=_SIGNER_SALT).sign(str(export.pk))


def data_export_id_from_token(token: str) -> int:
    """The export a token names; a forged or expired token is a 404, never a 500."""
    try:
        return int(signing.TimestampSigner(salt=_SIGNER_SALT).unsign(token, max_age=timedelta(days=EXPORT_DAYS)))
    except (signing.BadSignature, ValueError):
        raise NotFound(_("This link is not valid or has expired."), code="link_expired") from None
