"""A manager starts a monthly payout run and watches its progress while a real Celery worker pays
it; finance's batch is marked paid; a panelist finds the gift-card code in the wallet."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewards.models import GiftCard, Payout, PayoutPreference, PayoutRun
from rewards.services.ledger import panelist_credit
from tenants.roles import Role
from tests.browser.helpers import assert_fits_the_screen, staff_sign_in
from tests.factories import PASSWORD, MembershipFactory, PanelistFactory, TenantFactory, UserFactory, activate_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("device", "viewport"), [("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})]
)
def test_a_manager_runs_the_monthly_payout_and_a_panelist_sees_the_code(
    browser, live_server, celery_worker_process, screenshot_dir: Path, device, viewport
) -> None:
    slug = f"goldcoast-{device}"
    tenant = TenantFactory.create(slug=slug, name="Gold Coast Panel", currency="EUR")
    panelists = PanelistFactory.create_batch(12, tenant=tenant)
    for n, panelist in enumerate(panelists):
        panelist_credit(panelist=panelist, amount=1000 + 50 * n, reason="survey", idempotency_key=f"s:{n}",
                        source=f"survey:{n}")  # fmt: skip
    gifted = panelists[0]
    PayoutPreference.objects.create(tenant=tenant, panelist=gifted, method="gift_card")
    GiftCard.objects.create(tenant=tenant, code=f"GOLD-{device.upper()}-0001", value=1000, currency="EUR")
    manager = UserFactory.create(email=f"manager-{device}@goldcoast.test")
    MembershipFactory.create(tenant=tenant, user=manager, role=Role.MANAGER)
    secret = activate_totp(manager)

    staff = browser.new_context(viewport=viewport, locale="en-US")
    console = staff.new_page()
    staff_sign_in(console, f"{live_server.url}/t/{slug}/console/payouts/", manager.email, secret)

    # start October's run by hand; the worker plans and pays it
    console.fill("input[name=period]", "2026-10")
    console.click("text=Start the run")
    console.wait_for_url(f"**/t/{slug}/console/payouts/")
    for _ in range(60):
        if PayoutRun.objects.unscoped().filter(tenant=tenant).exists():
            break
        console.wait_for_timeout(500)
    run = PayoutRun.objects.unscoped().get(tenant=tenant)
    console.goto(f"{live_server.url}/t/{slug}/console/payouts/runs/{run.pk}/")
    console.wait_for_selector("[data-testid=run-progress][data-status=done]", timeout=60_000)
    assert console.locator("[data-testid=run-amount]").inner_text() == "153.00 EUR"  # 12 balances, 10.00 to 15.50
    assert console.locator("tr[data-status=pending]").count() == 11
    assert console.locator("tr[data-status=paid]").count() == 1
    assert_fits_the_screen(console)
    console.screenshot(path=str(screenshot_dir / f"payout-run-{device}.png"), full_page=True)

    # finance gets the batch, and marks it paid
    console.goto(f"{live_server.url}/t/{slug}/console/payouts/providers/")
    console.click("text=Make a batch for finance")
    console.click("text=Mark paid")
    console.wait_for_selector("text=11 payouts marked paid.")
    assert_fits_the_screen(console)
    console.screenshot(path=str(screenshot_dir / f"payout-providers-{device}.png"), full_page=True)
    staff.close()
    assert set(Payout.objects.unscoped().filter(run=run).values_list("status", flat=True)) == {"paid"}

    # the panelist who chose a gift card finds the code in the wallet
    assert gifted.user is not None
    context = browser.new_context(viewport=viewport, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/t/{slug}/wallet/")
    page.fill("input[name=login]", gifted.user.email)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"**/t/{slug}/wallet/")
    assert page.locator("[data-testid=gift-code]").inner_text() == f"GOLD-{device.upper()}-0001"
    assert_fits_the_screen(page)
    page.screenshot(path=str(screenshot_dir / f"wallet-{device}.png"), full_page=True)
    context.close()
