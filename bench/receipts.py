"""Receipts: reading time, uploads up to "queued", and the review queue's page with 100,000 receipts.

In one run, on one machine:
- reading: BENCH_READS (default 20) synthetic receipts (tests/receipts/generator.py) read by
  ``read_image`` and ``fields_extract``, median and p95 per receipt; baseline: RapidOCR's own call
  on the same images, so the figure shows what the line grouping and the extraction add;
- uploads: BENCH_UPLOADS (default 60) phone-sized JPEG photos through ``receipt_submit`` (consent
  gate, weekly limit, the intake checks, re-encoding, the perceptual hash, storage, the row and the
  task queued on the broker), per second; baseline: the same files' bytes written straight to the
  same storage;
- the review queue: BENCH_RECEIPTS (default 100,000) receipts, a tenth of them waiting for review,
  and the console's review page (``GET /t/<slug>/console/receipts/review/``) timed as a reviewer
  sees it, median of BENCH_PAGE_REQUESTS (default 20); baseline: the page's two queries in raw SQL.
  Target: under 200 ms.

Everything the benchmark writes is deleted at the end (the stored files too); the queued read tasks
name receipts that no longer exist, so a worker skips them.
"""

from __future__ import annotations

import io
import json
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

import numpy as np  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from PIL import Image  # noqa: E402

from accounts.models import User  # noqa: E402
from consent.selectors import purpose_get  # noqa: E402
from consent.services.consent import consent_grant  # noqa: E402
from consent.services.documents import document_publish  # noqa: E402
from panel.models import Panelist  # noqa: E402
from receipts.models import ReceiptImage, ReceiptProgram, receipts_storage  # noqa: E402
from receipts.reading import _rapidocr, fields_extract, read_image  # noqa: E402
from receipts.services.submission import receipt_submit  # noqa: E402
from tenants.models import Membership, Tenant  # noqa: E402
from tests.conftest import login_with_mfa  # noqa: E402
from tests.factories import UserFactory, activate_totp  # noqa: E402
from tests.receipts.generator import receipt_draw  # noqa: E402

READS = int(os.environ.get("BENCH_READS", "20"))
UPLOADS = int(os.environ.get("BENCH_UPLOADS", "60"))
RECEIPTS = int(os.environ.get("BENCH_RECEIPTS", "100000"))
PAGE_REQUESTS = int(os.environ.get("BENCH_PAGE_REQUESTS", "20"))


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def p95(values: list[float]) -> float:
    return sorted(values)[min(len(values) - 1, math.ceil(len(values) * 0.95) - 1)]


def reading() -> dict[str, object]:
    rng = random.Random(13)
    images = [receipt_draw(rng) for _ in range(READS)]
    _rapidocr()  # the models load once per worker process, not per receipt
    ours, raw, right = [], [], 0
    for drawn in images:
        started = time.perf_counter()
        fields = fields_extract(read_image(drawn.image).texts, currency="EUR", exponent=2)
        ours.append(time.perf_counter() - started)
        right += fields.total == drawn.total
        started = time.perf_counter()
        _rapidocr()(np.asarray(drawn.image.convert("RGB")))
        raw.append(time.perf_counter() - started)
    return {
        "reads": READS,
        "read_median_ms": ms(statistics.median(ours)),
        "read_p95_ms": ms(p95(ours)),
        "baseline_rapidocr_median_ms": ms(statistics.median(raw)),
        "baseline_rapidocr_p95_ms": ms(p95(raw)),
        "totals_right": f"{right}/{READS}",
    }


def phone_photo(rng: random.Random) -> bytes:
    drawn = receipt_draw(rng, rotate=0, noise=True)
    canvas = Image.new("RGB", (1500, 2000), (230, 225, 215))
    canvas.paste(drawn.image.resize((1200, int(1200 * drawn.image.height / drawn.image.width))), (150, 150))
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=88)
    return out.getvalue()


def uploads(tenant: Tenant, panelists: list[Panelist]) -> dict[str, object]:
    rng = random.Random(7)
    photos = [phone_photo(rng) for _ in range(min(UPLOADS, 12))]
    storage = receipts_storage()
    started = time.perf_counter()
    for n in range(UPLOADS):
        receipt_submit(panelist=panelists[n % len(panelists)], files=[("photo.jpg", photos[n % len(photos)])])
    seconds = time.perf_counter() - started
    written = []
    started = time.perf_counter()
    for n in range(UPLOADS):
        written.append(storage.save(f"receipts/bench/{n}.jpg", ContentFile(photos[n % len(photos)])))
    baseline = time.perf_counter() - started
    for name in written:
        storage.delete(name)
    return {
        "uploads": UPLOADS,
        "photo_bytes": len(photos[0]),
        "uploads_per_s": round(UPLOADS / seconds, 1),
        "upload_median_ms": ms(seconds / UPLOADS),
        "baseline_raw_store_per_s": round(UPLOADS / baseline, 1),
    }


