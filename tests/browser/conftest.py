from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


# Every page any browser test opens is watched for Content Security Policy violations: the browser
# reports each one (a blocked inline script or style, a blocked source) as a console error, and this
# hook also hears the page's own securitypolicyviolation events. A test with any violation fails.
CSP_WATCH = """document.addEventListener('securitypolicyviolation', (e) =>
    console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`))"""
CSP_VIOLATIONS: list[str] = []


class CspWatchedBrowser:
    """The Playwright browser, whose every new context reports CSP violations to ``CSP_VIOLATIONS``."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser
        self.opened: list[Any] = []

    def new_context(self, **options: Any) -> Any:
        context = self._browser.new_context(**options)
        self.opened.append(context)
        context.add_init_script(CSP_WATCH)

        def heard(message: Any) -> None:
            if message.type == "error" and "Content Security Policy" in message.text:
                CSP_VIOLATIONS.append(f"{message.page.url if message.page else '?'}: {message.text}")

        context.on("console", heard)
        return context

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture(autouse=True)
def no_csp_violation() -> Iterator[None]:
    CSP_VIOLATIONS.clear()
    yield
    assert CSP_VIOLATIONS == [], "the Content Security Policy blocked something:\n" + "\n".join(CSP_VIOLATIONS)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    """Playwright's one driver of the session: its sync API runs one per thread, so every browser (the
    shared one below, an extension's own profile) is launched from it."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"Chromium is not at {CHROMIUM}: run the tests with `make test`, or set CHROMIUM_PATH.")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make beside it
    # are synchronous, so Django's async guard would only get in the way. Test processes only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as driver:
        yield driver
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright: Any) -> Iterator[object]:
    """Chromium driven by Playwright: the one ``make test`` found (scripts/browser.py), in CHROMIUM_PATH."""
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )
    yield CspWatchedBrowser(chromium)
    chromium.close()


@pytest.fixture(autouse=True)
def contexts_closed_after_each_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """A context a test left open would keep polling (htmx ``every 10s``) the live server for the rest of the
    session, after the test's database is gone: each test's contexts are closed when it ends."""
    yield
    if "browser" not in request.fixturenames:
        return
    watched: CspWatchedBrowser = request.getfixturevalue("browser")
    for context in watched.opened:
        context.close()
    watched.opened.clear()


@pytest.fixture
def screenshot_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
