"""Secrets at rest: what a copy of the database alone must not give away.

Two kinds of secret live in the database: each staff member's TOTP secret and recovery-code seed
(allauth's ``Authenticator.data``, through ``accounts.adapter.MFAAdapter``) and each tenant's private
key for signing consent receipts (``consent.models.SigningKey.private_jwk``, an ``EncryptedJSONField``).
Both are encrypted with Fernet (AES-128-CBC with HMAC-SHA256) under the keys of the environment
variable ``FIELD_ENCRYPTION_KEYS``, which never enter the database.

Rotation: ``FIELD_ENCRYPTION_KEYS`` is a comma-separated list. The first key encrypts, every key
decrypts (``MultiFernet``). To rotate, put a new key first, restart, run ``manage.py
encryption_rotate`` (it re-encrypts every registered value under the first key), then remove the
old key. A value that no listed key opens stops the operation with ``EncryptionKeyMissing``, naming
the variable: it never falls back to anything.

Apps register what they encrypt in ``ENCRYPTED_STORES`` (from ``AppConfig.ready()``), so that the
rotation cannot forget one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.registry import Registry

# Every Fernet token starts with these characters: the version byte 0x80 and the high bytes of a
# timestamp, in URL-safe base64. No plaintext we store does (JSON, base32 or hex secrets).
TOKEN_PREFIX = "gAAAAA"  # noqa: S105 (a format marker, not a secret)


class EncryptionKeyMissing(ImproperlyConfigured):
    """A value encrypted at rest that no key of FIELD_ENCRYPTION_KEYS opens."""


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(text: str) -> str:
    """``text`` encrypted under the first key of FIELD_ENCRYPTION_KEYS."""
    return _current().encrypt(text.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """The text of a token made by ``encrypt`` under any key of FIELD_ENCRYPTION_KEYS."""
    try:
        return _current().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeEncodeError):
        raise EncryptionKeyMissing(
            "FIELD_ENCRYPTION_KEYS: a value stored encrypted cannot be decrypted with any of the configured keys. "
            "Keep the key that encrypted it in the list (new key first, old keys after) until "
            "`manage.py encryption_rotate` has re-encrypted everything."
        ) from None


def rotate(token: str) -> str:
    """The same text, encrypted again under the first key."""
    return encrypt(decrypt(token))


def looks_encrypted(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX)


@dataclass(frozen=True)
class EncryptedStore:
    """Values an app keeps encrypted; ``rotate`` re-encrypts them all under the first key and
    returns how many it rewrote."""

    key: str
    rotate: Callable[[], int]


ENCRYPTED_STORES: Registry[EncryptedStore] = Registry("encrypted stores", key=lambda store: store.key)


def encrypted_stores_rotate() -> dict[str, int]:
    """Re-encrypt every registered value under the first key of FIELD_ENCRYPTION_KEYS."""
    return {store.key: store.rotate() for store in ENCRYPTED_STORES}