def fill_queue(tenant: Tenant, panelists: list[Panelist]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO receipts_receipt (tenant_id, public_id, panelist_id, kind, status, read_merchant, read_total,"
            " read_currency, read_number, read_engine, redacted_cards, merchant, purchase_date, total, currency,"
            " receipt_number, fingerprint, reason, submitted_at, confirmed_at, read_date)"
            " SELECT %s, gen_random_uuid(), (%s::bigint[])[1 + n %% %s], 'photo',"
            " CASE WHEN n %% 10 = 0 THEN 'review' WHEN n %% 10 < 7 THEN 'approved' ELSE 'rejected' END,"
            " 'SHOP ' || n %% 500, 100 + n %% 9000, 'EUR', '', 'rapidocr', 0, 'Shop ' || n %% 500,"
            " current_date - n %% 30, 100 + n %% 9000, 'EUR', '', md5(n::text),"
            " CASE WHEN n %% 10 >= 7 THEN 'total_mismatch' ELSE '' END,"
            " now() - (n || ' seconds')::interval, now() - (n || ' seconds')::interval, current_date - n %% 30"
            " FROM generate_series(1, %s) AS n",
            [tenant.pk, [p.pk for p in panelists], len(panelists), RECEIPTS],
        )
        cursor.execute("ANALYZE receipts_receipt")


def review_page(tenant: Tenant) -> dict[str, object]:
    user = UserFactory.create(email=f"bench-reviewer-{os.getpid()}@example.test")
    Membership.objects.create(tenant=tenant, user=user, role="reviewer")
    client = Client()
    login_with_mfa(client, user, activate_totp(user))  # as a reviewer signs in: password, then TOTP
    url = f"/t/{tenant.slug}/console/receipts/review/"
    first = client.get(url)
    assert first.status_code == 200, (first.status_code, first.get("Location"))
    timings = []
    for _ in range(PAGE_REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    raw = []
    with connection.cursor() as cursor:
        for _ in range(PAGE_REQUESTS):
            started = time.perf_counter()
            cursor.execute(
                "SELECT id FROM receipts_receipt WHERE tenant_id = %s AND status = 'review'"
                " ORDER BY confirmed_at, id LIMIT 1",
                [tenant.pk],
            )
            cursor.fetchall()
            cursor.execute(
                "SELECT count(*), min(confirmed_at) FROM receipts_receipt WHERE tenant_id = %s AND status = 'review'",
                [tenant.pk],
            )
            cursor.fetchall()
            raw.append(time.perf_counter() - started)
    median = statistics.median(timings)
    return {
        "receipts": RECEIPTS,
        "waiting_for_review": RECEIPTS // 10,
        "review_page_median_ms": ms(median),
        "review_page_p95_ms": ms(p95(timings)),
        "baseline_raw_queries_median_ms": ms(statistics.median(raw)),
        "target_ms": 200,
        "meets_target": median < 0.2,
    }


BENCH_TABLES = [
    "receipts_receiptimage", "receipts_receiptcheck", "receipts_receiptdecision", "receipts_receiptappeal",
    "receipts_receipttally", "receipts_receipt", "receipts_receiptprogram", "consent_consentreceipt",
    "consent_consentevent", "consent_consentseal", "consent_consentchain", "consent_signingkey",
    "consent_consentdocument", "consent_purpose", "panel_panelist",
]  # fmt: skip


def cleanup(tenant: Tenant) -> None:
    users = list(Membership.objects.for_tenant(tenant).values_list("user_id", flat=True))
    Membership.objects.for_tenant(tenant).delete()
    User.objects.filter(pk__in=users).delete()
    for image in ReceiptImage.objects.for_tenant(tenant).iterator():
        image.file.storage.delete(str(image.file.name))
    with transaction.atomic(), connection.cursor() as cursor:
        # as the database's owner, the bench sets the append-only triggers aside for its own rows only
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table in BENCH_TABLES:
            cursor.execute(f"DELETE FROM {table} WHERE tenant_id = %s", [tenant.pk])  # noqa: S608
    Tenant.objects.filter(pk=tenant.pk).delete()


def main() -> dict[str, object]:
    tenant = Tenant.objects.create(slug=f"bench-receipts-{os.getpid()}", name="Bench", country="FR", currency="EUR",
                                   timezone="Europe/Paris")  # fmt: skip
    try:
        document_publish(purpose=purpose_get(tenant=tenant, key="receipts"),
                         texts={"en": ("Receipts", "Photos of your receipts.")}, change="major")  # fmt: skip
        panelists = [Panelist.objects.create(tenant=tenant) for _ in range(20)]
        for panelist in panelists:
            consent_grant(tenant=tenant, subject=panelist.public_id, purpose_key="receipts", language="en",
                          method="api", actor="subject")  # fmt: skip
        ReceiptProgram.objects.create(tenant=tenant, weekly_limit=1000)
        result: dict[str, object] = {"benchmark": "receipts"}
        result["reading"] = reading()
        result["uploads"] = uploads(tenant, panelists)
        fill_queue(tenant, panelists)
        result["review_queue"] = review_page(tenant)
        return result
    finally:
        cleanup(tenant)


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
