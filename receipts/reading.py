"""Reading a receipt: OCR, the fields it yields, and the card numbers it must black out.

The default reader is RapidOCR (ONNX Runtime; offline, its models ship in the wheel); Tesseract
(``pytesseract`` and Debian's ``tesseract-ocr``) is the fallback when RapidOCR cannot run or reads
nothing. Both give boxes of text, grouped here into lines from which the merchant, the purchase
date, the total, the currency and the receipt number are taken. What is read only corroborates what
the panelist confirms.

A payment-card number is a run of 13 to 19 digits (spaces, dots or dashes between groups allowed, and
letters OCR confuses with digits read as those digits) that passes the Luhn check; every box of its
line holding digits of it is blacked out in the stored image before anyone sees the image.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

import numpy as np
from django.conf import settings
from PIL import Image, ImageDraw

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    right: int
    bottom: int
    text: str


@dataclass
class Reading:
    engine: str
    lines: list[list[Box]] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return [" ".join(box.text for box in line) for line in self.lines]


@cache
def _rapidocr() -> Any:
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def _boxes_rapidocr(image: Image.Image) -> list[Box]:
    result, _elapsed = _rapidocr()(np.asarray(image.convert("RGB")))
    boxes = []
    for points, text, _score in result or []:
        xs = [int(p[0]) for p in points]
        ys = [int(p[1]) for p in points]
        boxes.append(Box(min(xs), min(ys), max(xs), max(ys), str(text)))
    return boxes


def _boxes_tesseract(image: Image.Image) -> list[Box]:
    import pytesseract

    data = pytesseract.image_to_data(image, output_type=pytesseract.Output.DICT)
    return [
        Box(
            data["left"][i],
            data["top"][i],
            data["left"][i] + data["width"][i],
            data["top"][i] + data["height"][i],
            text,
        )
        for i, text in enumerate(data["text"])
        if text.strip()
    ]


def _lines(boxes: list[Box]) -> list[list[Box]]:
    """Boxes grouped into lines: a box joins the line whose vertical middle it overlaps."""
    lines: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: (b.top + b.bottom) / 2):
        middle = (box.top + box.bottom) / 2
        for line in lines:
            first = line[0]
            if first.top <= middle <= first.bottom:
                line.append(box)
                break
        else:
            lines.append([box])
    return [sorted(line, key=lambda b: b.left) for line in lines]


def read_image(image: Image.Image) -> Reading:
    """Read one page. With ``RECEIPTS_OCR_ENGINE`` at ``rapidocr`` (the default), RapidOCR reads it;
    Tesseract reads it instead when RapidOCR is unavailable (its package cannot be loaded), fails on
    this page (whatever it raises), or finds no text at all on it. ``Reading.engine`` names the reader
    whose text was kept: ``rapidocr``, ``tesseract``, or ``none`` when neither could run (the page is
    then left for the panelist to fill in, and flagged unreadable)."""
    if settings.RECEIPTS_OCR_ENGINE == "rapidocr":
        try:
            lines = _lines(_boxes_rapidocr(image))
        except Exception:  # the reader is a library: whatever it raises, the fallback reads instead
            logger.exception("RapidOCR could not read the page; reading with Tesseract")
        else:
            if lines:
                return Reading("rapidocr", lines)
            logger.info("RapidOCR found no text on the page; reading with Tesseract")
    try:
        return Reading("tesseract", _lines(_boxes_tesseract(image)))
    except Exception:  # not installed, or it failed: nothing was read, a person fills the fields in
        logger.exception("Tesseract could not read the page")
        return Reading("none")


# -- card numbers ---------------------------------------------------------------------------------

CONFUSED = str.maketrans({"l": "1", "I": "1", "|": "1", "i": "1", "O": "0", "o": "0", "D": "0", "S": "5", "B": "8"})
CARD_RUN = re.compile(r"\d(?:[ .\-]?\d){12,18}")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def card_boxes(line: list[Box]) -> list[Box]:
    """The boxes of a line that hold a Luhn-valid card number, or none."""
    text = ""
    spans = []
    for box in line:
        start = len(text)
        text += box.text.translate(CONFUSED) + " "
        spans.append((start, len(text) - 1, box))
    found: list[Box] = []
    for match in CARD_RUN.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            found.extend(box for start, end, box in spans if start < match.end() and end > match.start())
    return found


def redact(jpeg: bytes, boxes: list[Box]) -> bytes:
    """The image with each box blacked out (with a margin), re-encoded."""
    image = Image.open(io.BytesIO(jpeg), formats=["JPEG"])
    draw = ImageDraw.Draw(image)
    for box in boxes:
        pad = max(2, (box.bottom - box.top) // 4)
        draw.rectangle((box.left - pad, box.top - pad, box.right + pad, box.bottom + pad), fill="black")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


# -- fields -------------------------------------------------------------------------------------

AMOUNT = re.compile(r"(?<![\d.,])(\d{1,3}(?:[ ,.]\d{3})*|\d+)[.,](\d{2})(?!\d)")
TOTAL_WORDS = re.compile(r"total|montant|a payer|à payer|amount due|ttc|balance due|summe", re.I)  # OCR may glue words
NOT_TOTAL = re.compile(r"sous[- ]?total|sub[- ]?total|tva|vat|tax|change|rendu", re.I)
DATES = [
    (re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)"), "ymd"),
    (re.compile(r"(?<!\d)(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})"), "dmy"),  # OCR may glue the time on
    (re.compile(r"(?<!\d)(\d{1,2})[-/.](\d{1,2})[-/.](\d{2})(?!\d)"), "dmy2"),
]
NUMBER = re.compile(
    r"\b(?:ticket|receipt|invoice|facture|transaction|trans|order|commande)\s*(?:no|n°|nr|#|number|num)?\.?\s*[:#]?\s*"
    r"([A-Z0-9][A-Z0-9\-/]{2,30})",
    re.I,
)
CURRENCIES = {"€": "EUR", "EUR": "EUR", "$": "USD", "USD": "USD", "£": "GBP", "GBP": "GBP", "CHF": "CHF", "CAD": "CAD"}


@dataclass(frozen=True)
class Fields:
    merchant: str = ""
    purchase_date: date | None = None
    total: int | None = None  # minor units
    currency: str = ""
    receipt_number: str = ""


def _amounts(text: str) -> list[Decimal]:
    found = []
    for whole, cents in AMOUNT.findall(text):
        try:
            found.append(Decimal(re.sub(r"[ ,.]", "", whole) + "." + cents))
        except InvalidOperation:
            continue
    return found


def _date(text: str, month_first: bool) -> date | None:
    for pattern, shape in DATES:
        for match in pattern.finditer(text):
            a, b, c = (int(part) for part in match.groups())
            if shape == "ymd":
                year, month, day = a, b, c
            else:
                year = c if shape == "dmy" else 2000 + c
                day, month = (b, a) if month_first else (a, b)
                if month > 12 >= day:
                    day, month = month, day
            try:
                return date(year, month, day)
            except ValueError:
                continue
    return None


def _merchant(texts: list[str]) -> str:
    for text in texts[:5]:
        letters = sum(char.isalpha() for char in text)
        if letters >= 3 and letters >= len(text.replace(" ", "")) * 0.6:
            return text.strip()[:100]
    return ""


def _total(texts: list[str]) -> Decimal | None:
    for index, text in enumerate(texts):
        if TOTAL_WORDS.search(text) and not NOT_TOTAL.search(text):
            amounts = _amounts(text) or (_amounts(texts[index + 1]) if index + 1 < len(texts) else [])
            if amounts:
                return amounts[-1]
    every = [amount for text in texts for amount in _amounts(text)]
    return max(every) if every else None


def fields_extract(texts: list[str], *, currency: str, exponent: int, month_first: bool = False) -> Fields:
    """The fields a receipt's lines of text give; ``currency`` (the tenant's) when none is printed."""
    joined = "\n".join(texts)
    total = _total(texts)
    found_currency = next((code for mark, code in CURRENCIES.items() if mark in joined), currency)
    number = NUMBER.search(joined)
    return Fields(
        merchant=_merchant(texts),
        purchase_date=next((d for text in texts if (d := _date(text, month_first)) is not None), None),
        total=int(total * 10**exponent) if total is not None else None,
        currency=found_currency,
        receipt_number=number.group(1)[:40] if number else "",
    )
