"""Submitting a receipt (the consent gate, the limits, the safe intake, storage) and reading it (OCR,
card-number redaction, the prefilled fields)."""

from __future__ import annotations

import io
import logging
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from consent.services.consent import consent_require
from core.errors import DomainError, RateLimited
from panel.models import Panelist
from receipts.intake import pages_from_upload
from receipts.models import Reason, Receipt, ReceiptImage, receipts_storage
from receipts.reading import Box, card_boxes, fields_extract, read_image, redact
from receipts.selectors import receipt_program_get, receipts_recent_count
from receipts.tasks import receipt_read_task
from rewards.money import exponent

logger = logging.getLogger(__name__)

# US-style dates (month first) are read so in these countries; elsewhere day first.
MONTH_FIRST_COUNTRIES = frozenset({"US", "PH", "FM", "MH", "PW"})


class OverLimit(RateLimited):
    code = Reason.OVER_LIMIT.value


def receipt_submit(*, panelist: Panelist, files: list[tuple[str, bytes]], now: datetime | None = None) -> Receipt:
    """Accept a receipt: photos of one receipt, or one PDF. Refuses (nothing stored) without consent to
    ``receipts``, over the weekly limit, or when any file fails the intake checks."""
    tenant = panelist.tenant
    now = now or timezone.now()
    consent_require(tenant=tenant, subject=panelist.public_id, purpose_key="receipts")
    program = receipt_program_get(tenant=tenant)
    if receipts_recent_count(panelist=panelist, now=now) >= program.weekly_limit:
        raise OverLimit(
            _("You have sent %(n)s receipts in the last 7 days, the most the program takes. Try again in a few days.")
            % {"n": program.weekly_limit}
        )
    intake = pages_from_upload(files, max_bytes=program.file_max_bytes, max_images=program.images_max,
                               max_pages=program.pdf_pages_max)  # fmt: skip
    storage = receipts_storage()
    saved: list[str] = []
    try:
        with transaction.atomic():
            receipt = Receipt.objects.create(tenant=tenant, panelist=panelist, kind=intake.kind)
            for position, page in enumerate(intake.pages, start=1):
                image = ReceiptImage(tenant=tenant, receipt=receipt, position=position, width=page.width,
                                     height=page.height, phash=page.phash)  # fmt: skip
                image.file.save("page.jpg", ContentFile(page.jpeg), save=False)
                saved.append(str(image.file.name))
                image.save()
            receipt_read_task.delay_on_commit(receipt.pk)
    except BaseException:
        for name in saved:  # files are not transactional: take back what a rolled-back receipt stored
            storage.delete(name)
        raise
    return receipt


class AlreadyRead(DomainError):
    code = "already_read"
    status_code = 409


def receipt_read(*, receipt_id: int) -> bool:
    """Read a receipt's pages, black out card numbers in the stored images, and prefill the fields.
    Idempotent: a receipt already read is left alone. Returns whether it read."""
    # across tenants: a worker gets only the id
    receipt = Receipt.objects.unscoped().filter(pk=receipt_id).select_related("tenant").first()
    if receipt is None or receipt.status != Receipt.Status.READING:
        return False
    tenant = receipt.tenant
    images = list(ReceiptImage.objects.filter(tenant=tenant, receipt=receipt).order_by("position"))
    texts: list[str] = []
    engines: list[str] = []
    redacted = 0
    replaced: list[tuple[ReceiptImage, str]] = []
    for image in images:
        with image.file.open("rb") as handle:
            jpeg = handle.read()
        reading = read_image(Image.open(io.BytesIO(jpeg), formats=["JPEG"]))
        if reading.engine not in engines:
            engines.append(reading.engine)
        texts += reading.texts
        cards: list[Box] = [box for line in reading.lines for box in card_boxes(line)]
        if cards:
            redacted += 1
            old = str(image.file.name)
            image.file.save("page.jpg", ContentFile(redact(jpeg, cards)), save=False)
            replaced.append((image, old))
    fields = fields_extract(texts, currency=tenant.currency, exponent=exponent(tenant.currency),
                            month_first=tenant.country in MONTH_FIRST_COUNTRIES)  # fmt: skip
    with transaction.atomic():
        fresh = Receipt.objects.select_for_update().filter(tenant=tenant, pk=receipt.pk).first()
        if fresh is None or fresh.status != Receipt.Status.READING:  # read by a twin delivery meanwhile
            for image, _old in replaced:
                image.file.storage.delete(str(image.file.name))
            return False
        for image, _old in replaced:
            image.save(update_fields=["file"])
        fresh.read_merchant = fields.merchant
        fresh.read_date = fields.purchase_date
        fresh.read_total = fields.total
        fresh.read_currency = fields.currency
        fresh.read_number = fields.receipt_number
        fresh.read_engine = "+".join(engines)  # the reader of each page, "rapidocr+tesseract" when they differ
        fresh.redacted_cards = redacted
        fresh.read_at = timezone.now()
        fresh.status = Receipt.Status.TO_CONFIRM
        fresh.save()
    for _image, old in replaced:  # the unredacted copy goes once the redacted one is recorded
        receipts_storage().delete(old)
    logger.info("receipt %s read by %s: %d lines, %d pages redacted", receipt.pk, "+".join(engines), len(texts),
                redacted)  # fmt: skip
    return True
