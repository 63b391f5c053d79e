"""``make run``: everything a developer needs, in one terminal.

Starts (or uses) PostgreSQL and Redis, migrates, loads the demo data, then runs the web server,
a Celery worker and Celery beat. Ctrl-C stops every process it started and leaves nothing running:
each child runs in its own process group, which is terminated (then killed) as a whole.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from scripts.services import DATA, ROOT, services

HOST = os.environ.get("FAIRPANEL_HOST", "127.0.0.1")
PORT = os.environ.get("FAIRPANEL_PORT", "8000")


def _say(message: str) -> None:
    # Never let a closed terminal or pipe stop the clean-up that follows a message.
    with contextlib.suppress(OSError):
        print(f"[run] {message}", flush=True)


def _stop(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    for name, process in processes.items():
        if process.poll() is None:
            _say(f"stopping {name}")
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for process in processes.values():
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _roles(env: dict[str, str]) -> str:
    runtime = urlsplit(env["DATABASE_URL"]).username
    if not env.get("DATABASE_OWNER_URL"):
        return f"database role: {runtime} (one role: set DATABASE_OWNER_URL to migrate as an owner role)"
    return f"database roles: migrations as {urlsplit(env['DATABASE_OWNER_URL']).username}, the application as {runtime}"


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _wait_for_http(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own local URL
                return True
        except OSError:
            time.sleep(0.3)
    return False


def main() -> int:
    python = sys.executable
    started = time.monotonic()
    # Ctrl-C reaches this supervisor only (the children are in their own process groups). Handle it
    # explicitly (a shell may have started us with SIGINT ignored), and TERM and HUP the same way.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    with services() as service_env:
        env = os.environ | service_env
        env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
        manage = [python, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], env=env, check=True)
        _say(_roles(env))
        subprocess.run([*manage, "seed_demo"], env=env, check=True)
        beat_schedule = Path(DATA) / "celerybeat-schedule"
        commands = {
            "web": [*manage, "runserver", f"{HOST}:{PORT}"],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-l",
                "INFO",
                "-Q",
                "default,ingest,payouts,purges,receipts",
                "--concurrency",
                "2",
            ],
            "beat": [python, "-m", "celery", "-A", "config", "beat", "-l", "INFO", "-s", str(beat_schedule)],
        }
        processes: dict[str, subprocess.Popen[bytes]] = {}
        try:
            for name, command in commands.items():
                processes[name] = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
            base = f"http://{HOST}:{PORT}"
            if _wait_for_http(f"{base}/accounts/login/", 60):
                _say(f"first page served {time.monotonic() - started:.1f}s after start")
            _say(f"Fairpanel:        {base}/")
            _say(f"Demo console:     {base}/t/demo/console/")
            _say(f"API docs:         {base}/api/docs/")
            _say(f"Health:           {base}/healthz")
            _say(f"Admin:            {base}/admin/  (create a platform admin: python manage.py createsuperuser)")
            _say("Demo logins are printed above by seed_demo. Press Ctrl-C to stop everything.")
            while all(process.poll() is None for process in processes.values()):
                time.sleep(0.5)
            failed = [name for name, process in processes.items() if process.poll() is not None]
            _say(f"{', '.join(failed)} stopped on its own; stopping the rest")
            return 1
        except KeyboardInterrupt:
            _say("Ctrl-C: stopping")
            return 0
        finally:
            _stop(processes)


if __name__ == "__main__":
    sys.exit(main())
