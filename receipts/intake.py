"""Safe intake of an uploaded receipt file: everything is checked before anything decodes it.

In order, for each file:
1. its size (empty, or over the program's cap, is refused unread);
2. its type, sniffed from the bytes with ``filetype``: it must be in ``ALLOWED`` (JPEG, PNG, WebP,
   HEIC, PDF) and agree with the file's name (a PNG named ``.jpg`` is refused);
3. its structure: a file that hides another format (a ZIP's directory, markup, an executable) is a
   polyglot and refused; one that stops before its format's end marker is truncated and refused;
4. decoding: Pillow with the one format the bytes were sniffed as and a pixel cap read from the header
   before any pixel is decoded (decompression bombs), PDFs through pypdfium2 with a page cap and each
   page rendered to a bounded size;
5. re-encoding: every page becomes a fresh JPEG built from pixels only, so no EXIF, GPS or other
   metadata, and none of the uploaded bytes, is ever stored.

Nothing here writes: the service stores what ``pages_from_upload`` returns.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from pathlib import PurePath

import filetype
import imagehash
import numpy as np
import pillow_heif
import pypdfium2
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from core.errors import DomainError

# sniffed MIME type -> (the file name endings that agree with it, Pillow's format name or "" for PDF)
ALLOWED: dict[str, tuple[frozenset[str], str]] = {
    "image/jpeg": (frozenset({"jpg", "jpeg"}), "JPEG"),
    "image/png": (frozenset({"png"}), "PNG"),
    "image/webp": (frozenset({"webp"}), "WEBP"),
    "image/heic": (frozenset({"heic", "heif"}), "HEIF"),  # what iPhones take; decoded by pillow-heif
    "application/pdf": (frozenset({"pdf"}), ""),
}
# HEIC decoding (libheif, shipped in pillow-heif's wheel) registers with Pillow, which still opens
# only the one format a file was sniffed as. Thumbnails embedded in the file are never decoded.
pillow_heif.register_heif_opener(thumbnails=False)
LONGEST_SIDE = 2400  # pixels of a stored page: enough to read a receipt, no more
JPEG_QUALITY = 85

# Other formats hiding inside an image or a PDF. A ZIP is read from its end (its central directory),
# so an appended archive is found by the end-of-directory record; markup by its opening tags.
ARCHIVE_MARKERS = (b"PK\x05\x06", b"PK\x03\x04", b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c")
MARKUP = re.compile(rb"<\s*(?:html|script|body|svg|iframe|object|embed|\?php|!doctype)", re.IGNORECASE)
EXECUTABLE_MARKERS = (b"\x7fELF",)


class FileRefused(DomainError):
    """An upload refused before it was stored; ``code`` says why, ``fields`` names the file."""

    code = "file_refused"


@dataclass(frozen=True)
class Page:
    jpeg: bytes  # the re-encoded page: the only thing kept
    width: int
    height: int
    phash: str


@dataclass(frozen=True)
class Intake:
    kind: str  # "photo" or "pdf"
    pages: list[Page]


def _refuse(name: str, code: str, message: str) -> FileRefused:
    return FileRefused(f"{name}: {message}", code=code, fields={"files": [f"{name}: {message}"]})


def sniff(name: str, data: bytes, *, max_bytes: int) -> str:
    """The file's MIME type from its bytes, once its size, type, name and structure are acceptable."""
    if not data:
        raise _refuse(name, "file_empty", _("the file is empty."))
    if len(data) > max_bytes:
        raise _refuse(name, "file_too_large", _("the file is larger than %(mb)s MB.") % {"mb": max_bytes // 1_000_000})
    kind = filetype.guess(data)
    mime = kind.mime if kind is not None else ""
    if mime not in ALLOWED:
        raise _refuse(name, "file_type_not_allowed", _("send a photo (JPEG, PNG, WebP or HEIC) or a PDF."))
    extension = PurePath(name).suffix.lower().lstrip(".")
    if extension not in ALLOWED[mime][0]:
        raise _refuse(name, "file_type_mismatch", _("the file's name does not match what it contains."))
    _structure_check(name, data, mime)
    return mime


def _structure_check(name: str, data: bytes, mime: str) -> None:
    if any(marker in data for marker in ARCHIVE_MARKERS + EXECUTABLE_MARKERS):
        raise _refuse(name, "file_polyglot", _("the file hides another file inside it."))
    if mime != "application/pdf" and MARKUP.search(data):
        raise _refuse(name, "file_polyglot", _("the file hides a web page inside it."))
    if mime == "image/jpeg":
        end = data.rfind(b"\xff\xd9")
        if end < 0:
            raise _refuse(name, "file_truncated", _("the image is cut short."))
        if data[end + 2 :].strip(b"\x00\xff"):
            raise _refuse(name, "file_polyglot", _("the file carries data after the end of the image."))
    elif mime == "image/png":
        end = data.rfind(b"IEND")
        if end < 0 or len(data) - (end + 8) < 0:
            raise _refuse(name, "file_truncated", _("the image is cut short."))
        if len(data) > end + 8:
            raise _refuse(name, "file_polyglot", _("the file carries data after the end of the image."))
    elif mime == "image/webp":
        declared = int.from_bytes(data[4:8], "little") + 8
        if declared > len(data):
            raise _refuse(name, "file_truncated", _("the image is cut short."))
        if declared < len(data):
            raise _refuse(name, "file_polyglot", _("the file carries data after the end of the image."))
    elif mime == "image/heic":
        _isobmff_check(name, data)
    elif b"%%EOF" not in data[-1024:]:
        raise _refuse(name, "file_truncated", _("the PDF is cut short."))


# The boxes that may stand at the top level of a HEIC file (ISO/IEC 14496-12 and 23008-12).
TOP_LEVEL_BOXES = frozenset({b"ftyp", b"meta", b"mdat", b"moov", b"moof", b"mfra", b"free", b"skip", b"wide", b"uuid",
                             b"pdin", b"styp", b"sidx", b"idat", b"iref"})  # fmt: skip


def _isobmff_check(name: str, data: bytes) -> None:
    """A HEIC file is a run of boxes (ISO base media), each opening with its size and a 4-letter type:
    they must tile the file exactly. A box running past the end is a file cut short; bytes that are no
    box of HEIC are another file appended."""
    offset = 0
    while offset < len(data):
        header = data[offset : offset + 16]
        if len(header) < 8:
            raise _refuse(name, "file_truncated", _("the image is cut short."))
        if header[4:8] not in TOP_LEVEL_BOXES:
            raise _refuse(name, "file_polyglot", _("the file carries data after the end of the image."))
        size = int.from_bytes(header[:4], "big")
        if size == 1:  # a 64-bit size follows the type
            if len(header) < 16:
                raise _refuse(name, "file_truncated", _("the image is cut short."))
            size = int.from_bytes(header[8:16], "big")
        elif size == 0:  # the last box, to the end of the file
            return
        if size < 8:
            raise _refuse(name, "file_polyglot", _("the file carries data after the end of the image."))
        offset += size
    if offset > len(data):
        raise _refuse(name, "file_truncated", _("the image is cut short."))


HASH_SIZE = 16  # a 256-bit perceptual hash: receipts look alike at 64 bits


def _skew(gray: Image.Image) -> float:
    """The small rotation (degrees) that sets the lines of text level: the angle at which the rows'
    amounts of ink vary most."""
    small = gray.copy()
    small.thumbnail((400, 400))
    best, angle = -1.0, 0.0
    for tenths in range(-40, 41, 5):
        rows = np.asarray(small.rotate(tenths / 10, expand=True, fillcolor=255), dtype=np.float32)
        score = float((255 - rows).sum(axis=1).var())
        if score > best:
            best, angle = score, tenths / 10
    return angle


def perceptual_hash(image: Image.Image) -> str:
    """The perceptual hash of a receipt, as hex: levelled, cropped to its ink, then ``imagehash.phash``.
    Levelling and cropping make a re-taken, slightly rotated or cropped photo hash the same."""
    gray = ImageOps.autocontrast(ImageOps.grayscale(image))
    gray = gray.rotate(_skew(gray), expand=True, fillcolor=255)
    ink = gray.point(lambda value: 255 if value < 128 else 0).getbbox()
    return str(imagehash.phash(gray.crop(ink) if ink else gray, hash_size=HASH_SIZE))


def _page(image: Image.Image) -> Page:
    """A fresh JPEG of the pixels only, at most LONGEST_SIDE pixels on its longest side."""
    image = image.convert("RGB")
    image.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)  # no exif= given: none written
    return Page(out.getvalue(), image.width, image.height, perceptual_hash(image))


def _decode_image(name: str, data: bytes, pil_format: str) -> Page:
    max_pixels = settings.RECEIPTS_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[pil_format])  # reads the header only
            width, height = image.size
            if width * height > max_pixels:
                raise _refuse(name, "file_too_many_pixels", _("the image has more pixels than a receipt needs."))
            if getattr(image, "n_frames", 1) > 1:
                raise _refuse(name, "file_animated", _("an animated image is not a receipt."))
            image.load()
            upright = ImageOps.exif_transpose(image)  # the photo as it was taken, then no metadata
    except FileRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(name, "file_too_many_pixels", _("the image has more pixels than a receipt needs.")) from None
    except (OSError, SyntaxError, ValueError, RuntimeError, Image.UnidentifiedImageError):  # RuntimeError: libheif
        raise _refuse(name, "file_truncated", _("the image is damaged or cut short.")) from None
    return _page(upright if upright is not None else image)


