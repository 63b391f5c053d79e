"""The fallback reader: when RapidOCR is unavailable, fails on a page, or cannot run at all, Tesseract
(the real one, Debian's ``tesseract-ocr``) reads the receipt, and the receipt records which reader
read it. When neither can run, the receipt still reaches the panelist, to be filled in by hand."""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from typing import Any

import pytesseract
import pytest
import rapidocr_onnxruntime
from django.test import Client
from django.utils import timezone

from panel.models import Panelist
from receipts.models import Receipt
from receipts.reading import _rapidocr, read_image
from receipts.services.review import receipt_confirm
from receipts.services.submission import receipt_read, receipt_submit
from tests.receipts.generator import receipt_draw

pytestmark = pytest.mark.django_db


@pytest.fixture
def rapidocr_unavailable(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """RapidOCR's package cannot be loaded, as on a machine where it is missing or broken."""
    _rapidocr.cache_clear()  # forget a reader loaded by an earlier test
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # ``import`` now raises ImportError
    yield
    _rapidocr.cache_clear()


def _sent_and_read(panelist: Panelist, *pngs: bytes) -> Receipt:
    receipt = receipt_submit(panelist=panelist, files=[(f"page{n}.png", png) for n, png in enumerate(pngs)])
    assert receipt_read(receipt_id=receipt.pk)  # what the worker on the ``receipts`` queue runs
    return Receipt.objects.for_tenant(panelist.tenant).get(pk=receipt.pk)


def test_when_rapidocr_is_unavailable_tesseract_reads_the_receipt_and_the_receipt_says_so(
    panelist: Panelist, rapidocr_unavailable: None, rng: random.Random
) -> None:
    # given a receipt dated today, and no RapidOCR on this machine
    drawn = receipt_draw(rng, rotate=0, noise=False, purchase_date=timezone.localdate(timezone=panelist.tenant.tzinfo))
    # when it is sent and read
    read = _sent_and_read(panelist, drawn.png)
    # then Tesseract read it, the receipt records that, and the fields are prefilled from its reading
    assert read.read_engine == "tesseract"
    assert (read.read_total, read.read_date, read.read_number) == (drawn.total, drawn.purchase_date, drawn.number)
    assert read.status == Receipt.Status.TO_CONFIRM
    client = Client(headers={"X-Tenant": panelist.tenant.slug})
    assert panelist.user is not None
    client.force_login(panelist.user)
    shown = client.get(f"/api/v1/me/receipts/{read.public_id}/").json()
    assert (shown["read"]["engine"], shown["read"]["total"]) == ("tesseract", drawn.total)
    # and what it read corroborates the panelist's confirmation as RapidOCR's would
    confirmed = receipt_confirm(receipt=read, merchant=drawn.merchant, purchase_date=drawn.purchase_date,
                                total=f"{drawn.total / 100:.2f}", receipt_number=drawn.number)  # fmt: skip
    assert confirmed.status == Receipt.Status.APPROVED


def test_when_rapidocr_fails_on_one_page_tesseract_reads_that_page(
    panelist: Panelist, monkeypatch: pytest.MonkeyPatch, rng: random.Random
) -> None:
    # given RapidOCR that fails on the second page it is given (as when ONNX Runtime runs out of memory)
    original = rapidocr_onnxruntime.RapidOCR.__call__
    calls: list[int] = []

    def failing_on_the_second_page(self: Any, image: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("onnxruntime: failed to allocate memory")
        return original(self, image, *args, **kwargs)

    monkeypatch.setattr(rapidocr_onnxruntime.RapidOCR, "__call__", failing_on_the_second_page)
    top = receipt_draw(rng, rotate=0, noise=False)
    bottom = receipt_draw(rng, rotate=0, noise=False)
    # when a long receipt of two photos is read
    read = _sent_and_read(panelist, top.png, bottom.png)
    # then RapidOCR read the first page, Tesseract the second, and the receipt names both readers
    assert len(calls) == 2
    assert read.read_engine == "rapidocr+tesseract"
    assert read.read_number == top.number  # the first page's number, read by RapidOCR
    assert read.read_total in {top.total, bottom.total}  # a total read on either page


def test_a_page_rapidocr_finds_no_text_on_is_read_by_tesseract(
    monkeypatch: pytest.MonkeyPatch, rng: random.Random
) -> None:
    # given RapidOCR that finds nothing on a page (its result is None)
    monkeypatch.setattr(rapidocr_onnxruntime.RapidOCR, "__call__", lambda self, image, *a, **k: (None, 0.0))
    drawn = receipt_draw(rng, rotate=0, noise=False)
    # when the page is read, Tesseract reads it instead
    reading = read_image(drawn.image)
    assert reading.engine == "tesseract"
    assert any(drawn.number in text for text in reading.texts)


def test_when_no_reader_can_run_the_receipt_reaches_the_panelist_to_fill_in_and_is_flagged_unreadable(
    panelist: Panelist, rapidocr_unavailable: None, monkeypatch: pytest.MonkeyPatch, rng: random.Random
) -> None:
    # given neither RapidOCR nor the tesseract program
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    drawn = receipt_draw(rng, rotate=0, noise=False)
    # when the receipt is read: nothing crashes, nothing is prefilled, and the receipt says so
    read = _sent_and_read(panelist, drawn.png)
    assert (read.status, read.read_engine, read.read_total, read.read_date) == ("to_confirm", "none", None, None)
    # and once the panelist fills the fields in, a person looks at it
    today = timezone.localdate(timezone=panelist.tenant.tzinfo)
    confirmed = receipt_confirm(receipt=read, merchant="Bio Market", purchase_date=today, total="12.50")
    assert confirmed.status == Receipt.Status.REVIEW
    assert set(confirmed.checks.values_list("code", flat=True)) == {"unreadable"}
