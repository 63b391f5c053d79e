from __future__ import annotations

from core.errors import DomainError


class InvitationUnusable(DomainError):
    """An invitation that is unknown, from another panel, expired, used or revoked."""

    code = "invitation_invalid"
    status_code = 410


class TooYoung(DomainError):
    code = "below_minimum_age"
    status_code = 403
