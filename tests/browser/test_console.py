"""An owner signs in with email, password and TOTP, sees the console, and switches it to French."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenants.roles import Role
from tests.browser.helpers import assert_fits_the_screen
from tests.conftest import totp_now
from tests.factories import PASSWORD, MembershipFactory, PanelistFactory, TenantFactory, UserFactory, activate_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("device", "viewport"),
    [("desktop", {"width": 1280, "height": 800}), ("phone", {"width": 390, "height": 844})],
)
def test_an_owner_signs_in_with_totp_and_uses_the_console_in_french(
    browser, live_server, screenshot_dir: Path, device: str, viewport: dict[str, int]
) -> None:
    # given an owner with TOTP, of a tenant with a few panelists
    tenant = TenantFactory.create(slug="riverside", name="Riverside Shoppers")
    owner = UserFactory.create(email=f"owner-{device}@riverside.test")
    MembershipFactory.create(tenant=tenant, user=owner, role=Role.OWNER)
    secret = activate_totp(owner)
    PanelistFactory.create_batch(3, tenant=tenant)
    context = browser.new_context(viewport=viewport, locale="en-US")
    page = context.new_page()

    # when they open the console, they are asked to sign in
    page.goto(f"{live_server.url}/t/riverside/console/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=login]", owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")

    # then for their TOTP code
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    page.fill("input[name=code]", totp_now(secret))
    page.press("input[name=code]", "Enter")

    # and land on the console
    page.wait_for_url("**/t/riverside/console/")
    assert page.locator("h1").inner_text() == "Overview"
    assert page.locator("[data-nav=api_keys]").is_visible()
    assert "3" in page.locator(".cards").inner_text()
    assert_fits_the_screen(page)
    page.screenshot(path=str(screenshot_dir / f"console-{device}-en.png"), full_page=True)

    # when they switch the language to French
    page.select_option("select[name=language]", "fr")
    page.click(".lang-switch button")

    # then the console speaks French
    page.wait_for_function("document.documentElement.lang === 'fr'")
    assert page.locator("h1").inner_text() == "Vue d\u2019ensemble"
    assert page.locator("[data-nav=panelists]").inner_text() == "Panélistes"
    assert "10\u00a0000" in page.locator(".cards").inner_text()  # French number formatting
    page.screenshot(path=str(screenshot_dir / f"console-{device}-fr.png"), full_page=True)
    context.close()
