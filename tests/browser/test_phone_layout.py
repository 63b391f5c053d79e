"""Nothing scrolls sideways on a phone (390 px): every console page and every panelist page of the demo
panel is opened in Chromium, and the page's width and every element's right edge are measured. A long
table scrolls inside its own box (``.overflow-auto``, or any table on a narrow screen), never the page.

The pages come from the authorization matrix's table (tests/tenants/test_authorization_matrix.py), so
a new console or panelist page is measured as soon as it has its row there.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from consent.models import ConsentReceipt
from panel.models import WaitlistRelease
from panel.services.demo import DEMO_DOMAIN, DEMO_PASSWORD, demo_seed
from rewards.models import Charity, MassPaymentBatch, PayoutRun
from tests.browser.helpers import OVERFLOWING, staff_sign_in
from tests.tenants.test_authorization_matrix import PAGES, QUERIES, Panelist, Staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


FIXED: dict[str, dict[str, object]] = {
    "console_consent_export": {"fmt": "csv"},
    "consent_document": {"purpose_key": "surveys", "version": 1},
    "consent_document_diff": {"purpose_key": "surveys"},
}


def path_kwargs(name: str, tenant: Any) -> dict[str, object]:
    """What fills each page's path in the demo panel."""
    pk_of = {
        "console_release_progress": WaitlistRelease,
        "console_payout_run": PayoutRun,
        "console_payout_run_progress": PayoutRun,
        "console_mass_payment_csv": MassPaymentBatch,
        "console_charity_toggle": Charity,
    }
    kwargs: dict[str, object] = {"tenant_slug": tenant.slug}
    if name in pk_of:
        kwargs["pk"] = pk_of[name].objects.for_tenant(tenant).order_by("pk").values_list("pk", flat=True).first()
    kwargs |= FIXED.get(name, {})
    if name == "consent_receipt":
        kwargs["receipt_id"] = (
            ConsentReceipt.objects.for_tenant(tenant).order_by("pk").values_list("receipt_id", flat=True).first()
        )
    return kwargs


def sideways(page: Any) -> list[str]:
    overflowing = page.evaluate(OVERFLOWING)
    if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"):
        overflowing.append(f"the page is {page.evaluate('document.documentElement.scrollWidth')} px wide")
    return overflowing


def test_no_console_or_panelist_page_scrolls_sideways_on_a_phone(browser, live_server) -> None:
    seeded = demo_seed()
    tenant = seeded.tenant
    secret = next(secret for role, _email, secret in seeded.staff if role == "owner")
    console = browser.new_context(viewport=PHONE, locale="en-US").new_page()
    staff_sign_in(console, f"{live_server.url}/t/{tenant.slug}/console/", f"owner@{DEMO_DOMAIN}", secret, DEMO_PASSWORD)
    panelist = browser.new_context(viewport=PHONE, locale="en-US").new_page()
    panelist.goto(f"{live_server.url}/accounts/login/")
    panelist.fill("input[name=login]", f"panelist1@{DEMO_DOMAIN}")
    panelist.fill("input[name=password]", DEMO_PASSWORD)
    panelist.press("input[name=password]", "Enter")
    panelist.wait_for_url(f"**/t/{tenant.slug}/home/")

    # Pages whose path holds only the panel's slug (or a value the demo has) are opened directly; the
    # others (a survey, a device, ...) are opened through the links the measured pages show.
    measured: list[str] = []
    wide: list[str] = []
    links: dict[str, str] = {}
    wanted = {name: rule for name, rule in PAGES.items() if isinstance(rule, Staff | Panelist) and rule.status == 200}

    def measure(name: str, url: str, page: Any) -> None:
        answer = page.request.get(url)  # the same cookies, without navigating: a download is no page
        if answer.status != 200 or "text/html" not in answer.headers.get("content-type", ""):
            return
        page.goto(url)
        measured.append(name)
        wide.extend(f"{name}: {problem}" for problem in sideways(page))
        for href in page.eval_on_selector_all("a[href^='/']", "links => links.map(a => a.getAttribute('href'))"):
            try:
                links.setdefault(resolve(urlsplit(href).path).url_name or "", href)
            except Resolver404:
                continue

    for name, rule in wanted.items():
        page = console if isinstance(rule, Staff) else panelist
        try:
            path = reverse(name, kwargs=path_kwargs(name, tenant))
        except NoReverseMatch:
            continue  # reached through a link below
        measure(name, f"{live_server.url}{path}{QUERIES.get(name, '')}", page)
    for name, rule in wanted.items():
        if name not in measured and name in links:
            measure(name, f"{live_server.url}{links[name]}", console if isinstance(rule, Staff) else panelist)

    assert {
        "console_home",
        "console_api_keys",
        "console_purge_log",
        "consent_receipt",
        "wallet",
        "console_survey",
        "console_survey_results",
        "my_surveys",
        "ad_devices",
        "console_ad_reports",
    } <= set(measured)
    assert wide == [], "\n".join(wide)
