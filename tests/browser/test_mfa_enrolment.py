"""A new owner's way in: sign in, get the code by email, type it, set up TOTP, keep the recovery
codes, and reach the console; the next sign-in asks for the app's code."""

from __future__ import annotations

from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator

from tenants.roles import Role
from tests.browser.helpers import ON_DESKTOP_AND_PHONE, assert_fits_the_screen, staff_enrol_totp, staff_sign_in
from tests.factories import PASSWORD, MembershipFactory, TenantFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@ON_DESKTOP_AND_PHONE
def test_a_new_owner_sets_up_totp_with_the_emailed_code(browser, live_server, screenshot_dir: Path, device, viewport):
    owner = UserFactory.create(email=f"new-owner-{device}@hillside.test")
    MembershipFactory.create(tenant=TenantFactory.create(slug="hillside"), user=owner, role=Role.OWNER)
    context = browser.new_context(viewport=viewport, locale="en-US")
    page = context.new_page()

    # they sign in with their password, and are asked to confirm it is them by email first
    page.goto(f"{live_server.url}/t/hillside/console/")
    page.fill("input[name=login]", owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/accounts/2fa/email-code/**")
    assert "n•••@hillside.test" in page.locator("[data-testid=send-code]").inner_text()
    assert_fits_the_screen(page)
    page.screenshot(path=str(screenshot_dir / f"mfa-enrolment-1-email-code-{device}.png"), full_page=True)

    # the code from the email, the password again, then the authenticator app's code
    secret = staff_enrol_totp(page, owner.email)

    # the recovery codes are shown at once
    codes = page.locator("#recovery_codes").input_value().split()
    assert len(codes) == 10
    assert_fits_the_screen(page)
    page.screenshot(path=str(screenshot_dir / f"mfa-enrolment-2-recovery-codes-{device}.png"), full_page=True)
    assert Authenticator.objects.filter(user=owner, type="totp").exists()

    # the console opens in this session, and the next sign-in asks for the app's code
    page.goto(f"{live_server.url}/t/hillside/console/")
    assert page.locator("h1").inner_text() == "Overview"
    context.close()
    again = browser.new_context(viewport=viewport, locale="en-US").new_page()
    staff_sign_in(again, f"{live_server.url}/t/hillside/console/", owner.email, secret)
    assert again.locator("h1").inner_text() == "Overview"
