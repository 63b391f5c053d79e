from __future__ import annotations

from typing import Any

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
