"""Currencies with other than two decimals, on every path an amount takes: typed in a form, parsed
from a file, formatted on a page, written to a CSV. The exponent comes from ISO 4217 data (CLDR,
through Babel): XOF pays whole francs, KWD has three decimals (fils)."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date

import pytest
from django.test import Client
from django.utils import translation

from core.csvfiles import CsvRefused
from rewards.models import GiftCard, PayoutChunk, RewardSettings
from rewards.money import decimal_text, exponent, money, parse_money
from rewards.selectors import mass_payment_csv, panelist_balance
from rewards.services.ledger import panelist_credit
from rewards.services.payouts import payout_chunk_process, payout_run_start
from rewards.services.providers import giftcards_import, mass_payment_batch_create
from tests.factories import PASSWORD, PanelistFactory, TenantFactory

pytestmark = pytest.mark.django_db

OCTOBER = date(2026, 10, 1)


@pytest.fixture
def xof():
    return TenantFactory.create(slug="dakar", currency="XOF", country="SN", timezone="Africa/Dakar")


@pytest.fixture
def kwd():
    return TenantFactory.create(slug="kuwait", currency="KWD", country="KW", timezone="Asia/Kuwait")


def test_exponents_come_from_iso_4217_data_not_a_short_list() -> None:
    assert [exponent(c) for c in ("EUR", "USD", "JPY", "XOF", "XAF", "KWD", "BHD", "TND", "CLF")] == [
        2, 2, 0, 0, 0, 3, 3, 3, 4
    ]  # fmt: skip


def test_amounts_are_formatted_and_written_with_the_currencys_decimals() -> None:
    with translation.override("en"):
        assert money(150000, "XOF") == "150,000 XOF"
        assert money(12345, "KWD") == "12.345 KWD"
    with translation.override("fr"):
        assert money(12345, "KWD") == "12,345 KWD"
    assert (decimal_text(1500, "XOF"), decimal_text(1500, "KWD"), decimal_text(-5, "KWD")) == (
        "1500",
        "1.500",
        "-0.005",
    )


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [("1500", "XOF", 1500), ("-25", "XOF", -25), ("10.125", "KWD", 10125), ("0,5", "KWD", 500), ("2", "KWD", 2000)],
)
def test_typed_amounts_become_minor_units(text: str, currency: str, minor: int) -> None:
    assert parse_money(text, currency) == minor


@pytest.mark.parametrize(("text", "currency"), [("1500.5", "XOF"), ("0.1", "XOF"), ("10.1255", "KWD")])
def test_more_decimals_than_the_currency_has_are_refused(text: str, currency: str) -> None:
    with pytest.raises(ValueError, match=f"more decimals than {currency} allows"):
        parse_money(text, currency)


def test_gift_card_files_count_whole_francs_and_fils(xof, kwd) -> None:
    assert giftcards_import(tenant=xof, upload=io.BytesIO(b"code,value,currency,expiry\nSN-1,5000,XOF,\n")) == 1
    assert giftcards_import(tenant=kwd, upload=io.BytesIO(b"code,value,currency,expiry\nKW-1,2.500,KWD,\n")) == 1
    assert list(GiftCard.objects.unscoped().order_by("code").values_list("code", "value")) == [
        ("KW-1", 2500),
        ("SN-1", 5000),
    ]

    with pytest.raises(CsvRefused) as refused:
        giftcards_import(tenant=xof, upload=io.BytesIO(b"code,value,currency,expiry\nSN-2,5000.50,XOF,\n"))
    assert refused.value.fields == {"line 2": ["'5000.50' has more decimals than XOF allows"]}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("currency", "amount", "written"), [("XOF", 15000, "15000"), ("KWD", 12345, "12.345")])
def test_the_finance_file_writes_the_currencys_decimals(currency: str, amount: int, written: str) -> None:
    tenant = TenantFactory.create(currency=currency)
    RewardSettings.objects.create(tenant=tenant, payout_threshold=1)
    panelist = PanelistFactory.create(tenant=tenant)
    panelist_credit(panelist=panelist, amount=amount, reason="bonus", idempotency_key="b:1")
    run = payout_run_start(tenant=tenant, period=OCTOBER).run
    for chunk_id in PayoutChunk.objects.unscoped().filter(run=run).values_list("pk", flat=True):
        payout_chunk_process(chunk_id=chunk_id)
    batch = mass_payment_batch_create(tenant=tenant, actor="test")
    assert batch is not None

    lines = list(mass_payment_csv(batch=batch))

    assert panelist.user is not None
    assert lines[1] == f"{panelist.user.email},{written},{currency},FP-202610-{panelist.pk}\r\n"


def test_the_wallet_and_its_history_show_fils(kwd) -> None:
    panelist = PanelistFactory.create(tenant=kwd)
    panelist_credit(panelist=panelist, amount=1250, reason="survey", idempotency_key="s:1", source="survey:1")
    client = Client()
    assert panelist.user is not None
    client.login(email=panelist.user.email, password=PASSWORD)

    page = client.get("/t/kuwait/wallet/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    history = b"".join(client.get("/t/kuwait/wallet/history.csv").streaming_content).decode()  # type: ignore[attr-defined]

    assert "1.250 KWD" in page
    assert [row["amount"] for row in csv.DictReader(io.StringIO(history))] == ["1.250"]


def test_reward_settings_are_typed_with_the_currencys_decimals(make_staff, xof, kwd) -> None:
    form = {"survey_reward": "250", "receipts_required": "10", "receipts_reward": "5000",
            "ad_verification_monthly": "1000", "ad_verification_active_days": "20", "payout_threshold": "5000",
            "gift_card_value": "5000", "mass_payment_enabled": "on"}  # fmt: skip
    dakar = make_staff(tenant=xof).client
    kuwait = make_staff(tenant=kwd).client

    assert dakar.post("/t/dakar/console/rewards/settings/", form).status_code == 302
    refused = dakar.post("/t/dakar/console/rewards/settings/", form | {"survey_reward": "250.5"})
    assert kuwait.post("/t/kuwait/console/rewards/settings/", form | {"survey_reward": "0.125"}).status_code == 302

    assert refused.status_code == 400
    assert RewardSettings.objects.get(tenant=xof).survey_reward == 250
    assert RewardSettings.objects.get(tenant=kwd).survey_reward == 125
    assert "0.125" in kuwait.get("/t/kuwait/console/rewards/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_manual_postings_are_typed_with_the_currencys_decimals(make_staff, xof, kwd) -> None:
    dakar = make_staff(tenant=xof).client
    kuwait = make_staff(tenant=kwd).client
    in_dakar, in_kuwait = PanelistFactory.create(tenant=xof), PanelistFactory.create(tenant=kwd)

    def post(client: Client, slug: str, public_id: str, amount: str) -> int:
        form = {"panelist": public_id, "amount": amount, "reason": "bonus", "memo": "thanks", "key": uuid.uuid4().hex}
        return client.post(f"/t/{slug}/console/rewards/postings/", form).status_code

    assert post(dakar, "dakar", in_dakar.public_id, "500") == 302
    assert post(dakar, "dakar", in_dakar.public_id, "0.50") == 400
    assert post(kuwait, "kuwait", in_kuwait.public_id, "1.005") == 302
    assert (panelist_balance(panelist=in_dakar), panelist_balance(panelist=in_kuwait)) == (500, 1005)
