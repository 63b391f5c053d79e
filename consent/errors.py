from __future__ import annotations

from core.errors import DomainError


class ConsentRequired(DomainError):
    """No active consent to the current major version of the purpose (never given, or outdated)."""

    code = "consent_required"
    status_code = 403


class ConsentWithdrawn(DomainError):
    code = "consent_withdrawn"
    status_code = 403
