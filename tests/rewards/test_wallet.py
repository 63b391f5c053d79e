"""The wallet: the balance, each line with its reason and source, and a CSV export."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.test import Client

from rewards.models import Charity, GiftCard, PayoutChunk, PayoutPreference, RewardSettings
from rewards.services.ledger import panelist_credit, transaction_reverse
from rewards.services.payouts import payout_chunk_process, payout_run_start
from rewards.sources import PENDING_PROVIDERS, PendingItem
from tests.factories import PASSWORD, PanelistFactory, TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    panelist = PanelistFactory.create(tenant=TenantFactory.create(slug="walleted", currency="EUR"))
    panelist_credit(
        panelist=panelist, amount=50, reason="survey", idempotency_key="survey:1", source="survey:Breakfast"
    )
    bonus = panelist_credit(panelist=panelist, amount=1000, reason="receipts", idempotency_key="r:2026-10",
                            source="receipts:2026-10")  # fmt: skip
    transaction_reverse(txn=bonus, memo="receipts found to be duplicates")
    client = Client()
    assert panelist.user is not None
    client.login(email=panelist.user.email, password=PASSWORD)
    return panelist, client


def test_the_wallet_shows_the_balance_and_every_line_with_its_reason(setup) -> None:
    _panelist, client = setup

    html = client.get("/t/walleted/wallet/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'data-testid="balance">0.50 EUR<' in html
    for text in (
        "Survey completed",
        "Receipt milestone",
        "Reversal",
        "survey:Breakfast",
        "receipts found to be duplicates",
    ):
        assert text in html


def test_the_history_exports_as_csv_with_exact_amounts(setup) -> None:
    _panelist, client = setup

    response = client.get("/t/walleted/wallet/history.csv")

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sorted(r["amount"] for r in rows) == ["-10.00", "0.50", "10.00"]
    assert {r["currency"] for r in rows} == {"EUR"}


def test_only_a_panelist_of_this_panel_has_a_wallet_here(setup) -> None:
    stranger = PanelistFactory.create(tenant=TenantFactory.create())
    client = Client()
    assert stranger.user is not None
    client.login(email=stranger.user.email, password=PASSWORD)

    assert client.get("/t/walleted/wallet/").status_code == 404
    assert client.get("/t/walleted/wallet/history.csv").status_code == 404


def _paid_by_gift_card(panelist) -> None:
    PayoutPreference.objects.create(tenant=panelist.tenant, panelist=panelist, method="gift_card")
    panelist_credit(panelist=panelist, amount=1000, reason="bonus", idempotency_key="bonus:gift")
    GiftCard.objects.create(tenant=panelist.tenant, code="WALLET-CODE-1", value=1000, currency="EUR",
                            expires_on=date(2099, 1, 1))  # fmt: skip
    run = payout_run_start(tenant=panelist.tenant, period=date(2026, 10, 1)).run
    for chunk_id in PayoutChunk.objects.filter(run=run).values_list("pk", flat=True):
        payout_chunk_process(chunk_id=chunk_id)


def test_the_wallet_shows_payouts_with_their_gift_card_codes(setup) -> None:
    panelist, client = setup
    _paid_by_gift_card(panelist)

    html = client.get("/t/walleted/wallet/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'data-testid="gift-code">WALLET-CODE-1<' in html
    assert 'data-status="paid"' in html
    assert 'data-testid="balance">0.50 EUR<' in html


def test_pending_shows_registered_earnings_and_unsettled_payouts(setup) -> None:
    panelist, client = setup

    def receipts_under_review(p):
        return [PendingItem("2 receipts under review", 0)] if p == panelist else []

    PENDING_PROVIDERS.register(receipts_under_review)
    try:
        html = client.get("/t/walleted/wallet/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    finally:
        PENDING_PROVIDERS.unregister(receipts_under_review)
    assert "2 receipts under review" in html


def test_choosing_how_to_be_paid(setup) -> None:
    panelist, client = setup
    charity = Charity.objects.create(tenant=panelist.tenant, name="Food bank")
    other = Charity.objects.create(tenant=TenantFactory.create(), name="Elsewhere")

    assert (
        client.post("/t/walleted/wallet/payout-method/", {"method": "charity", "charity": charity.pk}).status_code
        == 302
    )
    assert PayoutPreference.objects.get(panelist=panelist).charity == charity

    refused = client.post("/t/walleted/wallet/payout-method/", {"method": "charity", "charity": other.pk})
    assert refused.status_code == 400
    assert "Choose one of the panel&#x27;s charities." in refused.content.decode()
    refused = client.post("/t/walleted/wallet/payout-method/", {"method": "mass_payment", "email": "not-an-email"})
    assert refused.status_code == 400
    refused = client.post("/t/walleted/wallet/payout-method/", {"method": "bitcoin"})
    assert refused.status_code == 400
    assert PayoutPreference.objects.get(panelist=panelist).method == "charity"

    client.post("/t/walleted/wallet/payout-method/", {"method": "mass_payment", "email": "Pay.Me@Example.test"})
    preference = PayoutPreference.objects.get(panelist=panelist)
    assert (preference.method, preference.email, preference.charity) == ("mass_payment", "pay.me@example.test", None)


def test_a_method_the_panel_does_not_offer_is_refused(setup) -> None:
    panelist, client = setup
    RewardSettings.objects.update_or_create(tenant=panelist.tenant, defaults={"gift_cards_enabled": False})
    response = client.post("/t/walleted/wallet/payout-method/", {"method": "gift_card"})
    assert response.status_code == 400
    assert "does not offer" in response.content.decode()


def test_the_wallet_api(setup) -> None:
    panelist, client = setup
    _paid_by_gift_card(panelist)

    wallet = client.get("/api/v1/me/wallet/", HTTP_X_TENANT="walleted").json()
    assert wallet["balance"] == 50
    assert wallet["currency"] == "EUR"
    [payout] = wallet["payouts"]
    assert (payout["amount"], payout["status"], payout["method"]) == (1000, "paid", "gift_card")
    assert payout["gift_card_codes"] == [{"code": "WALLET-CODE-1", "expires_on": "2099-01-01"}]
    assert wallet["payout_method"] == {"method": "gift_card", "email": "", "charity": None}

    history = client.get("/api/v1/me/wallet/history/", HTTP_X_TENANT="walleted").json()
    assert [line["reason"] for line in history["results"]][:2] == ["payout", "bonus"]
    assert history["count"] == 5

    put = client.put("/api/v1/me/wallet/payout-method/", {"method": "mass_payment"}, content_type="application/json",
                     HTTP_X_TENANT="walleted")  # fmt: skip
    assert put.status_code == 200
    Charity.objects.create(tenant=panelist.tenant, name="Food bank")
    bad = client.put("/api/v1/me/wallet/payout-method/", {"method": "charity", "charity": 999},
                     content_type="application/json", HTTP_X_TENANT="walleted")  # fmt: skip
    assert bad.status_code == 400
    assert bad.json()["fields"] == {"charity": ["Unknown charity."]}
    assert client.get("/api/v1/me/wallet/", HTTP_X_TENANT="nope").status_code in (400, 404)
