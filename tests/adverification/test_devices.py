"""Pairing a browser with a one-time code, listing and revoking devices, the cap, the age of 18, and
a withdrawal of consent that revokes every device at once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from adverification.errors import BelowProgramAge, DeviceCapReached, PairingCodeInvalid
from adverification.models import Device, PairingCode
from adverification.selectors import device_for_token
from adverification.services.devices import device_pair, device_revoke, pairing_code_create
from consent.errors import ConsentRequired
from consent.services.consent import consent_withdraw
from core.errors import RateLimited
from tests.adverification.helpers import ad_panel, consenting_panelist, paired, signed_in
from tests.factories import PanelistFactory

pytestmark = pytest.mark.django_db


def test_a_code_of_eight_characters_pairs_one_browser_once_and_only_its_hash_is_kept() -> None:
    panelist = consenting_panelist(ad_panel())

    issued = pairing_code_create(panelist=panelist)
    device = device_pair(code=issued.code.lower(), name="Firefox at home", client_ip="192.0.2.1")

    assert len(issued.code.replace("-", "")) == 8
    assert issued.expires_at - timezone.now() <= timedelta(minutes=10)
    stored = PairingCode.objects.for_tenant(panelist.tenant).get()
    assert issued.code.replace("-", "") not in stored.code_hash
    assert stored.used_at is not None
    assert device.token not in Device.objects.for_tenant(panelist.tenant).get().token_hash
    assert device_for_token(token=device.token) == device.device
    with pytest.raises(PairingCodeInvalid):
        device_pair(code=issued.code, name="again", client_ip="192.0.2.1")


def test_a_code_expires_after_ten_minutes_and_a_new_code_voids_the_last() -> None:
    panelist = consenting_panelist(ad_panel())
    first = pairing_code_create(panelist=panelist)
    second = pairing_code_create(panelist=panelist)

    with pytest.raises(PairingCodeInvalid):
        device_pair(code=first.code, name="old code", client_ip="192.0.2.1")
    # ten minutes and a second later
    PairingCode.objects.for_tenant(panelist.tenant).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(PairingCodeInvalid):
        device_pair(code=second.code, name="late", client_ip="192.0.2.1")


def test_guessing_codes_from_one_address_is_stopped() -> None:
    ad_panel()
    for _ in range(10):
        with pytest.raises(PairingCodeInvalid):
            device_pair(code="AAAA-AAAA", name="guess", client_ip="198.51.100.7")
    with pytest.raises(RateLimited):
        device_pair(code="AAAA-AAAA", name="guess", client_ip="198.51.100.7")


def test_pairing_needs_consent_to_ad_verification() -> None:
    panelist = PanelistFactory.create(tenant=ad_panel())

    with pytest.raises(ConsentRequired):
        pairing_code_create(panelist=panelist)
    assert not PairingCode.objects.for_tenant(panelist.tenant).exists()


def test_a_panelist_pairs_at_most_the_cap_of_devices_and_a_revoked_one_frees_a_place() -> None:
    panelist = consenting_panelist(ad_panel())  # the cap is 2
    first, _second = paired(panelist), paired(panelist)

    with pytest.raises(DeviceCapReached):
        pairing_code_create(panelist=panelist)
    device_revoke(device=first.device)
    assert paired(panelist).device.is_active
    assert device_for_token(token=first.token) is None


def test_in_a_panel_open_to_sixteen_year_olds_a_minor_cannot_pair_and_nothing_is_kept() -> None:
    panelist = consenting_panelist(ad_panel(minimum_age=16))
    seventeen = timezone.now().date().replace(year=timezone.now().year - 17)

    with pytest.raises(BelowProgramAge):
        pairing_code_create(panelist=panelist, date_of_birth=seventeen)
    assert not PairingCode.objects.for_tenant(panelist.tenant).exists()
    assert pairing_code_create(panelist=panelist, date_of_birth=date(1990, 5, 1)).code


def test_withdrawing_consent_revokes_every_device_at_once() -> None:
    panelist = consenting_panelist(ad_panel())
    devices = [paired(panelist), paired(panelist)]

    consent_withdraw(tenant=panelist.tenant, subject=panelist.public_id, purpose_key="ad_verification",
                     method="web", actor="subject")  # fmt: skip

    reasons = set(Device.objects.for_tenant(panelist.tenant).values_list("revoked_reason", flat=True))
    assert reasons == {Device.Revoked.WITHDRAWN}
    assert all(device_for_token(token=d.token) is None for d in devices)


def test_the_panelist_pairs_lists_and_removes_devices_on_their_page() -> None:
    panelist = consenting_panelist(ad_panel())
    client = signed_in(panelist)
    slug = panelist.tenant.slug

    page = client.post(f"/t/{slug}/ad-verification/pair/")
    code = page.context["issued"].code
    device = device_pair(code=code, name="Chromium on Linux", client_ip="192.0.2.1").device
    listed = client.get(f"/t/{slug}/ad-verification/")
    removed = client.post(f"/t/{slug}/ad-verification/devices/{device.pk}/revoke/")

    assert page.status_code == 200
    assert code.encode() in page.content
    assert b"Chromium on Linux" in listed.content
    assert removed.status_code == 302
    assert Device.objects.for_tenant(panelist.tenant).get().revoked_reason == Device.Revoked.PANELIST


def test_another_panelists_device_cannot_be_removed() -> None:
    tenant = ad_panel()
    owner, other = consenting_panelist(tenant), consenting_panelist(tenant)
    device = paired(owner).device
    client = signed_in(other)

    assert client.post(f"/t/{tenant.slug}/ad-verification/devices/{device.pk}/revoke/").status_code == 404
    assert Device.objects.for_tenant(tenant).get().is_active
