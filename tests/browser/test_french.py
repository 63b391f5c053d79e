"""A stranger reads the panel in French: the switch of language, the waitlist form, its refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from panel.models import ScreeningQuestion, WaitlistEntry
from tests.browser.helpers import ON_DESKTOP_AND_PHONE, assert_fits_the_screen
from tests.factories import TenantFactory, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@ON_DESKTOP_AND_PHONE
def test_a_stranger_switches_to_french_and_reads_a_refusal_in_french(
    browser, live_server, screenshot_dir: Path, device, viewport
) -> None:
    tenant = TenantFactory.create(slug="prairie", name="Prairie Panel", languages=["en", "fr"])
    publish(tenant, "waitlist")
    publish(tenant, "membership")
    ScreeningQuestion.objects.create(
        tenant=tenant, key="shopping", labels={"en": "Where you shop most", "fr": "Où vous faites le plus vos achats"},
        choices=["supermarket", "online"],
        choice_labels={"supermarket": {"en": "Supermarket", "fr": "Supermarché"}, "online": {"fr": "En ligne"}},
    )  # fmt: skip
    ScreeningQuestion.objects.create(
        tenant=tenant, key="birth_year", kind="number", minimum=1900, maximum=2010, position=1,
        labels={"en": "Year of birth", "fr": "Année de naissance"},
    )  # fmt: skip
    stranger = browser.new_context(viewport=viewport, locale="en-US")
    page = stranger.new_page()

    # the page opens in English; the stranger chooses French in the header
    page.goto(f"{live_server.url}/t/prairie/")
    assert page.locator("[data-testid=join-waitlist]").inner_text() == "Join the waitlist"
    page.select_option(".lang-switch select[name=language]", "fr")
    page.click(".lang-switch button")
    page.wait_for_selector("html[lang=fr]")
    assert page.url.endswith("/t/prairie/")

    # the screening answers read in French; the stored values stay what they are
    shopping = page.locator("select[name=q_shopping]")
    assert shopping.locator("option").all_inner_texts() == ["—", "Supermarché", "En ligne"]

    # they answer, mistype their year of birth and submit
    page.fill("input[name=email]", "lea@exemple.test")
    page.select_option("select[name=q_shopping]", "online")
    page.fill("input[name=q_birth_year]", "1850")
    page.check("input[name=agree]")
    page.click("[data-testid=join-waitlist]")
    page.wait_for_selector("[role=alert]")

    # the reason is in French, next to the field, under the field's own label
    year = page.locator("label", has=page.locator("input[name=q_birth_year]"))
    assert "Année de naissance" in year.inner_text()
    assert year.locator(".errorlist").inner_text() == "Saisissez un nombre entre 1900 et 2010."
    assert page.locator("input[name=q_birth_year]").get_attribute("aria-invalid") == "true"
    assert "Certaines réponses manquent ou ne sont pas valides" in page.locator("[role=alert]").inner_text()
    assert "birth_year" not in page.locator("main").inner_text()
    # and what they typed is still there
    assert page.locator("input[name=email]").input_value() == "lea@exemple.test"
    assert shopping.input_value() == "online"
    assert shopping.locator("option:checked").inner_text() == "En ligne"
    assert page.locator("input[name=q_birth_year]").input_value() == "1850"
    assert page.locator("input[name=agree]").is_checked()
    assert not WaitlistEntry.objects.unscoped().filter(tenant=tenant).exists()
    assert_fits_the_screen(page)
    page.screenshot(path=str(screenshot_dir / f"french-waitlist-refused-{device}.png"), full_page=True)
    stranger.close()
