"""The real extension, loaded in Chromium: a panelist pairs it, browses a page that shows ads from a
watched domain and links to a landing domain, and the server receives those counts and nothing else:
domains and hours. The panelist then sees them on "What my browser sent" and deletes the day.

The page, the ads and the landing page come from a small local server; Chromium's host-resolver
rules send their made-up names to it, so that no network is needed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from adverification.models import AdCount
from tests.adverification.helpers import AD, LANDING, ad_panel, consenting_panelist
from tests.browser.conftest import CHROMIUM
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXTENSION = Path(__file__).resolve().parents[2] / "clients" / "webextension"
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000100"
    "05fe02fea7d1a2950000000049454e44ae426082"
)


class Sites(BaseHTTPRequestHandler):
    """news.publisher.test (a page with two ads and a link), ads.adnet.test (the ads), shop.brand.test."""

    def do_GET(self) -> None:
        host, _colon, port = self.headers.get("Host", "").partition(":")
        if host == "ads.adnet.test":
            self._answer("image/png", PIXEL)
        elif host == "news.publisher.test" and self.path == "/":
            page = (
                f'<!doctype html><title>News</title><h1>News</h1><img src="http://{AD}:{port}/banner.png?id=1" alt="">'
                f'<img src="http://{AD}:{port}/banner.png?id=2&amp;user=42" alt="">'
                f'<a id="ad-link" href="http://{LANDING}:{port}/offer?campaign=7">An offer</a>'
            )
            self._answer("text/html", page.encode())
        elif host == LANDING:
            self._answer("text/html", b"<!doctype html><title>Shop</title><h1>Welcome to the shop</h1>")
        else:
            self.send_error(404)

    def _answer(self, content_type: str, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def sites() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Sites)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()


@pytest.fixture
def chromium_with_extension(playwright: Any, tmp_path: Path) -> Iterator[object]:
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        headless=False,
        args=[
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            f"--disable-extensions-except={EXTENSION}",
            f"--load-extension={EXTENSION}",
            "--host-resolver-rules=MAP *.publisher.test 127.0.0.1, MAP *.adnet.test 127.0.0.1,"
            " MAP *.brand.test 127.0.0.1",
        ],
    )
    yield context
    context.close()


def test_the_extension_pairs_counts_the_ads_and_sends_only_domains_and_hours(
    chromium_with_extension, live_server, sites: int, monkeypatch
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    context = chromium_with_extension
    tenant = ad_panel(slug="adpanel")
    panelist = consenting_panelist(tenant)
    assert panelist.user is not None
    worker = context.service_workers[0] if context.service_workers else context.wait_for_event("serviceworker")
    extension_id = worker.url.split("/")[2]

    # the panelist gets a pairing code on their page
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/t/adpanel/ad-verification/")
    page.fill("input[name=login]", panelist.user.email)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/t/adpanel/ad-verification/")
    page.click("[data-testid=pairing-code-create]")
    code = page.locator("[data-testid=pairing-code]").inner_text()

    # and types it into the extension's window
    popup = context.new_page()
    popup.goto(f"chrome-extension://{extension_id}/popup.html")
    popup.fill("#server", live_server.url)
    popup.fill("#code", code)
    popup.click("#pair")
    popup.wait_for_selector("#paired:not([hidden])")
    assert popup.locator("#panel").inner_text() == "adpanel"

    # they browse a page with two ads from the watched domain, and click the link to the landing domain
    browsing = context.new_page()
    browsing.goto(f"http://news.publisher.test:{sites}/")
    browsing.wait_for_load_state("load")
    browsing.click("#ad-link")
    browsing.wait_for_url(f"http://{LANDING}:{sites}/offer?campaign=7")
    popup.wait_for_function("document.querySelectorAll('#pending tr').length === 2")
    waiting = popup.locator("#pending").inner_text()
    assert AD in waiting
    assert LANDING in waiting
    assert "publisher.test" in waiting
    assert "banner" not in waiting
    assert "campaign" not in waiting
    assert "news." not in waiting

    # the popup sends now; the server has the counts per domain, site and hour, and nothing else
    popup.click("#send")
    popup.wait_for_selector("#nothing:not([hidden])")
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    rows = sorted(AdCount.objects.for_tenant(tenant).values_list("domain", "site", "kind", "count", "hour"))
    assert [(d, s, k, c) for d, s, k, c, _h in rows] == [
        (AD, "publisher.test", "impression", 2),
        (LANDING, "publisher.test", "click", 1),
    ]
    assert {h for *_rest, h in rows} == {hour}

    # the panelist sees them on "What my browser sent", and deletes the day
    page.goto(f"{live_server.url}/t/adpanel/ad-verification/sent/")
    day = page.locator("[data-testid=sent-day]")
    assert "publisher.test" in day.inner_text()
    assert AD in day.inner_text()
    page.click("[data-testid=sent-day-delete]")
    page.wait_for_selector("[data-testid=sent-nothing]")
    assert not AdCount.objects.for_tenant(tenant).exists()
