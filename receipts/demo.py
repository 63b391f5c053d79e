"""What ``seed_demo`` adds for receipts: a merchant directory (shops and their categories) and a program
that blocks one category and adds a further step to the monthly milestone; receipts drawn like real
ones, read, confirmed and checked by the real rules, so that the review queue has work (a total that
disagrees, a date in the future, a shop of the blocked category), the panelist sees an approval and a
rejection with its reason, and one receipt waits to be confirmed. Safe to rerun: what exists already
(the directory, the program, receipts) is left alone."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from consent.selectors import consent_latest_event
from consent.services.consent import consent_grant
from panel.models import Panelist
from receipts.intake import pages_from_upload
from receipts.models import Receipt, ReceiptImage, ReceiptProgram
from receipts.selectors import merchant_directory
from receipts.services.program import merchant_directory_replace, receipt_program_update
from receipts.services.review import receipt_confirm
from tenants.models import Tenant

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
DIRECTORY = [
    ("Bio Market", "Groceries"),
    ("Corner Grocery", "Groceries"),
    ("Supermarche Dupont", "Groceries"),
    ("Dupont Express", "Groceries"),  # another name the same chain goes by on its receipts
    ("Pharmacie Centrale", "Pharmacy"),
    ("Cafe de la Gare", "Cafes and restaurants"),
    ("Hardware Plus", "DIY and garden"),
    ("Tabac de la Gare", "Tobacco and lottery"),
]
BLOCKED = ["Tobacco and lottery"]
FURTHER_STEPS = [{"receipts": 20, "amount": 500}]  # after the reward settings' 10 for 10.00: 5.00 more at 20


def _drawn(merchant: str, day: date, total: int) -> bytes:
    try:
        font: ImageFont.ImageFont | ImageFont.FreeTypeFont = ImageFont.truetype(FONT, 24)
    except OSError:
        font = ImageFont.load_default()
    image = Image.new("RGB", (560, 420), "white")
    draw = ImageDraw.Draw(image)
    lines = [merchant, f"Date: {day:%d/%m/%Y}", "Bread          2.35", f"TOTAL      {total / 100:.2f}"]
    for index, line in enumerate(lines):
        draw.text((30, 30 + 70 * index), line, fill="black", font=font)
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _read(panelist: Panelist, merchant: str, day: date, total: int) -> Receipt:
    """A receipt as the reader leaves it: stored, with the fields it read."""
    page = pages_from_upload([("demo.png", _drawn(merchant, day, total))], max_bytes=10**7, max_images=1,
                             max_pages=1).pages[0]  # fmt: skip
    with transaction.atomic():
        receipt = Receipt.objects.create(
            tenant=panelist.tenant, panelist=panelist, kind="photo", status="to_confirm", read_merchant=merchant,
            read_date=day, read_total=total, read_currency=panelist.tenant.currency, read_at=timezone.now(),
        )  # fmt: skip
        image = ReceiptImage(tenant=panelist.tenant, receipt=receipt, position=1, width=page.width, height=page.height,
                             phash=page.phash)  # fmt: skip
        image.file.save("page.jpg", ContentFile(page.jpeg), save=False)
        image.save()
    return receipt


def demo_receipts_seed(tenant: Tenant, panelists: list[Panelist]) -> str:
    if not merchant_directory(tenant=tenant).exists():
        merchant_directory_replace(tenant=tenant, entries=DIRECTORY)
    if not ReceiptProgram.objects.for_tenant(tenant).exists():
        receipt_program_update(tenant=tenant, values={"merchant_rule": "block", "categories": BLOCKED,
                                                      "milestone_steps": FURTHER_STEPS})  # fmt: skip
    if not Receipt.objects.for_tenant(tenant).exists():
        _seed(tenant, panelists)
    rows = Receipt.objects.for_tenant(tenant)
    return (
        f"Receipts: {rows.count()} receipts, {rows.filter(status='review').count()} waiting in the review queue;"
        f" {merchant_directory(tenant=tenant).count()} shops in the merchant directory."
    )


def _seed(tenant: Tenant, panelists: list[Panelist]) -> None:
    for panelist in panelists[:3]:
        latest = consent_latest_event(tenant=tenant, subject=panelist.public_id, purpose_key="receipts")
        if latest is None or latest.kind == "withdraw":
            consent_grant(tenant=tenant, subject=panelist.public_id, purpose_key="receipts", language="en",
                          method="web", actor="subject")  # fmt: skip
    today = timezone.localdate(timezone=tenant.tzinfo)
    first, second = panelists[0], panelists[1 % len(panelists)]
    confirm = receipt_confirm
    confirm(receipt=_read(first, "BIO MARKET", today, 1250), merchant="Bio Market", purchase_date=today, total="12.50")
    confirm(receipt=_read(first, "CORNER GROCERY", today, 4210), merchant="Corner Grocery", purchase_date=today,
            total="42.01")  # fmt: skip
    old = today - timedelta(days=20)
    confirm(receipt=_read(first, "CAFE DE LA GARE", old, 380), merchant="Cafe de la Gare", purchase_date=old,
            total="3.80")  # fmt: skip
    ahead = today + timedelta(days=3)
    confirm(receipt=_read(second, "HARDWARE PLUS", ahead, 1999), merchant="Hardware Plus", purchase_date=ahead,
            total="19.99")  # fmt: skip
    # a shop of the blocked category: a person looks
    confirm(receipt=_read(second, "TABAC DE LA GARE", today, 1050), merchant="Tabac de la Gare", purchase_date=today,
            total="10.50")  # fmt: skip
    _read(second, "PHARMACIE CENTRALE", today, 865)
