"""``/healthz``: the state of the database, the broker and the Celery workers, as JSON.

200 when all three answer; 503 naming what is down. Orchestrators probe it (docker-compose, load
balancers), so it is cheap, unauthenticated and reveals nothing but up/down and timings.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
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


def _check_worker() -> dict[str, Any]:
    # The first answer is enough: waiting for every worker would make each probe take the full timeout.
    replies = celery_app.control.ping(timeout=settings.FAIRPANEL_HEALTH_WORKER_TIMEOUT, limit=1)
    if not replies:
        raise RuntimeError("no Celery worker answered a ping")
    return {"answered": sorted(name for reply in replies for name in reply)}


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
