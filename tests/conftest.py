from __future__ import annotations

import os
import random
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client

from accounts.models import User
from tenants.models import Tenant
from tenants.roles import Role
from tests.factories import PASSWORD, MembershipFactory, TenantFactory, UserFactory, activate_totp

ROOT = Path(__file__).resolve().parent.parent


# -- reproducible randomness ----------------------------------------------------------------------------
# One seed per run, printed in the header and under every failing test that drew from it. Replay a run
# with `make test PYTEST_ARGS="--seed N"` (or FAIRPANEL_TEST_SEED=N). Hypothesis draws from it too.


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--seed", type=int, default=None, help="the seed of the randomised tests (default: drawn)")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    seed = config.getoption("--seed")
    if seed is None:
        seed = int(os.environ.get("FAIRPANEL_TEST_SEED") or secrets.randbelow(2**32))
    config.stash[SEED_KEY] = seed
    if getattr(config.option, "hypothesis_seed", None) is None:
        config.option.hypothesis_seed = seed


SEED_KEY = pytest.StashKey[int]()


def pytest_report_header(config: pytest.Config) -> str:
    seed = config.stash[SEED_KEY]
    return f"random seed: {seed} (replay with --seed {seed})"


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> random.Random:
    """A random generator seeded from the run's seed and the test's id, so one test replays alone."""
    return random.Random(f"{request.config.stash[SEED_KEY]}:{request.node.nodeid}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed and "rng" in getattr(item, "fixturenames", ()):
        seed = item.config.stash[SEED_KEY]
        report.sections.append(("random seed", f"replay with --seed {seed}"))
    return report


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """Rate-limit counters live in Redis; each test starts with none. Only this suite's keys go."""
    yield
    client = cache._cache.get_client()  # type: ignore[attr-defined]
    keys = list(client.scan_iter(f"{settings.CACHES['default']['KEY_PREFIX']}:*"))
    if keys:
        client.delete(*keys)


def totp_now(secret: str) -> str:
    """The current code, never one about to expire: a code read in a step's last second is stale
    by the time the server checks it."""
    if 30 - time.time() % 30 < 1.5:
        time.sleep(30 - time.time() % 30 + 0.1)
    return pyotp.TOTP(secret).now()


def login_with_mfa(client: Client, user: User, secret: str) -> None:
    """Sign in the way a person does: email and password, then the TOTP code."""
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == "/accounts/2fa/authenticate/"
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_now(secret)})
    assert response.status_code == 302, response.content[:500]


def mailed_enrolment_code(email: str) -> str:
    """The code of the latest "set up two-factor authentication" email sent to ``email``."""
    for message in reversed(mail.outbox):
        if email in message.to and (found := re.search(r"^\s+(\d{8})\s*$", str(message.body), re.MULTILINE)):
            return found.group(1)
    raise AssertionError(f"no enrolment code was mailed to {email}")


def enrol_totp(client: Client, user: User) -> str:
    """Set up TOTP the way a person does, from a session signed in with the password: the code mailed
    to the account's address first, then allauth's activation with the app's code. Returns the secret.
    (``tests.factories.activate_totp`` creates one directly, for tests about something else.)"""
    assert client.post("/accounts/2fa/email-code/send/").status_code == 302
    verified = client.post("/accounts/2fa/email-code/verify/", {"code": mailed_enrolment_code(user.email)})
    assert verified["Location"].startswith("/accounts/2fa/totp/activate/"), verified.content[:500]
    page = client.get("/accounts/2fa/totp/activate/")
    if page.status_code == 302:  # allauth asks for the password again when the sign-in is not recent
        assert page["Location"].startswith("/accounts/reauthenticate/")
        client.post(page["Location"], {"password": PASSWORD})
        page = client.get("/accounts/2fa/totp/activate/")
    secret = str(page.context["form"].secret)
    activated = client.post("/accounts/2fa/totp/activate/", {"code": totp_now(secret)})
    assert activated.status_code == 302, activated.content[:500]
    assert activated["Location"] == "/accounts/2fa/recovery-codes/"
    return secret


@dataclass
class Staff:
    user: User
    secret: str
    client: Client
    tenant: Tenant


@pytest.fixture
def make_staff(db: None):
    def make(tenant: Tenant | None = None, role: Role = Role.OWNER) -> Staff:
        tenant = tenant or TenantFactory.create()
        user = UserFactory.create()
        MembershipFactory.create(tenant=tenant, user=user, role=role)
        secret = activate_totp(user)
        client = Client()
        login_with_mfa(client, user, secret)
        return Staff(user, secret, client, tenant)

    return make


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path


def process_env_for_tests() -> dict[str, str]:
    db = settings.DATABASES["default"]
    # Workers and helper processes must use the test database pytest-django created, not the development one.
    url = os.environ["DATABASE_URL"]
    base, _, query = url.partition("?")
    base = base.rsplit("/", 1)[0] + "/" + db["NAME"]
    return os.environ | {
        "DATABASE_URL": base + (f"?{query}" if query else ""),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PYTHONPATH": str(ROOT),
    }


def celery_worker_start(log: Path, name: str, concurrency: int = 1) -> subprocess.Popen[bytes]:
    """Start a real ``celery worker`` process on the test database, consuming every queue, and wait
    until it answers a ping. It runs in its own process group, so a test can kill it whole."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-l",
            "INFO",
            "-P",
            "prefork",
            "-c",
            str(concurrency),
            "-Q",
            "default,ingest,payouts,purges",
            "-n",
            f"{name}-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
        ],
        env=process_env_for_tests(),
        cwd=ROOT,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    from config.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"celery worker exited early:\n{log.read_text()[-3000:]}")
        if any(
            f"{name}-{os.getpid()}@" in reply_name
            for reply in app.control.ping(timeout=0.5) or []
            for reply_name in reply
        ):
            return process
    process.kill()
    raise RuntimeError(f"celery worker did not answer within 60s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def celery_worker_process(django_db_setup: None, django_db_blocker, tmp_path_factory) -> Iterator[Worker]:
    """A real ``celery worker`` process on the real broker, consuming every queue."""
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with django_db_blocker.unblock():
        connection.close()
    process = celery_worker_start(log, "test")
    yield Worker(process, log)
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
