"""Tests: real PostgreSQL and Redis (from DATABASE_URL / REDIS_URL), in-memory email, fast hashing, and
the public development FIELD_ENCRYPTION_KEYS unless set."""

import os

from config.env import dev_fernet_key

os.environ.setdefault("FIELD_ENCRYPTION_KEYS", dev_fernet_key())
os.environ.setdefault("SECRET_KEY", "test-only-insecure-key-0123456789-0123456789-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("ACCOUNT_DEFAULT_HTTP_PROTOCOL", "http")
os.environ.setdefault("CACHE_KEY_PREFIX", "fairpanel-test")

from config.settings.base import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# Tests open a connection per request; a benchmark's worker may keep them as production does.
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("TEST_CONN_MAX_AGE", "0"))  # noqa: F405
# Static files come straight from the apps and static/ (no collectstatic outside production).
STATIC_ROOT = None  # type: ignore[assignment]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
