"""Releasing and inviting 100,000 waitlist entries, from the release to invitations queued.

In one run, on one machine, with BENCH_ENTRIES waiting people (default 100,000):
- release: ``waitlist_release`` (first come, first served) selecting them all, creating the
  invitations, marking the entries, committing, and queueing the Celery send batches on the broker;
- baseline: the raw SQL insert rate of the same invitation rows (``INSERT ... SELECT`` from the
  same entries), in the same database.

Target: at least 5,000 invitations a second. Everything the benchmark writes is deleted at the
end; the queued send batches name invitations that no longer exist, so a worker skips them.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from consent.selectors import purpose_get  # noqa: E402
from consent.services.documents import document_publish  # noqa: E402
from panel.models import Invitation, WaitlistEntry  # noqa: E402
from panel.services.release import waitlist_release  # noqa: E402
from tenants.models import Tenant  # noqa: E402

ENTRIES = int(os.environ.get("BENCH_ENTRIES", "100000"))


def fill(tenant: Tenant) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO panel_waitlistentry (tenant_id, email, public_id, nonce, answers, language, status,"
            " created_at, confirmed_at)"
            " SELECT %s, 'bench' || n || '@example.test', 'wl_bench_' || n, md5(n::text),"
            " jsonb_build_object('gender', CASE WHEN n %% 2 = 0 THEN 'female' ELSE 'male' END), 'en', 'waiting',"
            " now(), now() - (n || ' seconds')::interval FROM generate_series(1, %s) AS n",
            [tenant.pk, ENTRIES],
        )
        cursor.execute("ANALYZE panel_waitlistentry")


def baseline_insert(tenant: Tenant) -> float:
    with transaction.atomic(), connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(
            "INSERT INTO panel_invitation (tenant_id, email, nonce, status, source, created_at, expires_at,"
            " reminders_sent) SELECT tenant_id, email, md5(random()::text), 'revoked', 'waitlist', now(),"
            " now() + interval '14 days', 0 FROM panel_waitlistentry WHERE tenant_id = %s",
            [tenant.pk],
        )
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)  # the baseline's rows go; only its time stays
    return seconds


def cleanup(tenant: Tenant) -> None:
    WaitlistEntry.objects.unscoped().filter(tenant=tenant).delete()
    Invitation.objects.unscoped().filter(tenant=tenant).delete()
    with transaction.atomic(), connection.cursor() as cursor:
        # The bench's own published membership text is immutable by trigger; as the database's owner,
        # the bench sets triggers aside for its own rows only, in this one transaction.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM consent_consentdocument WHERE tenant_id = %s", [tenant.pk])
        cursor.execute("DELETE FROM consent_purpose WHERE tenant_id = %s", [tenant.pk])
    tenant.delete()


def main() -> dict[str, object]:
    tenant = Tenant.objects.create(
        slug=f"bench-release-{os.getpid()}", name="Bench", country="US", currency="USD", panel_capacity=ENTRIES * 2
    )
    try:
        # Nobody is invited before the membership text is published.
        texts = {"en": ("Membership", "What you agree to.")}
        document_publish(purpose=purpose_get(tenant=tenant, key="membership"), texts=texts, change="major")
        fill(tenant)
        baseline = baseline_insert(tenant)
        started = time.perf_counter()
        release = waitlist_release(tenant=tenant, count=ENTRIES, method="fcfs", seed=1, created_by=None)
        seconds = time.perf_counter() - started  # includes the commit and queueing the send batches
        assert release.released == ENTRIES
        assert Invitation.objects.unscoped().filter(tenant=tenant).count() == ENTRIES
        assert not WaitlistEntry.objects.unscoped().filter(tenant=tenant, status="waiting").exists()
        return {
            "benchmark": "waitlist_release",
            "entries": ENTRIES,
            "release_and_queue_s": round(seconds, 2),
            "invitations_per_s": int(ENTRIES / seconds),
            "baseline_raw_insert_s": round(baseline, 2),
            "baseline_rows_per_s": int(ENTRIES / baseline),
            "release_over_baseline": round(seconds / baseline, 2),
            "target_invitations_per_s": 5000,
            "meets_target": ENTRIES / seconds >= 5000,
        }
    finally:
        from panel.models import WaitlistRelease

        WaitlistRelease.objects.unscoped().filter(tenant=tenant).delete()
        cleanup(tenant)


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
