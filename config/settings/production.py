"""Production: every secret from the environment, HTTPS only, SMTP email.

Passes ``manage.py check --deploy --fail-level WARNING`` once SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL,
REDIS_URL and FIELD_ENCRYPTION_KEYS are set.
"""

from django.core.exceptions import ImproperlyConfigured

from config.env import dev_fernet_key, env_bool, env_int
from config.settings.base import *  # noqa: F403
from config.settings.base import ALLOWED_HOSTS, DEBUG, FIELD_ENCRYPTION_KEYS, SECRET_KEY

if DEBUG:
    raise ImproperlyConfigured("DEBUG: must be false with config.settings.production.")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS: set the host names this deployment serves, comma-separated.")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("SECRET_KEY: must be at least 50 characters long and random.")
if dev_fernet_key() in FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS: holds the public development key; generate your own.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# /healthz is probed over plain HTTP by the orchestrator, inside the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
