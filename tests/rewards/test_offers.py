"""What each program pays, from the tenant's reward settings, on the public landing page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone, translation

from rewards.models import RewardSettings
from rewards.money import money, parse_money
from rewards.services.settings import reward_settings_update
from tests.factories import TenantFactory, publish

pytestmark = pytest.mark.django_db


def test_the_landing_page_shows_no_pay_rate_until_the_operator_sets_them() -> None:
    tenant = TenantFactory.create(slug="paying", currency="USD")
    publish(tenant, "waitlist")

    before = Client().get("/t/paying/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    reward_settings_update(tenant=tenant, values={})  # the operator saves the suggested defaults
    html = Client().get("/t/paying/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "USD" not in before  # a new panel promises nothing its owner never set
    assert "0.50 USD per survey completed" in html
    assert "10.00 USD for 10 approved receipts in a calendar month" in html
    assert "2.00 USD a month when your device is active 20 days" in html


def test_the_operators_settings_and_the_language_decide_the_text() -> None:
    tenant = TenantFactory.create(slug="payant", currency="EUR")
    RewardSettings.objects.create(tenant=tenant, survey_reward=75, confirmed_at=timezone.now())

    html = Client().get("/t/payant/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "0,75 EUR par enquête remplie" in html


def test_money_is_formatted_from_minor_units_without_floats() -> None:
    with translation.override("en"):
        assert money(123456, "USD") == "1,234.56 USD"
        assert money(500, "JPY") == "500 JPY"
    with translation.override("fr"):
        assert money(123456, "EUR") == "1\xa0234,56 EUR"


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [("10.50", "EUR", 1050), ("-2", "EUR", -200), ("1,5", "EUR", 150), ("1500", "JPY", 1500)],
)
def test_amounts_are_typed_in_major_units(text: str, currency: str, minor: int) -> None:
    assert parse_money(text, currency) == minor


@pytest.mark.parametrize("text", ["abc", "NaN", "sNaN", "Infinity", "1.005", "1e400", "9" * 30, ""])
def test_what_is_not_an_amount_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"amount|decimals"):
        parse_money(text, "EUR")
