"""Pairing a browser, revoking devices.

A panelist asks for a pairing code on their page (consent to ``ad_verification`` first, 18 or over,
under the cap on devices) and types it into the extension, which exchanges it for a device token.
Only hashes of the code and of the token are kept. A code is 8 characters from an alphabet without
look-alikes (32 symbols: 40 bits), lives 10 minutes and works once; asking for a new one voids the
last. Exchanges are counted per address (``PAIR_ATTEMPTS_PER_ADDRESS`` per 10 minutes), so guessing
a live code among 2^40 is hopeless.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from adverification.errors import BelowProgramAge, DeviceCapReached, PairingCodeInvalid, ProgramClosed
from adverification.models import (
    PAIRING_CODE_LENGTH,
    PAIRING_CODE_MINUTES,
    PROGRAM_MINIMUM_AGE,
    AdProgram,
    Device,
    PairingCode,
)
from adverification.selectors import ad_program_get, device_active_count, device_list, token_hash
from adverification.services.limits import address_key, limit_hit
from consent.services.consent import consent_require
from core.errors import DomainError
from panel.models import Panelist
from panel.services.invitations import age_on
from tenants.models import Tenant

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PAIR_ATTEMPTS_PER_ADDRESS = 10
PURPOSE = "ad_verification"


def code_normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(f"pairing:{code_normalise(code)}".encode()).hexdigest()


def code_display(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


@dataclass(frozen=True)
class IssuedCode:
    code: str  # shown once, as ABCD-EFGH
    expires_at: datetime


def _open_program(tenant: Tenant) -> AdProgram:
    program = ad_program_get(tenant=tenant)
    if program.pk is None or not program.ad_domains:
        raise ProgramClosed("This panel has not opened its ad-verification program yet.")
    return program


def _check_age(tenant: Tenant, date_of_birth: date | None) -> None:
    if tenant.minimum_age >= PROGRAM_MINIMUM_AGE:
        return  # everyone in this panel passed an age gate of 18 or more when they joined
    if date_of_birth is None:
        raise DomainError(
            "Ad verification is for people aged 18 or over: give your date of birth.",
            code="date_of_birth_required",
            fields={"date_of_birth": ["Give your date of birth; it is checked and not kept."]},
        )
    today = timezone.now().astimezone(tenant.tzinfo).date()
    if date_of_birth > today or date_of_birth.year < 1900:
        raise DomainError("Enter your real date of birth.", fields={"date_of_birth": ["Enter a valid date of birth."]})
    if age_on(date_of_birth, today) < PROGRAM_MINIMUM_AGE:
        raise BelowProgramAge("Ad verification is for people aged 18 or over. Nothing was kept.")


def _check_cap(panelist: Panelist, program: AdProgram) -> None:
    if device_active_count(panelist=panelist) >= program.max_devices:
        raise DeviceCapReached(
            f"You have paired {program.max_devices} devices, the most this panel allows: remove one first."
        )


@transaction.atomic
def pairing_code_create(*, panelist: Panelist, date_of_birth: date | None = None) -> IssuedCode:
    """A new one-time code for this panelist (the previous unused one stops working)."""
    tenant = panelist.tenant
    consent_require(tenant=tenant, subject=panelist.public_id, purpose_key=PURPOSE)
    program = _open_program(tenant)
    _check_age(tenant, date_of_birth)
    _check_cap(panelist, program)
    PairingCode.objects.for_tenant(tenant).filter(panelist=panelist, used_at__isnull=True).delete()
    expires_at = timezone.now() + timedelta(minutes=PAIRING_CODE_MINUTES)
    for _attempt in range(5):
        code = "".join(secrets.choice(ALPHABET) for _ in range(PAIRING_CODE_LENGTH))
        try:
            with transaction.atomic():
                PairingCode.objects.create(
                    tenant=tenant, panelist=panelist, code_hash=code_hash(code), expires_at=expires_at
                )
        except IntegrityError:  # the same code is live elsewhere: draw again
            continue
        return IssuedCode(code_display(code), expires_at)
    raise DomainError("Could not draw a pairing code; try again.", code="pairing_code_unavailable")


@dataclass(frozen=True)
class PairedDevice:
    device: Device
    token: str  # given to the extension once; only its hash is kept
    program: AdProgram


def device_pair(*, code: str, name: str, client_ip: str) -> PairedDevice:
    """Exchange a pairing code for a device token. Unknown, expired and used codes are refused alike."""
    limit_hit(
        scope="pair", key=address_key(client_ip), limit=PAIR_ATTEMPTS_PER_ADDRESS, window=600,
        detail="Too many pairing attempts from this address: wait 10 minutes.",
    )  # fmt: skip
    name = " ".join(name.split())[:100] or "Browser"
    return _pair(code, name)


@transaction.atomic
def _pair(code: str, name: str) -> PairedDevice:
    pairing = (
        PairingCode.objects.unscoped()  # across tenants: a code is unique among all panels and names its tenant
        .select_for_update(of=("self",))
        .select_related("tenant", "panelist")
        .filter(code_hash=code_hash(code))
        .first()
    )
    if pairing is None or pairing.used_at is not None or pairing.expires_at <= timezone.now():
        raise PairingCodeInvalid("This code is unknown, expired or already used: ask your panel's page for a new one.")
    panelist, tenant = pairing.panelist, pairing.tenant
    consent_require(tenant=tenant, subject=panelist.public_id, purpose_key=PURPOSE)
    program = _open_program(tenant)
    _check_cap(panelist, program)
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    token = f"fpd_{prefix}_{secret}"
    device = Device.objects.create(
        tenant=tenant, panelist=panelist, name=name, token_prefix=prefix, token_hash=token_hash(token)
    )
    pairing.used_at, pairing.device = timezone.now(), device
    pairing.save(update_fields=["used_at", "device"])
    return PairedDevice(device, token, program)


def device_revoke(*, device: Device) -> Device:
    """The panelist removes one of their devices: its next upload is refused (``device_revoked``).
    Removing it again changes nothing."""
    Device.objects.for_tenant(device.tenant).filter(pk=device.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=Device.Revoked.PANELIST
    )
    device.refresh_from_db(fields=["revoked_at", "revoked_reason"])
    return device


def devices_revoke_all(*, tenant: Tenant, subject: str, reason: str) -> int:
    """Revoke every device of the panelist known as ``subject`` (a withdrawal, an erasure), and void
    their pairing codes. Returns how many devices were active."""
    panelist = Panelist.objects.for_tenant(tenant).filter(public_id=subject).first()
    if panelist is None:
        return 0
    PairingCode.objects.for_tenant(tenant).filter(panelist=panelist, used_at__isnull=True).delete()
    return int(
        device_list(panelist=panelist)
        .filter(revoked_at__isnull=True)
        .update(revoked_at=timezone.now(), revoked_reason=reason)
    )


def device_seen(*, device: Device) -> None:
    """Note when a device last uploaded (at most once a minute, to spare the row)."""
    now = timezone.now()
    if device.last_seen_at is None or now - device.last_seen_at > timedelta(minutes=1):
        Device.objects.for_tenant(device.tenant).filter(pk=device.pk).update(last_seen_at=now)
        device.last_seen_at = now
