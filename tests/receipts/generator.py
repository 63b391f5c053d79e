"""Synthetic purchase receipts drawn with Pillow: a known merchant, date, total and number, in one of
several fonts, some rotated a little or noisy, optionally with a card number printed on them."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONTS = [
    "DejaVuSansMono.ttf",
    "DejaVuSans.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSansCondensed.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSans-Bold.ttf",
]
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
MERCHANTS = [
    "SUPERMARCHE DUPONT",
    "CORNER GROCERY",
    "BIO MARKET",
    "CAFE DE LA GARE",
    "HARDWARE PLUS",
    "PHARMACIE CENTRALE",
]
ITEMS = ["Milk", "Bread", "Apples", "Coffee", "Butter", "Rice", "Pasta", "Soap", "Tea", "Eggs", "Cheese", "Water"]
TEST_CARD = "4111 1111 1111 1111"  # a well-known test number that passes the Luhn check


@dataclass(frozen=True)
class Drawn:
    merchant: str
    purchase_date: date
    total: int  # minor units
    number: str
    png: bytes
    image: Image.Image


def receipt_draw(
    rng: random.Random,
    *,
    merchant: str | None = None,
    purchase_date: date | None = None,
    card: bool = False,
    rotate: float | None = None,
    noise: bool | None = None,
) -> Drawn:
    merchant = merchant or rng.choice(MERCHANTS)
    purchase_date = purchase_date or date(2026, 11, 1) + timedelta(days=rng.randrange(28))
    font = ImageFont.truetype(str(FONT_DIR / rng.choice(FONTS)), rng.choice([22, 24, 26, 28]))
    items = [(name, rng.randrange(50, 2500)) for name in rng.sample(ITEMS, rng.randrange(2, 7))]
    total = sum(price for _name, price in items)
    number = f"{rng.randrange(1000, 999999):06d}"
    lines = [
        merchant,
        f"{rng.randrange(1, 99)} rue de la Paix",
        f"Date: {purchase_date:%d/%m/%Y} 10:{rng.randrange(60):02d}",
        f"Ticket no {number}",
    ]
    lines += [f"{name:<14}{price / 100:>8.2f}" for name, price in items]
    if card:
        lines.append(f"Card {TEST_CARD}")
    lines.append(f"TOTAL EUR {total / 100:>10.2f}")
    height = 80 + 55 * len(lines)
    image = Image.new("RGB", (620, height), "white")
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines):
        draw.text((36, 36 + index * 55), line, fill="black", font=font)
    angle = rotate if rotate is not None else (rng.uniform(-3, 3) if rng.random() < 0.3 else 0.0)
    if angle:
        image = image.rotate(angle, expand=True, fillcolor="white", resample=Image.Resampling.BICUBIC)
    if noise if noise is not None else rng.random() < 0.3:
        pixels = image.load()
        assert pixels is not None
        for _ in range(image.width * image.height // 60):
            x, y = rng.randrange(image.width), rng.randrange(image.height)
            pixels[x, y] = (rng.randrange(120, 255),) * 3
        image = image.filter(ImageFilter.GaussianBlur(0.6))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return Drawn(merchant, purchase_date, total, number, out.getvalue(), image)


def jpeg_of(image: Image.Image, **save: object) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", **({"quality": 90} | save))
    return out.getvalue()
