"""`make run` on a machine without services: it starts everything, serves, and Ctrl-C leaves nothing."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def processes_using(directory: Path) -> list[psutil.Process]:
    found = []
    for candidate in psutil.process_iter():
        try:
            if str(directory) in " ".join(candidate.cmdline()):
                found.append(candidate)
        except psutil.Error:  # gone or a zombie while we looked
            continue
    return found


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - a local URL
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_run_starts_embedded_services_and_ctrl_c_stops_every_process() -> None:
    # given a machine with no DATABASE_URL or REDIS_URL: the embedded PostgreSQL and Redis are used
    data = Path(tempfile.mkdtemp(prefix="fairpanel-run-"))
    data.chmod(0o755)  # the embedded PostgreSQL runs as its own system user when we are root
    port = free_port()
    dropped = {"DATABASE_URL", "DATABASE_OWNER_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env |= {"FAIRPANEL_DATA_DIR": str(data), "FAIRPANEL_PORT": str(port), "PYTHONPATH": str(ROOT)}
    log = data / "run.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "scripts.run"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        # when it has started, the web server answers and /healthz sees the database, broker and worker
        deadline = time.monotonic() + 180
        status, body = 0, {}  # type: tuple[int, dict]
        while time.monotonic() < deadline and status != 200:
            assert process.poll() is None, log.read_text()[-4000:]
            with contextlib.suppress(OSError):  # not listening yet
                status, body = get_json(f"http://127.0.0.1:{port}/healthz")
            time.sleep(1)
        assert status == 200, (body, log.read_text()[-4000:])
        output = log.read_text()
        assert "TOTP secret" in output
        # migrations ran as the owner role; the web server and the workers use the runtime role
        assert "database roles: migrations as fairpanel_owner, the application as fairpanel_app" in output
        assert f"http://127.0.0.1:{port}/t/demo/console/" in output
        # the embedded PostgreSQL daemonises, so it is found by its data directory, not as a child
        started = psutil.Process(process.pid).children(recursive=True) + processes_using(data)
        commands = " ".join(" ".join(p.cmdline()) for p in started)
        for expected in (
            "runserver",
            "celery -A config worker",
            "celery -A config beat",
            "redis-server",
            "postgres -D",
        ):
            assert expected in commands, expected

        # when the developer presses Ctrl-C (SIGINT to the foreground process group)
        os.killpg(process.pid, signal.SIGINT)
        process.wait(60)

        # then every process it started has stopped
        _gone, alive = psutil.wait_procs(started, timeout=30)
        assert alive == [], [p.cmdline() for p in alive]
        assert processes_using(data) == []
        assert "Ctrl-C: stopping" in log.read_text()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        for leftover in processes_using(data):
            leftover.kill()
        shutil.rmtree(data, ignore_errors=True)
