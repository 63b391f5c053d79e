"""The reader on synthetic receipts: the total right on at least 90% of 50 of them, card numbers found
and blacked out, and a real Celery worker reading an uploaded receipt end to end."""

from __future__ import annotations

import io
import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.utils.functional import empty
from PIL import Image

from receipts.models import Receipt, ReceiptImage, receipts_storage_lazy
from receipts.reading import card_boxes, fields_extract, luhn_valid, read_image
from receipts.services.review import receipt_confirm
from receipts.services.submission import receipt_submit
from tests.conftest import Worker, celery_worker_start
from tests.factories import TenantFactory, publish
from tests.receipts.conftest import consenting_panelist
from tests.receipts.generator import receipt_draw


def test_the_reader_gets_the_total_right_on_at_least_90_percent_of_50_synthetic_receipts(rng: random.Random) -> None:
    right = 0
    for _ in range(50):
        drawn = receipt_draw(rng)
        reading = read_image(drawn.image)
        fields = fields_extract(reading.texts, currency="EUR", exponent=2)
        right += fields.total == drawn.total
    print(f"reader accuracy on totals: {right}/50 = {right / 50:.0%}")
    assert right >= 45


def test_luhn_tells_a_card_number_from_any_long_number() -> None:
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")


def test_a_card_number_printed_on_a_receipt_is_found(rng: random.Random) -> None:
    drawn = receipt_draw(rng, card=True, rotate=0, noise=False)
    reading = read_image(drawn.image)
    assert [box for line in reading.lines for box in card_boxes(line)]


# -- a real worker ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="module")
def reader_worker(django_db_setup: None, django_db_blocker, media: Path, tmp_path_factory) -> Iterator[Worker]:
    """A real ``celery worker`` on the real broker, storing receipt images where this module's tests do."""
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with django_db_blocker.unblock():
        connection.close()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEDIA_ROOT", str(media))
        process = celery_worker_start(log, "receipts")
    yield Worker(process, log)
    process.terminate()
    process.wait(20)


@pytest.fixture
def receipts_folder(media: Path) -> Iterator[Path]:
    folder = media / "receipts"
    backend = {"BACKEND": "django.core.files.storage.FileSystemStorage",
               "OPTIONS": {"location": str(folder), "base_url": None}}  # fmt: skip
    with override_settings(STORAGES=settings.STORAGES | {"receipts": backend}):
        receipts_storage_lazy._wrapped = empty  # type: ignore[assignment]  # LazyObject's reset
        yield folder
    receipts_storage_lazy._wrapped = empty  # type: ignore[assignment]


def _wait_until_read(receipt: Receipt, worker: Worker) -> Receipt:
    deadline = time.monotonic() + 120
    while (fresh := Receipt.objects.for_tenant(receipt.tenant).get(pk=receipt.pk)).status == Receipt.Status.READING:
        assert time.monotonic() < deadline, worker.log.read_text()[-3000:]
        time.sleep(0.5)
    return fresh


@pytest.mark.django_db(transaction=True)
def test_a_worker_reads_an_uploaded_receipt_blacks_out_the_card_and_the_confirmed_receipt_is_approved(
    reader_worker: Worker, receipts_folder: Path, rng: random.Random
) -> None:
    # given a panelist and a photo of a receipt with a card number on it, dated today
    tenant = TenantFactory.create(currency="EUR", country="FR", timezone="Europe/Paris")
    publish(tenant, "receipts")
    panelist = consenting_panelist(tenant)
    from django.utils import timezone

    drawn = receipt_draw(
        rng, card=True, rotate=0, noise=False, purchase_date=timezone.localdate(timezone=tenant.tzinfo)
    )
    # when it is sent, and the worker on the receipts queue reads it
    receipt = receipt_submit(panelist=panelist, files=[("receipt.png", drawn.png)])
    read = _wait_until_read(receipt, reader_worker)
    # then the fields are prefilled from the picture
    assert read.status == Receipt.Status.TO_CONFIRM
    assert (read.read_total, read.read_date, read.read_number) == (drawn.total, drawn.purchase_date, drawn.number)
    assert read.redacted_cards == 1
    # and the stored picture, read again, shows no card number any more
    image = ReceiptImage.objects.for_tenant(tenant).get(receipt=read)
    with image.file.open("rb") as handle:
        stored = Image.open(io.BytesIO(handle.read()))
    again = read_image(stored)
    assert not [box for line in again.lines for box in card_boxes(line)]
    assert len(list(receipts_folder.rglob("*.jpg"))) == 1  # the unredacted copy is gone
    assert "receipts.tasks.receipt_read_task" in reader_worker.log.read_text()
    # when the panelist confirms what was read, the reading corroborates it and nothing fails: approved
    confirmed = receipt_confirm(receipt=read, merchant=drawn.merchant, purchase_date=drawn.purchase_date,
                                total=f"{drawn.total / 100:.2f}", receipt_number=drawn.number)  # fmt: skip
    assert confirmed.status == Receipt.Status.APPROVED


def test_a_card_line_the_first_reading_gives_as_blanks_is_read_again_and_found() -> None:
    # given a receipt (this drawing, stored as JPEG) whose card line RapidOCR's page pass reads as spaces
    drawn = receipt_draw(random.Random(59), card=True, rotate=0, noise=False)
    stored = io.BytesIO()
    drawn.image.save(stored, format="JPEG", quality=85, optimize=True)

    # when the page is read
    reading = read_image(Image.open(io.BytesIO(stored.getvalue())))

    # then that line is read again on its own, and the card number on it is found
    assert reading.engine == "rapidocr"
    assert [line for line in reading.lines if card_boxes(line)], reading.texts
