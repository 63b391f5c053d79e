"""Settings come from the environment, and a bad value stops the process with the variable's name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "DATABASE_URL": "postgres://fairpanel:secret@db.internal:5432/fairpanel",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "SECRET_KEY": "k" * 20 + "Zx9!-q2Lm_Tr8#vB0pWf6yHs4Uc1nEa7",
    "ALLOWED_HOSTS": "panel.example.org",
    "FIELD_ENCRYPTION_KEYS": "cHJvZHVjdGlvbi1zaGFwZWQgdGVzdCBrZXkgMzJieSE=",
}


def run_django(settings_module: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    unset = {*GOOD, "DATABASE_OWNER_URL", "DEBUG", "TIME_ZONE", "EMAIL_PORT", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *(args or ("check",))],
        env=clean | {"DJANGO_SETTINGS_MODULE": settings_module} | env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG: 'maybe' is not a boolean"),
        (
            "DATABASE_URL",
            "mysql://root@localhost/fairpanel",
            "DATABASE_URL: 'mysql://root@localhost/fairpanel' is not a PostgreSQL URL",
        ),
        (
            "DATABASE_OWNER_URL",
            "postgres://owner:secret@db.internal:5432/elsewhere",
            "DATABASE_OWNER_URL: names the database 'elsewhere' but DATABASE_URL names 'fairpanel'",
        ),
        ("REDIS_URL", "localhost:6379", "REDIS_URL: 'localhost:6379' is not a Redis URL"),
        ("TIME_ZONE", "Mars/Olympus_Mons", "TIME_ZONE: 'Mars/Olympus_Mons' is not an IANA time zone"),
        ("EMAIL_PORT", "twenty-five", "EMAIL_PORT: 'twenty-five' is not a whole number"),
    ],
)
def test_a_bad_value_fails_at_start_naming_the_variable(variable: str, value: str, message: str) -> None:
    result = run_django("config.settings.production", GOOD | {variable: value})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    "variable", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS"]
)
def test_production_refuses_to_start_without_a_required_variable(variable: str) -> None:
    env = {k: v for k, v in GOOD.items() if k != variable}

    result = run_django("config.settings.production", env)

    assert result.returncode != 0
    assert f"{variable}:" in result.stderr


def test_production_refuses_a_weak_secret_key() -> None:
    result = run_django("config.settings.production", GOOD | {"SECRET_KEY": "short"})

    assert result.returncode != 0
    assert "SECRET_KEY: must be at least 50 characters" in result.stderr


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ("not-a-key", "FIELD_ENCRYPTION_KEYS: key 1 is not a Fernet key"),
        (GOOD["FIELD_ENCRYPTION_KEYS"] + ",c2hvcnQ=", "FIELD_ENCRYPTION_KEYS: key 2 is not a Fernet key"),
        (" , ", "FIELD_ENCRYPTION_KEYS: must hold at least one Fernet key"),
    ],
)
def test_production_refuses_malformed_encryption_keys_without_echoing_them(keys: str, message: str) -> None:
    result = run_django("config.settings.production", GOOD | {"FIELD_ENCRYPTION_KEYS": keys})

    assert result.returncode != 0
    assert message in result.stderr
    assert not [key for key in keys.split(",") if key.strip() and key in result.stderr]  # a key is a secret


def test_production_refuses_the_public_development_encryption_key() -> None:
    from config.env import dev_fernet_key

    result = run_django("config.settings.production", GOOD | {"FIELD_ENCRYPTION_KEYS": dev_fernet_key()})

    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS: holds the public development key" in result.stderr


def test_production_settings_pass_the_deployment_checklist() -> None:
    result = run_django("config.settings.production", GOOD, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_time_is_timezone_aware() -> None:
    from django.conf import settings

    assert settings.USE_TZ is True
    assert settings.TIME_ZONE == "UTC"
