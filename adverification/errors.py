"""The refusals of ad verification, each with a stable code the extension can show."""

from __future__ import annotations

from core.errors import Conflict, DomainError, PermissionDenied


class DeviceCapReached(Conflict):
    code = "device_cap_reached"


class BelowProgramAge(PermissionDenied):
    code = "below_program_age"


class PairingCodeInvalid(DomainError):
    code = "pairing_code_invalid"


class DeviceRevoked(DomainError):
    """The token is unknown or revoked (by the panelist, or by a withdrawal of consent)."""

    code = "device_revoked"
    status_code = 401


class BatchTooLarge(DomainError):
    code = "batch_too_large"
    status_code = 413


class LineRefused(DomainError):
    """One line of a batch is wrong: the whole batch is refused, and ``fields`` names the line."""

    status_code = 400


class BatchReplayed(Conflict):
    code = "batch_replayed"


class ProgramClosed(Conflict):
    code = "program_closed"
