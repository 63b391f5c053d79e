"""How much the tenant API stack costs on top of the query it serves.

Measures, in one run and on one machine, the mean latency of:
- baseline: a plain Django view that runs the same query (the first page of a tenant's panelists)
  and returns it as JSON, with the same middleware;
- api: ``GET /api/v1/panelists/`` through DRF with API-key authentication, tenant resolution,
  the role check, pagination and serialisation.

It prints JSON with both figures, their ratio and the database queries per API request.
The data (one tenant, PANELISTS panelists) is created in a transaction that is rolled back at the
end, so the benchmark leaves nothing behind. Run it with ``make bench`` (which starts the services
when DATABASE_URL / REDIS_URL are not set).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import include, path  # noqa: E402

from panel.models import Panelist  # noqa: E402
from tenants.models import Tenant  # noqa: E402
from tenants.roles import Role  # noqa: E402
from tenants.services import api_key_create  # noqa: E402

PANELISTS = int(os.environ.get("BENCH_PANELISTS", "10000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))


def baseline_view(request: HttpRequest) -> JsonResponse:
    tenant = Tenant.objects.get(slug="bench-api")
    rows = list(
        Panelist.objects.unscoped()
        .filter(tenant=tenant)
        .order_by("-joined_at", "-id")
        .values("public_id", "status", "joined_at", "left_at")[:50]
    )
    return JsonResponse({"count": Panelist.objects.unscoped().filter(tenant=tenant).count(), "results": rows})


urlpatterns = [path("bench/baseline/", baseline_view), path("", include("config.urls"))]


class Rollback(Exception):
    pass


def timed(client: Client, url: str) -> list[float]:
    samples = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content[:300]
    return samples


def main() -> dict[str, object]:
    result: dict[str, object] = {}
    try:
        with transaction.atomic(), override_settings(ROOT_URLCONF=__name__):
            tenant = Tenant.objects.create(slug="bench-api", name="Bench", country="US", currency="USD")
            Panelist.objects.bulk_create(Panelist(tenant=tenant) for _ in range(PANELISTS))
            key = api_key_create(tenant=tenant, name="bench", role=Role.MANAGER, created_by=None).key
            client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
            # warm up both paths (connections, caches, imports)
            for url in ("/bench/baseline/", "/api/v1/panelists/"):
                client.get(url)
            baseline = timed(client, "/bench/baseline/")
            api = timed(client, "/api/v1/panelists/")
            with CaptureQueriesContext(connection) as queries:
                client.get("/api/v1/panelists/")
            result = {
                "benchmark": "api_overhead",
                "panelists": PANELISTS,
                "requests_each": REQUESTS,
                "baseline_mean_ms": round(statistics.fmean(baseline), 3),
                "baseline_p95_ms": round(statistics.quantiles(baseline, n=20)[-1], 3),
                "api_mean_ms": round(statistics.fmean(api), 3),
                "api_p95_ms": round(statistics.quantiles(api, n=20)[-1], 3),
                "api_over_baseline": round(statistics.fmean(api) / statistics.fmean(baseline), 2),
                "api_queries_per_request": len(queries.captured_queries),
            }
            raise Rollback
    except Rollback:
        pass
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
