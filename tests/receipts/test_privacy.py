"""A panelist's export includes their receipts and the images that still exist; erasure removes the
images (files and rows) and the fields; the retention purge deletes files as well as rows and logs
counts only."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from consent.models import DataExport, PurgeLog
from consent.services.privacy import data_export_build, data_export_request, membership_erase, privacy_purge
from consent.subjects import subject_for
from panel.models import Panelist
from receipts.models import Receipt, ReceiptImage, ReceiptTally
from receipts.services.review import receipt_confirm
from receipts.services.submission import receipt_submit
from tests.receipts import hostile
from tests.receipts.conftest import stored_files
from tests.receipts.generator import jpeg_of

pytestmark = pytest.mark.django_db


def _approved(panelist: Panelist) -> Receipt:
    receipt = receipt_submit(panelist=panelist, files=[("r.jpg", jpeg_of(hostile.small_photo()))])
    today = timezone.localdate(timezone=panelist.tenant.tzinfo)
    Receipt.objects.for_tenant(panelist.tenant).filter(pk=receipt.pk).update(status="to_confirm", read_total=1250,
                                                                             read_date=today)  # fmt: skip
    receipt.refresh_from_db()
    return receipt_confirm(receipt=receipt, merchant="Bio Market", purchase_date=today, total="12.50")


def test_the_export_holds_the_receipts_and_their_images(panelist: Panelist, receipts_folder: Path) -> None:
    receipt = _approved(panelist)
    subject = subject_for(panelist.tenant, panelist.user)
    assert subject is not None
    export = data_export_request(subject=subject, user=panelist.user)
    data_export_build(export_id=export.pk)
    export = DataExport.objects.for_tenant(panelist.tenant).get(pk=export.pk)
    archive = zipfile.ZipFile(io.BytesIO((Path(settings.MEDIA_ROOT) / export.file).read_bytes()))
    fields = json.loads(archive.read("receipts.fields.json"))
    assert [(r["id"], r["merchant"], r["total"], r["status"]) for r in fields] == [
        (str(receipt.public_id), "Bio Market", 1250, "approved")
    ]
    picture = archive.read(f"files/receipts.images/receipts/{receipt.public_id}-1.jpg")
    assert picture == stored_files(receipts_folder)[0].read_bytes()


def test_erasure_removes_the_images_from_storage_and_the_fields(panelist: Panelist, receipts_folder: Path) -> None:
    _approved(panelist)
    assert len(stored_files(receipts_folder)) == 1
    subject = subject_for(panelist.tenant, panelist.user)
    assert subject is not None
    membership_erase(subject=subject, user=panelist.user)
    assert stored_files(receipts_folder) == []
    assert Receipt.objects.for_tenant(panelist.tenant).count() == 0
    assert ReceiptTally.objects.for_tenant(panelist.tenant).count() == 0


def test_the_purge_deletes_old_images_from_storage_and_logs_counts_only(
    panelist: Panelist, receipts_folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    old, recent = _approved(panelist), _approved(panelist)
    long_ago = timezone.now() - timedelta(days=61)
    Receipt.objects.for_tenant(panelist.tenant).filter(pk=old.pk).update(decided_at=long_ago)
    kept = ReceiptImage.objects.for_tenant(panelist.tenant).get(receipt=recent).file.name
    with caplog.at_level("INFO"):
        counts = privacy_purge(tenant=panelist.tenant)
    assert counts["receipts.images"] == 1
    assert [path.name for path in stored_files(receipts_folder)] == [Path(kept).name]
    assert Receipt.objects.for_tenant(panelist.tenant).count() == 2  # the fields stay for 12 months
    log = PurgeLog.objects.for_tenant(panelist.tenant).get(category="receipts.images")
    assert log.purged == 1
    assert "Bio Market" not in caplog.text


def test_after_twelve_months_the_fields_are_blanked(panelist: Panelist) -> None:
    receipt = _approved(panelist)
    Receipt.objects.for_tenant(panelist.tenant).filter(pk=receipt.pk).update(
        submitted_at=timezone.now() - timedelta(days=366)
    )
    counts = privacy_purge(tenant=panelist.tenant)
    assert counts["receipts.fields"] == 1
    receipt.refresh_from_db()
    assert (receipt.merchant, receipt.total, receipt.status) == ("", None, "approved")
