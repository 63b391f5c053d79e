from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from tests.conftest import totp_now
from tests.factories import PASSWORD

# The elements that stick out past the right edge of the viewport (the page would scroll sideways).
OVERFLOWING = """() => [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
    .filter(el => !el.closest('.overflow-auto'))
    .map(el => Math.round(el.getBoundingClientRect().right) + 'px ' + el.outerHTML.slice(0, 80))"""


def assert_fits_the_screen(page: Any) -> None:
    """Nothing but a deliberately scrollable box (``.overflow-auto``) is wider than the screen."""
    overflowing = page.evaluate(OVERFLOWING)
    assert overflowing == [], f"the page scrolls sideways: {overflowing}"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "the page scrolls sideways"


def staff_sign_in(page: Any, url: str, email: str, secret: str) -> None:
    """Open a console ``url`` as staff: the sign-in form, then the TOTP code, and back on ``url``."""
    page.goto(url)
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    page.fill("input[name=code]", totp_now(secret))
    page.press("input[name=code]", "Enter")
    page.wait_for_url(f"**{urlparse(url).path}**")
