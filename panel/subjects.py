from __future__ import annotations

from typing import Any

from django.utils import translation

from consent.subjects import Subject
from panel.selectors import panelist_address, panelist_get_active
from tenants.models import Tenant


def panelist_subject(tenant: Tenant, user: Any) -> Subject | None:
    """The consent subject of a signed-in person in a tenant: their active panelist row, if any."""
    panelist = panelist_get_active(tenant=tenant, user=user)
    if panelist is None:
        return None
    language = translation.get_language() or "en"
    if language not in tenant.languages:
        language = tenant.languages[0]
    return Subject(tenant=tenant, id=panelist.public_id, language=language, email=user.email)


def panelist_subject_address(tenant: Tenant, subject_id: str) -> str | None:
    """Where to write to the person behind a pseudonymous id: their account's address while the
    panelist row is linked to it (an erased person has none)."""
    return panelist_address(tenant=tenant, public_id=subject_id)
