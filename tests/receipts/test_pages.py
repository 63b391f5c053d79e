"""The panelist's receipts pages: send a photo, see it, confirm it; refusals come back on the same page."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from consent.services.consent import consent_withdraw
from panel.models import Panelist
from receipts.models import Receipt
from receipts.services.submission import receipt_read
from tests.receipts import hostile
from tests.receipts.conftest import stored_files
from tests.receipts.generator import jpeg_of

pytestmark = pytest.mark.django_db


def _client(panelist: Panelist) -> Client:
    client = Client()
    assert panelist.user is not None
    client.force_login(panelist.user)
    return client


def _photo(name: str = "receipt.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, jpeg_of(hostile.small_photo()), content_type="image/jpeg")


def test_a_panelist_sends_a_photo_and_lands_on_the_receipt_being_read(
    panelist: Panelist, receipts_folder: Path
) -> None:
    client = _client(panelist)
    slug = panelist.tenant.slug
    page = client.get(reverse("receipts", kwargs={"tenant_slug": slug}))
    assert page.status_code == 200
    assert 'capture="environment"' in page.content.decode()
    response = client.post(reverse("receipt_send", kwargs={"tenant_slug": slug}), {"files": [_photo()]})
    receipt = Receipt.objects.for_tenant(panelist.tenant).get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "receipt_detail", kwargs={"tenant_slug": slug, "public_id": receipt.public_id}
    )
    detail = client.get(response["Location"])
    assert "Being read" in detail.content.decode()
    assert len(stored_files(receipts_folder)) == 1


def test_a_refused_file_comes_back_on_the_page_with_its_reason(panelist: Panelist, receipts_folder: Path) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = _client(panelist)
    bomb = SimpleUploadedFile("bomb.png", hostile.decompression_bomb(), content_type="image/png")
    response = client.post(reverse("receipt_send", kwargs={"tenant_slug": panelist.tenant.slug}), {"files": [bomb]})
    assert response.status_code == 400
    assert "more pixels than a receipt needs" in response.content.decode()
    assert stored_files(receipts_folder) == []


def test_after_a_withdrawal_nothing_new_is_accepted(panelist: Panelist, receipts_folder: Path) -> None:
    consent_withdraw(tenant=panelist.tenant, subject=panelist.public_id, purpose_key="receipts", method="web",
                     actor="subject")  # fmt: skip
    client = _client(panelist)
    response = client.post(reverse("receipt_send", kwargs={"tenant_slug": panelist.tenant.slug}), {"files": [_photo()]})
    assert response.status_code == 403
    assert Receipt.objects.for_tenant(panelist.tenant).count() == 0
    assert stored_files(receipts_folder) == []


def test_the_panelist_confirms_the_fields_and_sees_the_image_through_a_signed_link(panelist: Panelist) -> None:
    client = _client(panelist)
    slug = panelist.tenant.slug
    client.post(reverse("receipt_send", kwargs={"tenant_slug": slug}), {"files": [_photo()]})
    receipt = Receipt.objects.for_tenant(panelist.tenant).get()
    receipt_read(receipt_id=receipt.pk)  # a blank photo: nothing to read
    detail = client.get(reverse("receipt_detail", kwargs={"tenant_slug": slug, "public_id": receipt.public_id}))
    image_url = detail.context["images"][0]
    assert Client().get(image_url).status_code == 200  # the link itself is the key, for a few minutes
    assert Client().get(image_url[:-3] + "abc/").status_code == 404
    refused = client.post(
        reverse("receipt_fields_confirm", kwargs={"tenant_slug": slug, "public_id": receipt.public_id}),
        {"merchant": "Bio Market", "purchase_date": "not a date", "total": "12.50"},
    )
    assert refused.status_code == 400
    assert 'value="12.50"' in refused.content.decode()  # what was typed comes back
    response = client.post(
        reverse("receipt_fields_confirm", kwargs={"tenant_slug": slug, "public_id": receipt.public_id}),
        {"merchant": "Bio Market", "purchase_date": "2026-11-20", "total": "12.50"},
    )
    assert response.status_code == 302
    receipt.refresh_from_db()
    assert (receipt.merchant, receipt.total, receipt.status) == ("Bio Market", 1250, Receipt.Status.REVIEW)
    assert receipt.checks.filter(code="unreadable").exists()


def test_another_panelists_receipt_is_a_404(panelist: Panelist) -> None:
    from tests.receipts.conftest import consenting_panelist

    other = consenting_panelist(panelist.tenant)
    receipt = Receipt.objects.create(tenant=panelist.tenant, panelist=other, kind="photo")
    url = reverse("receipt_detail", kwargs={"tenant_slug": panelist.tenant.slug, "public_id": receipt.public_id})
    assert _client(panelist).get(url).status_code == 404
