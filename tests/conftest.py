from __future__ import annotations

import contextlib
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

import psycopg
import pyotp
import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.creation import TEST_DATABASE_PREFIX
from django.test import Client
from django.utils import translation
from psycopg import sql

from accounts.models import User
from core.db_roles import CREDENTIALS, RUNTIME_KEY, database_url, use_owner, use_runtime
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


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language: a request in French (or a test that activates it)
    leaves the thread's language behind, which would translate the next test's messages."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


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
    """The environment of a helper process (a Celery worker): the test database pytest-django created,
    not the development one, reached as the runtime role like the tests themselves (and, as in
    production, without the owner's credentials)."""
    db = connections["default"].settings_dict
    env = os.environ | {
        "DATABASE_URL": database_url(db, credentials=db.get(RUNTIME_KEY)),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_OWNER_URL", None)
    return env


# -- two database roles -----------------------------------------------------------------------------
# The owner role (DATABASE_OWNER_URL) creates and migrates the test database, and drops it at the end;
# everything else, the tests and the workers they start, connects as the runtime role (DATABASE_URL),
# as the web processes and the workers do in production (core.db_roles). Given only DATABASE_URL, the
# suite makes a runtime role for its test database itself, when that URL's role may create roles.


def runtime_role_for_tests(connection: BaseDatabaseWrapper) -> None:
    """One URL: make (or re-key) ``<test database>_runtime`` and use it, the URL's role as the owner."""
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if not row or not row[0]:
            return  # one role: the tests of the runtime role's limits will say what to set
        settings_dict = connection.settings_dict
        test_database = settings_dict.get("TEST", {}).get("NAME") or TEST_DATABASE_PREFIX + settings_dict["NAME"]
        name = f"{test_database}_runtime"[:63]
        password = secrets.token_urlsafe(24)
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
        verb = "ALTER" if cursor.fetchone() else "CREATE"
        statement = sql.SQL(verb + " ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}")
        cursor.execute(statement.format(sql.Identifier(name), sql.Literal(password)).as_string(cursor.cursor))
    settings_dict["OWNER"] = {key: settings_dict.get(key) for key in CREDENTIALS}
    settings_dict["USER"], settings_dict["PASSWORD"] = name, password


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None, django_db_blocker) -> None:
    connection = connections["default"]
    if not connection.settings_dict.get("OWNER"):
        with django_db_blocker.unblock():
            runtime_role_for_tests(connection)
    use_owner(connection)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker) -> Iterator[None]:
    with django_db_blocker.unblock():
        use_runtime(connections["default"])
    yield
    with django_db_blocker.unblock():
        use_owner(connections["default"])


@contextlib.contextmanager
def owner_cursor() -> Iterator[psycopg.Cursor]:
    """A cursor on the test database as the owner role, outside the test's transaction (so only a
    ``transaction=True`` test's rows are there): what someone holding the owner's password (or a
    superuser's) can do, for tests that tamper with what the runtime role may not touch."""
    db = connections["default"].settings_dict
    owner = db.get("OWNER") or {key: db.get(key) for key in CREDENTIALS}
    with psycopg.connect(database_url(db, credentials=owner), autocommit=True) as conn, conn.cursor() as cursor:
        yield cursor


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
            "default,ingest,payouts,purges,receipts",
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
