"""Hostile files, crafted for real: each is what an attacker (or a broken phone) would send."""

from __future__ import annotations

import io
import zipfile

from PIL import Image

from tests.receipts.generator import jpeg_of


def small_photo() -> Image.Image:
    return Image.new("RGB", (300, 400), "white")


def decompression_bomb() -> bytes:
    """A PNG of 144 million pixels that compresses to a few hundred kilobytes."""
    out = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(out, format="PNG", optimize=True)
    return out.getvalue()


def jpeg_zip_polyglot() -> bytes:
    """A valid JPEG with a ZIP archive appended: image viewers show the photo, unzip finds the archive."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.sh", "#!/bin/sh\necho owned\n")
    return jpeg_of(small_photo()) + archive.getvalue()


def jpeg_html_polyglot() -> bytes:
    """A valid JPEG whose comment segment is a web page: served as HTML, a browser would run it."""
    return jpeg_of(small_photo(), comment=b"<html><body><script>alert(document.cookie)</script></body></html>")


def pdf_of_pages(count: int) -> bytes:
    pages = [Image.new("RGB", (200, 280), "white") for _ in range(count)]
    out = io.BytesIO()
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:])
    return out.getvalue()


def truncated_jpeg() -> bytes:
    data = jpeg_of(Image.effect_noise((600, 800), 40).convert("RGB"))
    return data[: len(data) // 2]


def truncated_png() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((400, 400), 40).save(out, format="PNG")
    return out.getvalue()[:-300]


def photo_with_gps() -> bytes:
    """A JPEG whose EXIF says where it was taken (the GPS IFD, tag 0x8825) and with which camera."""
    image = small_photo()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    gps = {1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def heic_of(image: Image.Image, *, exif: Image.Exif | None = None) -> bytes:
    """The image as an iPhone would send it: HEIC (HEVC inside ISO base media boxes), with its EXIF."""
    import pillow_heif

    out = io.BytesIO()
    heif = pillow_heif.from_pillow(image.convert("RGB"))
    heif.save(out, quality=85, **({"exif": exif.tobytes()} if exif is not None else {}))
    return out.getvalue()


def truncated_heic() -> bytes:
    data = heic_of(Image.effect_noise((600, 800), 40).convert("RGB"))
    return data[: len(data) * 2 // 3]


def heic_with_data_appended() -> bytes:
    """A valid HEIC followed by bytes that are no box of it (a second file riding along)."""
    return heic_of(small_photo()) + b"\x00\x01\x02\x03 this is not part of the picture \xff\xfe"
