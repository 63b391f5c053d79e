"""On a desktop and on a phone: a panelist photographs a receipt and confirms what a real worker read;
a reviewer approves it with the keyboard; the month's milestone is credited and the wallet shows it;
a second receipt is rejected, appealed, and decided by another reviewer."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from django.utils import timezone

from consent.services.consent import consent_grant
from receipts.models import Receipt, ReceiptDecision
from rewards.models import LedgerTransaction
from rewards.services.settings import reward_settings_update
from tenants.roles import Role
from tests.browser.helpers import ON_DESKTOP_AND_PHONE, assert_fits_the_screen, staff_sign_in
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    PanelistFactory,
    TenantFactory,
    UserFactory,
    activate_totp,
    publish,
)
from tests.receipts.generator import receipt_draw

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _send_and_confirm(page, url: str, photo: Path, total: str) -> str:
    """Send a photo from the receipts page, wait for the reading, correct the total and confirm."""
    page.goto(url)
    page.set_input_files("[data-testid=receipt-camera]", str(photo))
    page.click("[data-testid=receipt-form] button[type=submit]")
    page.wait_for_selector("[data-testid=confirm-form]", timeout=90_000)  # the page refreshes while it is read
    assert page.locator("input[name=merchant]").input_value() != ""  # prefilled by the reader
    page.fill("input[name=total]", total)
    page.click("[data-testid=confirm-form] button[type=submit]")
    page.wait_for_selector("text=Thank you: your receipt is confirmed.")
    return str(page.url)


def _reviewer(tenant, email: str):
    user = UserFactory.create(email=email)
    MembershipFactory.create(tenant=tenant, user=user, role=Role.REVIEWER)
    return user, activate_totp(user)


@ON_DESKTOP_AND_PHONE
def test_a_receipt_is_sent_confirmed_approved_and_paid_and_a_rejection_is_appealed(
    browser, live_server, celery_worker_process, screenshot_dir: Path, tmp_path: Path, device, viewport
) -> None:
    slug = f"shoppers-{device}"
    tenant = TenantFactory.create(
        slug=slug, name="Shoppers Panel", currency="EUR", country="FR", timezone="Europe/Paris"
    )
    publish(tenant, "receipts")
    reward_settings_update(tenant=tenant, values={"receipts_required": 1, "receipts_reward": 1000})
    panelist = PanelistFactory.create(tenant=tenant)
    consent_grant(tenant=tenant, subject=panelist.public_id, purpose_key="receipts", language="en", method="web",
                  actor="subject")  # fmt: skip
    first_reviewer, first_secret = _reviewer(tenant, f"ann-{device}@shoppers.test")
    second_reviewer, second_secret = _reviewer(tenant, f"bob-{device}@shoppers.test")
    rng = random.Random(f"receipts-{device}")
    today = timezone.localdate(timezone=tenant.tzinfo)
    photos = []
    for n in range(2):
        drawn = receipt_draw(rng, purchase_date=today, rotate=0, noise=False)
        photos.append(tmp_path / f"receipt-{n}.png")
        photos[-1].write_bytes(drawn.png)

    # 1. the panelist sends a photo and confirms the fields (correcting the total the reader found)
    assert panelist.user is not None
    context = browser.new_context(viewport=viewport, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/t/{slug}/receipts/")
    page.fill("input[name=login]", panelist.user.email)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"**/t/{slug}/receipts/")
    assert_fits_the_screen(page)
    page.screenshot(path=str(screenshot_dir / f"receipts-send-{device}.png"), full_page=True)
    receipts_url = f"{live_server.url}/t/{slug}/receipts/"
    first_url = _send_and_confirm(page, receipts_url, photos[0], "1.00")
    assert page.locator("[data-testid=receipt-status]").inner_text() == "Under review"
    assert page.locator("[data-testid=receipt-image]").count() == 1  # the stored picture, through a signed link
    assert_fits_the_screen(page)
    page.screenshot(path=str(screenshot_dir / f"receipt-confirmed-{device}.png"), full_page=True)

    # 2. a reviewer sees the flag and approves with the keyboard
    staff = browser.new_context(viewport=viewport, locale="en-US")
    console = staff.new_page()
    staff_sign_in(console, f"{live_server.url}/t/{slug}/console/receipts/review/", first_reviewer.email, first_secret)
    assert "total_mismatch" in console.locator("[data-testid=review-flags]").inner_text()
    assert_fits_the_screen(console)
    console.screenshot(path=str(screenshot_dir / f"receipts-review-{device}.png"), full_page=True)
    console.keyboard.press("a")
    console.wait_for_selector("[data-testid=queue-empty]")

    # 3. the milestone is credited at once and the wallet shows it
    assert LedgerTransaction.objects.unscoped().filter(tenant=tenant, reason="receipts").count() == 1
    page.goto(f"{live_server.url}/t/{slug}/wallet/")
    assert page.locator("[data-testid=balance]").inner_text() == "10.00 EUR"
    assert "Receipts of" in page.content()
    assert_fits_the_screen(page)
    page.screenshot(path=str(screenshot_dir / f"receipts-wallet-{device}.png"), full_page=True)

    # 4. a second receipt is rejected; the panelist appeals; another reviewer decides
    second_url = _send_and_confirm(page, receipts_url, photos[1], "2.00")
    console.goto(f"{live_server.url}/t/{slug}/console/receipts/review/")
    console.select_option("[data-testid=reject-reason]", "total_mismatch")
    console.fill("input[name=note]", "The receipt says otherwise.")
    console.click("[data-testid=reject]")
    console.wait_for_selector("[data-testid=queue-empty]")
    page.goto(second_url)
    assert "The total you confirmed differs from the one on the receipt." in page.content()
    page.fill("[data-testid=appeal-form] textarea", "I typed it wrong.")
    page.click("[data-testid=appeal-form] button[type=submit]")
    page.wait_for_selector("[data-testid=receipt-appeal]")
    console.goto(f"{live_server.url}/t/{slug}/console/receipts/review/")
    assert console.locator("[data-testid=queue-empty]").count() == 1  # not offered to the first reviewer again
    other = browser.new_context(viewport=viewport, locale="en-US")
    colleague = other.new_page()
    staff_sign_in(colleague, f"{live_server.url}/t/{slug}/console/receipts/review/", second_reviewer.email,
                  second_secret)  # fmt: skip
    assert colleague.locator("[data-testid=review-appeal]").count() == 1
    colleague.click("[data-testid=approve]")
    colleague.wait_for_selector("[data-testid=queue-empty]")
    page.goto(second_url)
    decisions = page.locator("[data-testid=receipt-decisions]").inner_text()
    assert "on appeal" in decisions
    assert decisions.count("We emailed you about this decision.") == 2  # the rejection, then the appeal decided
    assert_fits_the_screen(page)
    page.screenshot(path=str(screenshot_dir / f"receipt-appealed-{device}.png"), full_page=True)
    for browser_context in (context, staff, other):
        browser_context.close()
    appeal_decision = ReceiptDecision.objects.unscoped().filter(tenant=tenant, on_appeal=True).get()
    assert appeal_decision.reviewer == second_reviewer
    assert first_url != second_url
    assert Receipt.objects.unscoped().filter(tenant=tenant, status="approved").count() == 2
