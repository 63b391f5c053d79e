from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest

from tests.conftest import totp_now
from tests.factories import PASSWORD

# A browser test run on a desktop and on a phone screen.
ON_DESKTOP_AND_PHONE = pytest.mark.parametrize(
    ("device", "viewport"), [("desktop", {"width": 1280, "height": 800}), ("phone", {"width": 390, "height": 844})]
)

# The elements that stick out past the right edge of the viewport (the page would scroll sideways).
OVERFLOWING = """() => [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
    .filter(el => { for (let box = el.parentElement; box; box = box.parentElement) {
        if (['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) return false; } return true; })
    .map(el => Math.round(el.getBoundingClientRect().right) + 'px ' + el.outerHTML.slice(0, 80))"""


def assert_fits_the_screen(page: Any) -> None:
    """Nothing but what sits in a box that scrolls sideways (``.overflow-auto``, a table on a phone) is wider
    than the screen."""
    overflowing = page.evaluate(OVERFLOWING)
    assert overflowing == [], f"the page scrolls sideways: {overflowing}"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "the page scrolls sideways"


def staff_sign_in(page: Any, url: str, email: str, secret: str, password: str = PASSWORD) -> None:
    """Open a console ``url`` as staff: the sign-in form, then the TOTP code, and back on ``url``."""
    page.goto(url)
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    page.fill("input[name=code]", totp_now(secret))
    page.press("input[name=code]", "Enter")
    page.wait_for_url(f"**{urlparse(url).path}**")


def staff_enrol_totp(page: Any, email: str) -> str:
    """From the page that asks for the emailed code (where staff without TOTP are sent): send the code,
    type it from the email, give the password again, and activate TOTP with the app's code. Returns
    the secret; the page is left on the recovery codes."""
    from tests.conftest import mailed_enrolment_code

    page.click("[data-testid=send-code]")
    page.wait_for_selector("input[name=code]")
    page.fill("input[name=code]", mailed_enrolment_code(email))
    page.click("[data-testid=verify-code]")
    page.wait_for_url("**/accounts/reauthenticate/**")
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/accounts/2fa/totp/activate/**")
    secret = page.locator("#authenticator_secret").input_value()
    page.fill("input[name=code]", totp_now(secret))
    page.press("input[name=code]", "Enter")
    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    return str(secret)
