"""Read settings from the environment, failing loudly with the variable's name.

django-environ parses values, but some of its casts are lenient (``"maybe"`` is a
false boolean) and its errors do not always name the variable. Every reader here
raises ``ImproperlyConfigured`` that starts with the variable's name, so a bad
deployment fails at start with a message an operator can act on.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import zoneinfo
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_NOT_SET = object()


def _raw(name: str, default: Any) -> Any:
    value = env.str(name, default=_NOT_SET)
    if value is _NOT_SET:
        if default is _NOT_SET:
            raise ImproperlyConfigured(f"{name}: this environment variable is required but not set.")
        return default
    return value


def env_str(name: str, default: Any = _NOT_SET) -> str:
    value = _raw(name, default)
    if value is not default and not str(value).strip():
        raise ImproperlyConfigured(f"{name}: must not be empty.")
    return value


def env_bool(name: str, default: Any = _NOT_SET) -> bool:
    value = _raw(name, default)
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}: {value!r} is not a boolean (use one of 1/0, true/false, yes/no, on/off).")


def env_int(name: str, default: Any = _NOT_SET, *, minimum: int | None = None) -> int:
    value = _raw(name, default)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ImproperlyConfigured(f"{name}: {value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}: {number} is below the minimum of {minimum}.")
    return number


def env_list(name: str, default: Any = _NOT_SET) -> list[str]:
    value = _raw(name, default)
    if isinstance(value, list):
        return value
    return [item.strip() for item in str(value).split(",") if item.strip()]


def env_choice(name: str, choices: list[str], default: Any = _NOT_SET) -> str:
    value = _raw(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name}: {value!r} is not one of {', '.join(choices)}.")
    return value


def env_timezone(name: str, default: Any = _NOT_SET) -> str:
    value = _raw(name, default)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(f"{name}: {value!r} is not an IANA time zone such as 'Europe/Paris'.") from None
    return value


def env_database(name: str, default: Any = _NOT_SET) -> dict[str, Any]:
    value = _raw(name, default)
    if not str(value).startswith(("postgres://", "postgresql://")):
        raise ImproperlyConfigured(
            f"{name}: {value!r} is not a PostgreSQL URL (postgres://user:password@host:port/name); "
            "Fairpanel runs on PostgreSQL only."
        )
    try:
        config: dict[str, Any] = environ.Env.db_url_config(value)
    except Exception as exc:  # django-environ raises several types for malformed URLs
        raise ImproperlyConfigured(f"{name}: cannot parse {value!r}: {exc}") from None
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name}: the URL names no database.")
    return config


def env_database_roles(runtime_name: str, owner_name: str) -> dict[str, Any]:
    """The database as the runtime role (``runtime_name``), with the owner role's credentials under
    ``OWNER`` when ``owner_name`` is set (core.db_roles: migrate connects as the owner). Both URLs
    must name the same database."""
    config = env_database(runtime_name)
    if not env.str(owner_name, default=""):
        return config
    owner = env_database(owner_name)
    if owner["NAME"] != config["NAME"]:
        raise ImproperlyConfigured(
            f"{owner_name}: names the database {owner['NAME']!r} but {runtime_name} names {config['NAME']!r};"
            " both roles work on the same database."
        )
    config["OWNER"] = {key: owner.get(key, {} if key == "OPTIONS" else "") for key in _CREDENTIALS}
    return config


# What differs between the two roles' connections (core.db_roles.CREDENTIALS).
_CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT", "OPTIONS")


def env_redis(name: str, default: Any = _NOT_SET) -> str:
    value = _raw(name, default)
    if not str(value).startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"{name}: {value!r} is not a Redis URL (redis://host:port/db or unix:///path/to/redis.sock)."
        )
    return value


def celery_broker_from_redis(url: str) -> str:
    """Celery's Redis transport spells a unix socket ``redis+socket://``; redis-py spells it ``unix://``."""
    if url.startswith("unix://"):
        return "redis+socket://" + url.removeprefix("unix://")
    return url


def env_fernet_keys(name: str, default: Any = _NOT_SET) -> list[str]:
    """Comma-separated Fernet keys (32 random bytes in URL-safe base64 each): the first encrypts,
    all decrypt. A bad key is named by its position, never echoed: it is a secret."""
    keys = env_list(name, default)
    if not keys:
        raise ImproperlyConfigured(f"{name}: must hold at least one Fernet key.")
    for position, key in enumerate(keys, start=1):
        try:
            valid = len(base64.urlsafe_b64decode(key.encode("ascii"))) == 32 and len(key) == 44
        except (binascii.Error, ValueError):
            valid = False
        if not valid:
            raise ImproperlyConfigured(
                f"{name}: key {position} is not a Fernet key (32 bytes in URL-safe base64, 44 characters); make one "
                "with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
            )
    return keys


def dev_fernet_key() -> str:
    """The fixed key of development and tests, derived from a public phrase: never for production,
    which refuses it."""
    return base64.urlsafe_b64encode(hashlib.sha256(b"fairpanel field encryption: dev and test only").digest()).decode()