def _render_pdf(name: str, data: bytes, max_pages: int) -> list[Page]:
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        raise _refuse(name, "file_unreadable", _("the PDF cannot be opened.")) from None
    try:
        if len(document) == 0:
            raise _refuse(name, "file_unreadable", _("the PDF has no pages."))
        if len(document) > max_pages:
            raise _refuse(name, "pdf_too_many_pages", _("an e-receipt has at most %(n)s pages.") % {"n": max_pages})
        pages = []
        for index in range(len(document)):
            page = document[index]
            width, height = page.get_size()  # points
            scale = min(LONGEST_SIDE / max(width, height, 1), 200 / 72)
            bitmap = page.render(scale=scale)
            pages.append(_page(bitmap.to_pil()))
            page.close()
        return pages
    except pypdfium2.PdfiumError:
        raise _refuse(name, "file_unreadable", _("the PDF is damaged.")) from None
    finally:
        document.close()


def pages_from_upload(files: list[tuple[str, bytes]], *, max_bytes: int, max_images: int, max_pages: int) -> Intake:
    """Check and re-encode a receipt's files: several photos, or one PDF. Refuses before anything is kept."""
    if not files:
        message = _("Add a photo of the receipt, or its PDF.")
        raise FileRefused(message, code="file_missing", fields={"files": [message]})
    if len(files) > max_images:
        message = _("At most %(n)s photos for one receipt.") % {"n": max_images}
        raise FileRefused(message, code="too_many_files", fields={"files": [message]})
    mimes = [sniff(name, data, max_bytes=max_bytes) for name, data in files]
    if "application/pdf" in mimes:
        if len(files) > 1:
            message = _("Send a PDF e-receipt on its own, without photos or other PDFs.")
            raise FileRefused(message, code="pdf_not_alone", fields={"files": [message]})
        return Intake("pdf", _render_pdf(files[0][0], files[0][1], max_pages))
    return Intake(
        "photo", [_decode_image(name, data, ALLOWED[mime][1]) for (name, data), mime in zip(files, mimes, strict=True)]
    )
