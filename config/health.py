"""``/healthz``: the state of the database, the broker and the Celery workers, as JSON.

200 when all three answer; 503 naming what is down. Orchestrators probe it (docker-compose, load
balancers), so it is cheap, unauthenticated and reveals nothing but up/down, timings and how many
workers answered: never a host name, a user or an error message (those go to the log).

The worker check broadcasts a ping to every worker and waits for the first answer; its result is kept
in the cache for ``HEALTH_WORKER_CACHE_SECONDS`` (default 5), so that a probe every second from several
load balancers does not become a broadcast every second.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app

logger = logging.getLogger(__name__)


def _check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def _check_broker() -> dict[str, Any]:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return {}


WORKER_CACHE_KEY = "health:worker"


class CheckFailed(Exception):
    """A check that failed and says so itself, with what it may show (never internals)."""

    def __init__(self, shown: dict[str, Any]) -> None:
        super().__init__("check failed")
        self.shown = shown


def _check_worker() -> dict[str, Any]:
    workers = cache.get(WORKER_CACHE_KEY)
    shown: dict[str, Any] = {"cached": True}
    if workers is None:
        # The first answer is enough: waiting for every worker would make each probe take the full timeout.
        workers = len(celery_app.control.ping(timeout=settings.FAIRPANEL_HEALTH_WORKER_TIMEOUT, limit=1) or [])
        cache.set(WORKER_CACHE_KEY, workers, settings.FAIRPANEL_HEALTH_WORKER_CACHE_SECONDS)
        shown = {}
    if not workers:
        raise CheckFailed(shown)
    return {"workers": workers, **shown}


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": _check_database,
    "broker": _check_broker,
    "worker": _check_worker,
}


def run_checks() -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            extra = check()
            results[name] = {"ok": True, **extra}
        except CheckFailed as failed:
            logger.warning("health check %s failed", name)
            results[name] = {"ok": False, **failed.shown}
        except Exception:  # a health check reports every failure, whatever its type
            # The details (hosts, users, messages) go to the log, never to this public endpoint.
            logger.exception("health check %s failed", name)
            results[name] = {"ok": False}
        results[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    return results


@never_cache
@require_GET
def livez(request: HttpRequest) -> JsonResponse:
    """Liveness of this web process alone: what a container orchestrator restarts on."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = run_checks()
    down = [name for name, result in checks.items() if not result["ok"]]
    body = {"status": "down" if down else "ok", "down": down, "checks": checks}
    return JsonResponse(body, status=503 if down else 200)
