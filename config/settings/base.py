"""Settings shared by every environment. Every value that differs by deployment comes from the environment.

See README.md, "Configuration", for the list of variables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from config.env import (
    celery_broker_from_redis,
    env_bool,
    env_choice,
    env_database_roles,
    env_fernet_keys,
    env_int,
    env_list,
    env_redis,
    env_str,
    env_timezone,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
# Keys that encrypt secrets stored in the database (TOTP secrets, receipt signing keys): see core/crypto.py.
FIELD_ENCRYPTION_KEYS = env_fernet_keys("FIELD_ENCRYPTION_KEYS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Fairpanel, in import order: a lower app never imports a higher one. core holds no models: it is
    # an app for its commands (migrate and flush as the owner role of the database).
    "core",
    "accounts",
    "tenants",
    "consent",
    "panel",
    "rewards",
    "surveys",
    "adverification",
    "receipts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tenants.middleware.TenantMiddleware",
    "config.middleware.MethodNotAllowedPageMiddleware",
]

# Content Security Policy (django-csp) on every response: our own scripts and styles only, inline
# code only with the request's nonce (the API docs' style block), no plugins, no framing, forms post
# only here. Browser tests fail on any violation (tests/browser/conftest.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "tenants.context_processors.tenant",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Data stores -----------------------------------------------------------------------------------

# The application connects as the runtime role (DATABASE_URL); migrations run as the owner role
# (DATABASE_OWNER_URL, when set), which owns the tables and their triggers (core.db_roles).
DATABASES = {"default": env_database_roles("DATABASE_URL", "DATABASE_OWNER_URL")}
# No JIT compilation: Fairpanel's queries are short, and on a large ledger PostgreSQL's estimates would
# have it compile (tens of milliseconds) for statements that run in a few.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_redis("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "fairpanel"),
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Accounts --------------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
# Internationalised addresses sign in and reset their password too (core.emails).
ACCOUNT_FORMS = {"login": "accounts.forms.SignInForm", "reset_password": "accounts.forms.PasswordResetForm"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Fairpanel] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env_choice("ACCOUNT_DEFAULT_HTTP_PROTOCOL", ["http", "https"], "https")
# Failed sign-ins slow the client that fails, never lock the owner out (accounts/throttle.py explains
# the numbers): per account and client, LOGIN_FREE_FAILURES free failures, then a wait that doubles
# after each (2, 4, 8 s ...) up to LOGIN_DELAY_CAP; per client LOGIN_FREE_FAILURES_PER_IP free
# failures, then the same; per account a ceiling of LOGIN_ACCOUNT_CEILING failures an hour from
# everywhere. allauth's own per-account lock is off: our adapter and MFA forms count instead.
LOGIN_FREE_FAILURES = env_int("LOGIN_FREE_FAILURES", 3, minimum=0)
LOGIN_FREE_FAILURES_PER_IP = env_int("LOGIN_FREE_FAILURES_PER_IP", 10, minimum=0)
LOGIN_DELAY_CAP = env_int("LOGIN_DELAY_CAP", 900, minimum=1)
LOGIN_ACCOUNT_CEILING = env_int("LOGIN_ACCOUNT_CEILING", 100, minimum=20)
ACCOUNT_RATE_LIMITS = {"login_failed": None}
# Behind N reverse proxies, allauth takes the client IP from X-Forwarded-For (for the per-IP limits).
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
MFA_ADAPTER = "accounts.adapter.MFAAdapter"
MFA_FORMS = {
    "authenticate": "accounts.forms.MfaAuthenticateForm",
    "reauthenticate": "accounts.forms.MfaReauthenticateForm",
}
# Recovery codes are made with the TOTP set-up (10 codes of 8 digits, each usable once), shown at
# once, and can be shown again or replaced from the Security page.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Fairpanel"
# Accept the code of the 30-second step before or after, for phones whose clocks drift a little.
MFA_TOTP_TOLERANCE = 1

# --- Email -----------------------------------------------------------------------------------------

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Fairpanel <no-reply@fairpanel.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation --------------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_timezone("TIME_ZONE", "UTC")

# --- Static files ----------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Files ----------------------------------------------------------------------------------------

# Data-subject exports are written here by workers and served through signed links, never directly.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / ".data" / "media")))
MEDIA_URL = "/media/"
# Receipt images: never public (no URL of their own: people get short-lived signed links), on S3 when
# RECEIPTS_S3_BUCKET is set (django-storages; credentials from the usual AWS_* variables).
RECEIPTS_S3_BUCKET = env_str("RECEIPTS_S3_BUCKET", "")
STORAGES["receipts"] = (
    {"BACKEND": "storages.backends.s3.S3Storage",
     "OPTIONS": {"bucket_name": RECEIPTS_S3_BUCKET, "default_acl": "private", "querystring_auth": True,
                 "querystring_expire": 300, "file_overwrite": False}}
    if RECEIPTS_S3_BUCKET
    else {"BACKEND": "django.core.files.storage.FileSystemStorage",
          "OPTIONS": {"location": str(MEDIA_ROOT / "receipts"), "base_url": None}}
)  # fmt: skip

# --- API -------------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Fairpanel API",
    "DESCRIPTION": (
        "Tenant-scoped API of Fairpanel. Authenticate with a per-tenant API key "
        "(`Authorization: Api-Key <key>`) or, from the browser, with the session and the "
        "`X-Tenant` header naming the tenant's slug. Every 4xx has the body "
        '`{"code": ..., "detail": ..., "fields": {...}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # choice sets named "status" in several apps: each gets its own name
    "ENUM_NAME_OVERRIDES": {"SurveyStatusEnum": "surveys.models.Survey.Status"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.openapi.error_responses_hook",
    ],
}

# --- Celery ----------------------------------------------------------------------------------------

CELERY_BROKER_URL = celery_broker_from_redis(env_redis("CELERY_BROKER_URL", REDIS_URL))
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
# A task is acknowledged only once it has finished, so a killed worker's task is delivered again;
# every task must therefore be idempotent (see STYLE.md).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers an unacknowledged task after this many seconds; it must exceed the longest task.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=60)}
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES_NAMES = ["default", "ingest", "payouts", "purges", "receipts"]
# Routed by the task's name, which is its service's name plus ``_task`` (see STYLE.md).
CELERY_TASK_ROUTES = {
    "*.tasks.*_purge_task": {"queue": "purges"},
    "*.tasks.payout_*": {"queue": "payouts"},
    "*.tasks.*_ingest_task": {"queue": "ingest"},
    "receipts.tasks.receipt_read_task": {"queue": "receipts"},  # OCR: its own workers, never in others' way
}
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE = {
    "purge-expired-sessions": {
        "task": "accounts.tasks.session_purge_task",
        "schedule": crontab(minute=17, hour=2),
    },
    "send-due-invitations": {
        "task": "panel.tasks.invitations_send_due_task",
        "schedule": crontab(minute=5),
    },
    "purge-personal-data": {
        "task": "consent.tasks.privacy_purge_task",
        "schedule": crontab(minute=37, hour=2),
    },
    # Each tenant's run starts at 03:00 on the 1st in its own time zone: the task checks every
    # tenant's local time, so one UTC schedule serves every zone (including half-hour offsets).
    "payout-runs-due": {
        "task": "rewards.tasks.payout_runs_due_task",
        "schedule": crontab(minute="*/15"),
    },
    "payout-sweep": {
        "task": "rewards.tasks.payout_sweep_task",
        "schedule": crontab(minute="*/2"),
    },
    # Ad counts: next months' partitions exist before their first hour; yesterday and today rolled up.
    "ad-count-partitions": {
        "task": "adverification.tasks.ad_count_partitions_ensure_task",
        "schedule": crontab(minute=11, hour=1),
    },
    "ad-daily-rollup": {
        "task": "adverification.tasks.ad_daily_rollup_all_task",
        "schedule": crontab(minute=45),
    },
    "survey-invitations-due": {
        "task": "surveys.tasks.survey_invitations_due_send_task",
        "schedule": crontab(minute=25),
    },
    "survey-responses-auto-approve": {
        "task": "surveys.tasks.responses_auto_approve_task",
        "schedule": crontab(minute=47, hour=3),
    },
    # A survey export's file goes when its signed link expires (a day after it was built).
    "survey-exports-purge": {
        "task": "surveys.tasks.survey_exports_purge_task",
        "schedule": crontab(minute=53),
    },
}
# Signed checkpoints of each tenant's consent chain, mailed to its auditors to keep outside Fairpanel.
CONSENT_CHECKPOINT_EMAIL = env_choice("CONSENT_CHECKPOINT_EMAIL", ["weekly", "daily", "off"], "weekly")
if CONSENT_CHECKPOINT_EMAIL != "off":
    CELERY_BEAT_SCHEDULE["consent-checkpoints"] = {
        "task": "consent.tasks.checkpoint_email_send_all_task",
        "schedule": crontab(minute=7, hour=4, day_of_week="*" if CONSENT_CHECKPOINT_EMAIL == "daily" else "mon"),
    }

# --- Security --------------------------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Logging ---------------------------------------------------------------------------------------

LOG_LEVEL = env_choice("LOG_LEVEL", ["DEBUG", "INFO", "WARNING", "ERROR"], "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Fairpanel -------------------------------------------------------------------------------------

# The public address of the site, for links in emails sent by workers (invitations).
FAIRPANEL_BASE_URL = env_str("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
FAIRPANEL_HEALTH_WORKER_TIMEOUT = env_int("HEALTH_WORKER_TIMEOUT_MS", 1500, minimum=100) / 1000
# The largest CSV file an import reads (invitations, gift-card codes, payment results); refused unread.
CSV_UPLOAD_MAX_BYTES = env_int("CSV_UPLOAD_MAX_BYTES", 10_000_000, minimum=1000)
# /healthz keeps the workers' answer this long, so that frequent probes do not broadcast a ping each.
FAIRPANEL_HEALTH_WORKER_CACHE_SECONDS = env_int("HEALTH_WORKER_CACHE_SECONDS", 5, minimum=0)
# Panelist accounts per payout chunk (one worker transaction each).
PAYOUT_CHUNK_SIZE = env_int("PAYOUT_CHUNK_SIZE", 1000, minimum=1)
# Ad verification: batches of counts a device, and a panelist's devices together, may send in an hour.
AD_BATCHES_PER_DEVICE_HOUR = env_int("AD_BATCHES_PER_DEVICE_HOUR", 30, minimum=1)
AD_BATCHES_PER_PANELIST_HOUR = env_int("AD_BATCHES_PER_PANELIST_HOUR", 60, minimum=1)
# The sweeper re-enqueues a pending chunk whose task has not finished after this many seconds.
PAYOUT_CHUNK_STALL_SECONDS = env_int("PAYOUT_CHUNK_STALL_SECONDS", 300, minimum=1)
# Receipts: the reader (rapidocr, or tesseract), the most pixels an uploaded image may have (decompression
# bombs are refused before decoding), and how long a signed link to a receipt image works.
RECEIPTS_OCR_ENGINE = env_choice("RECEIPTS_OCR_ENGINE", ["rapidocr", "tesseract"], "rapidocr")
RECEIPTS_MAX_PIXELS = env_int("RECEIPTS_MAX_PIXELS", 50_000_000, minimum=1_000_000)
RECEIPTS_URL_SECONDS = env_int("RECEIPTS_URL_SECONDS", 300, minimum=10)
