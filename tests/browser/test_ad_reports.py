"""A reviewer reads the ad report in the browser: the charts per day are SVG drawn on the server, the
noise's epsilon is on the page, and nothing breaks the Content Security Policy (the autouse watch of
tests/browser/conftest.py fails the test on any violation)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tenants.roles import Role
from tests.adverification.helpers import ad_panel
from tests.adverification.test_reports import DAY, cells_of
from tests.browser.helpers import ON_DESKTOP_AND_PHONE, assert_fits_the_screen, staff_sign_in
from tests.factories import MembershipFactory, UserFactory, activate_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@ON_DESKTOP_AND_PHONE
def test_a_reviewer_reads_the_charts_per_day_with_noise_under_the_policy(
    browser, live_server, device: str, viewport: dict[str, int]
) -> None:
    tenant = ad_panel(slug=f"adreports-{device}", timezone="UTC")
    cells_of(tenant, {"big.test": 10, "small.test": 9})
    cells_of(tenant, {"big.test": 12}, day=DAY + timedelta(days=1))
    reviewer = UserFactory.create(email=f"reviewer-{device}@adreports.test")
    MembershipFactory.create(tenant=tenant, user=reviewer, role=Role.REVIEWER)
    secret = activate_totp(reviewer)
    page = browser.new_context(viewport=viewport, locale="en-US").new_page()

    url = f"{live_server.url}/t/{tenant.slug}/console/ad-verification/reports/?start=2026-01-15&end=2026-01-16"
    staff_sign_in(page, url, reviewer.email, secret)
    page.fill("input[name=epsilon]", "2")
    page.click("form.grid button[type=submit]")
    page.wait_for_selector("[data-testid=ad-report-epsilon]")

    charts = page.locator("[data-testid=ad-chart] svg")
    assert charts.count() == 2
    assert page.locator("[data-testid=ad-chart] svg rect").count() == 4  # two days, two charts
    assert charts.first.bounding_box()["height"] > 40  # drawn, not collapsed
    assert "epsilon = 2" in page.locator("[data-testid=ad-report-epsilon]").inner_text()
    assert "small.test" not in page.content()
    assert "epsilon=2" in (page.locator("[data-testid=ad-report-csv]").get_attribute("href") or "")
    assert_fits_the_screen(page)
