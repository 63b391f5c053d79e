"""Every page runs under a Content Security Policy with nonces, and nothing on our pages breaks it.

Each browser test fails on any violation (tests/browser/conftest.py); these also prove that the watch
hears one, and walk the public pages, the sign-in and admin pages, and the API docs.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import CSP_VIOLATIONS
from tests.factories import TenantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_policy_blocks_inline_code_and_the_watch_reports_it(browser, live_server) -> None:
    TenantFactory.create(slug="riverside", name="Riverside Shoppers")
    page = browser.new_context().new_page()

    response = page.goto(f"{live_server.url}/t/riverside/")
    policy = response.headers["content-security-policy"]
    CSP_VIOLATIONS.clear()
    page.evaluate(
        """() => { const s = document.createElement('script'); s.textContent = 'window.ran = true';
                   document.body.appendChild(s); }"""
    )
    page.wait_for_timeout(200)
    heard = list(CSP_VIOLATIONS)
    CSP_VIOLATIONS.clear()  # heard as it should be; the rest of the test must hear none

    # (a page that carries an inline block names the request's nonce too; this one has none)
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert page.evaluate("window.ran === true") is False  # the injected inline script never ran
    assert any("script-src" in violation for violation in heard)


def test_public_sign_in_admin_and_api_docs_pages_load_without_a_violation(browser, live_server) -> None:
    # (the console and panelist pages are walked by the other browser tests, under the same watch)
    TenantFactory.create(slug="riverside", name="Riverside Shoppers")
    page = browser.new_context().new_page()

    for path in ["/", "/t/riverside/", "/accounts/login/", "/admin/login/"]:
        response = page.goto(f"{live_server.url}{path}")
        assert response.ok, path
        assert "content-security-policy" in response.headers, path
    docs = page.goto(f"{live_server.url}/api/docs/")
    assert "'nonce-" in docs.headers["content-security-policy"]  # its style block carries the nonce
    page.wait_for_selector("#swagger-ui .information-container", timeout=15_000)  # Swagger UI ran
