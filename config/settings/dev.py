"""Local development: debug pages, console email, and throwaway keys (SECRET_KEY, the public
development FIELD_ENCRYPTION_KEYS) unless set."""

import os

from config.env import dev_fernet_key

os.environ.setdefault("FIELD_ENCRYPTION_KEYS", dev_fernet_key())
os.environ.setdefault("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production-0123456789")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
os.environ.setdefault("ACCOUNT_DEFAULT_HTTP_PROTOCOL", "http")

from config.settings.base import *  # noqa: F403

STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# Static files come straight from the apps and static/ (no collectstatic outside production).
STATIC_ROOT = None  # type: ignore[assignment]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
