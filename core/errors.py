"""Domain errors. Services raise them; ``config.api.exception_handler`` maps them to HTTP.

Each error has a stable machine-readable ``code`` and a human ``detail``; ``fields`` names
the input fields at fault, when there are any.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError


class DomainError(Exception):
    code = "invalid"
    status_code = 400

    def __init__(self, detail: str, *, code: str | None = None, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.fields = fields or {}


class NotFound(DomainError):
    code = "not_found"
    status_code = 404


class PermissionDenied(DomainError):
    code = "permission_denied"
    status_code = 403


class Conflict(DomainError):
    code = "conflict"
    status_code = 409


def validation_fields(exc: ValidationError) -> dict[str, list[str]]:
    """A Django ValidationError (``full_clean``) as the ``fields`` of a DomainError."""
    return {name: [str(message) for message in messages] for name, messages in exc.message_dict.items()}


class RateLimited(DomainError):
    """Too many attempts: try again later (the detail says when)."""

    code = "rate_limited"
    status_code = 429
