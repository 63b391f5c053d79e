"""Hostile and broken files are refused with a clear reason before anything decodes them, and nothing
of them is stored; good photos are kept re-encoded, without their metadata."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from django.test import override_settings
from PIL import Image

from panel.models import Panelist
from receipts.intake import FileRefused, pages_from_upload
from receipts.models import Receipt, ReceiptImage
from receipts.selectors import SIMILAR_BITS
from receipts.services.submission import receipt_submit
from tests.receipts import hostile
from tests.receipts.conftest import stored_files
from tests.receipts.generator import jpeg_of, receipt_draw

LIMITS = {"max_bytes": 10_000_000, "max_images": 5, "max_pages": 3}

HOSTILE = {
    "a decompression bomb": ("bomb.png", hostile.decompression_bomb, "file_too_many_pixels"),
    "a JPEG/ZIP polyglot": ("receipt.jpg", hostile.jpeg_zip_polyglot, "file_polyglot"),
    "a JPEG/HTML polyglot": ("receipt.jpg", hostile.jpeg_html_polyglot, "file_polyglot"),
    "a 100-page PDF": ("receipt.pdf", lambda: hostile.pdf_of_pages(100), "pdf_too_many_pages"),
    "a truncated JPEG": ("receipt.jpg", hostile.truncated_jpeg, "file_truncated"),
    "a truncated PNG": ("receipt.png", hostile.truncated_png, "file_truncated"),
    "a PNG named .jpg": ("receipt.jpg", lambda: _png(), "file_type_mismatch"),
    "a truncated HEIC": ("IMG_0001.heic", hostile.truncated_heic, "file_truncated"),
    "a HEIC with data appended": ("IMG_0001.heic", hostile.heic_with_data_appended, "file_polyglot"),
    "a HEIC named .jpg": ("IMG_0001.jpg", lambda: hostile.heic_of(hostile.small_photo()), "file_type_mismatch"),
    "an empty file": ("receipt.jpg", lambda: b"", "file_empty"),
    "a text file": ("receipt.jpg", lambda: b"just some text, not a picture at all" * 10, "file_type_not_allowed"),
}


def _png() -> bytes:
    out = io.BytesIO()
    hostile.small_photo().save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_file_is_refused_with_its_reason_and_nothing_is_stored(
    case: str, panelist: Panelist, receipts_folder: Path
) -> None:
    name, make, code = HOSTILE[case]
    with pytest.raises(FileRefused) as refused:
        receipt_submit(panelist=panelist, files=[(name, make())])
    assert refused.value.code == code
    assert refused.value.status_code == 400
    assert name in refused.value.fields["files"][0]
    assert Receipt.objects.for_tenant(panelist.tenant).count() == 0
    assert stored_files(receipts_folder) == []


def test_a_file_over_the_size_cap_is_refused_unread() -> None:
    with pytest.raises(FileRefused) as refused:
        pages_from_upload([("big.jpg", b"\xff\xd8\xff" + b"\0" * 2000)], max_bytes=1000, max_images=5, max_pages=3)
    assert refused.value.code == "file_too_large"


def test_more_photos_than_the_program_takes_are_refused() -> None:
    photo = jpeg_of(hostile.small_photo())
    with pytest.raises(FileRefused) as refused:
        pages_from_upload([(f"p{i}.jpg", photo) for i in range(6)], **LIMITS)
    assert refused.value.code == "too_many_files"


def test_a_pdf_with_photos_is_refused() -> None:
    with pytest.raises(FileRefused) as refused:
        pages_from_upload([("a.pdf", hostile.pdf_of_pages(1)), ("b.jpg", jpeg_of(hostile.small_photo()))], **LIMITS)
    assert refused.value.code == "pdf_not_alone"


def test_a_short_pdf_is_rendered_page_by_page() -> None:
    intake = pages_from_upload([("e-receipt.pdf", hostile.pdf_of_pages(2))], **LIMITS)
    assert intake.kind == "pdf"
    assert len(intake.pages) == 2
    assert all(Image.open(io.BytesIO(page.jpeg)).format == "JPEG" for page in intake.pages)


def test_a_photo_with_gps_in_its_exif_has_none_once_stored(panelist: Panelist, receipts_folder: Path) -> None:
    # given a photo that says where and with what it was taken
    original = hostile.photo_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    # when it is submitted
    receipt = receipt_submit(panelist=panelist, files=[("IMG_0001.jpeg", original)])
    # then what is stored, read back from storage, carries no EXIF at all, and the original is nowhere
    image = ReceiptImage.objects.for_tenant(panelist.tenant).get(receipt=receipt)
    with image.file.open("rb") as handle:
        kept = handle.read()
    assert dict(Image.open(io.BytesIO(kept)).getexif()) == {}
    assert b"Exif" not in kept
    assert b"PhoneMaker" not in kept
    assert [path.read_bytes() for path in stored_files(receipts_folder)] == [kept]
    assert original not in kept


def test_several_photos_make_one_long_receipt(panelist: Panelist, receipts_folder: Path) -> None:
    photos = [("top.jpg", jpeg_of(hostile.small_photo())), ("bottom.png", _png())]
    receipt = receipt_submit(panelist=panelist, files=photos)
    assert receipt.kind == Receipt.Kind.PHOTO
    assert receipt.status == Receipt.Status.READING
    assert [i.position for i in ReceiptImage.objects.for_tenant(panelist.tenant).filter(receipt=receipt)] == [1, 2]
    assert len(stored_files(receipts_folder)) == 2


# -- HEIC, what iPhones take -----------------------------------------------------------------------------


def test_a_heic_photo_is_decoded_kept_as_a_jpeg_without_its_metadata_and_looks_like_the_receipt(
    panelist: Panelist, receipts_folder: Path, rng: random.Random
) -> None:
    # given a receipt photographed as HEIC, with GPS and the camera in its EXIF
    drawn = receipt_draw(rng, rotate=0, noise=False)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)}
    original = hostile.heic_of(drawn.image, exif=exif)
    assert original[4:12] == b"ftypheic"
    # when it is sent
    receipt = receipt_submit(panelist=panelist, files=[("IMG_0001.HEIC", original)])
    # then a JPEG of its pixels is kept, with no EXIF, at the photo's size
    image = ReceiptImage.objects.for_tenant(panelist.tenant).get(receipt=receipt)
    with image.file.open("rb") as handle:
        kept = handle.read()
    stored = Image.open(io.BytesIO(kept))
    assert (stored.format, stored.size) == ("JPEG", drawn.image.size)
    assert dict(stored.getexif()) == {}
    assert b"PhoneMaker" not in kept
    assert [path.read_bytes() for path in stored_files(receipts_folder)] == [kept]
    # and it is the same receipt as the one drawn: its perceptual hash is the PNG's, within the noise
    from_png = pages_from_upload([("same.png", drawn.png)], **LIMITS).pages[0].phash
    differing = bin(int(image.phash, 16) ^ int(from_png, 16)).count("1")
    assert differing <= SIMILAR_BITS


def test_a_heic_with_more_pixels_than_the_cap_is_refused_before_it_is_decoded(receipts_folder: Path) -> None:
    with override_settings(RECEIPTS_MAX_PIXELS=100_000), pytest.raises(FileRefused) as refused:
        pages_from_upload([("big.heic", hostile.heic_of(Image.new("RGB", (400, 400), "white")))], **LIMITS)
    assert refused.value.code == "file_too_many_pixels"
    assert stored_files(receipts_folder) == []
