"""A panelist gives and withdraws consent with one click each and opens the signed receipt;
an auditor finds the events and verifies the chain."""

from __future__ import annotations

from pathlib import Path

import pytest

from consent.models import ConsentEvent
from tenants.roles import Role
from tests.browser.helpers import assert_fits_the_screen, staff_sign_in
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    PanelistFactory,
    TenantFactory,
    UserFactory,
    activate_totp,
    publish,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("device", "viewport"), [("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})]
)
def test_a_panelist_consents_withdraws_and_an_auditor_verifies(
    browser, live_server, screenshot_dir: Path, device, viewport
) -> None:
    tenant = TenantFactory.create(slug="brightside", name="Brightside Panel")
    for key in ("membership", "surveys", "receipts"):
        publish(tenant, key)
    panelist = PanelistFactory.create(tenant=tenant)
    assert panelist.user is not None
    context = browser.new_context(viewport=viewport, locale="en-US")
    page = context.new_page()

    # the panelist signs in and opens "My consents"
    page.goto(f"{live_server.url}/accounts/login/?next=/t/brightside/consents/")
    page.fill("input[name=login]", panelist.user.email)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/t/brightside/consents/")
    assert page.locator("[data-testid=status-surveys]").inner_text().strip() == "Not given"

    # one click to give consent, in place
    page.click("[data-testid=grant-surveys]")
    page.wait_for_selector("#purpose-surveys[data-status=active]")
    assert page.locator("#purpose-surveys [data-testid=receipt-link]").is_visible()
    assert_fits_the_screen(page)
    page.screenshot(path=str(screenshot_dir / f"consents-{device}.png"), full_page=True)

    # one click to withdraw, in the same place
    page.click("[data-testid=withdraw-surveys]")
    page.wait_for_selector("#purpose-surveys[data-status=withdrawn]")
    kinds = list(
        ConsentEvent.objects.unscoped().filter(tenant=tenant, subject=panelist.public_id).values_list("kind", flat=True)
    )
    assert kinds == ["grant", "withdraw"]

    # the receipt of the withdrawal
    page.click("#purpose-surveys [data-testid=receipt-link]")
    page.wait_for_url("**/consents/receipts/**")
    assert "Withdrawn" in page.locator("table").inner_text()
    page.screenshot(path=str(screenshot_dir / f"receipt-{device}.png"), full_page=True)
    context.close()

    # an auditor finds both events and verifies the chain
    auditor = UserFactory.create(email=f"auditor-{device}@brightside.test")
    MembershipFactory.create(tenant=tenant, user=auditor, role=Role.AUDITOR)
    secret = activate_totp(auditor)
    staff = browser.new_context(viewport=viewport, locale="en-US")
    console = staff.new_page()
    staff_sign_in(console, f"{live_server.url}/t/brightside/console/consent/?subject={panelist.public_id}",
                  auditor.email, secret)  # fmt: skip
    assert console.locator("table tbody tr").count() == 2
    console.click("[data-testid=verify]")
    console.wait_for_selector("#verify-result[data-ok=true]")
    assert_fits_the_screen(console)
    console.screenshot(path=str(screenshot_dir / f"auditor-{device}.png"), full_page=True)
    staff.close()
