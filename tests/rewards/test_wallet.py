"""The wallet: the balance, each line with its reason and source, and a CSV export."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core import mail
from django.test import Client

from rewards.models import Charity, GiftCard, PayoutChunk, PayoutPreference, RewardSettings
from rewards.services.ledger import panelist_credit, transaction_reverse
from rewards.services.payouts import payout_chunk_process, payout_run_start
from rewards.sources import PENDING_PROVIDERS, PendingItem
from tests.enqueued import assert_ids_only, enqueued, run_enqueued
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
    for text in ("Survey completed", "Receipt milestone", "Reversal", "receipts found to be duplicates"):
        assert text in html
    assert "survey:Breakfast" not in html  # a ledger key is never shown; each app labels its own sources


def test_the_wallet_names_sources_as_people_read_them(setup) -> None:
    panelist, client = setup
    panelist_credit(panelist=panelist, amount=200, reason="bonus", idempotency_key="manual:1", source="console",
                    memo="Thank you for your help")  # fmt: skip

    html = client.get("/t/walleted/wallet/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "From the panel&#x27;s team: Thank you for your help" in html
    assert "console ·" not in html


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
    for chunk_id in PayoutChunk.objects.unscoped().filter(run=run).values_list("pk", flat=True):
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
        client.post(
            "/t/walleted/wallet/payout-method/", {"method": "charity", "charity": charity.pk, "password": PASSWORD}
        ).status_code
        == 302
    )
    assert PayoutPreference.objects.unscoped().get(panelist=panelist).charity == charity

    refused = client.post(
        "/t/walleted/wallet/payout-method/", {"method": "charity", "charity": other.pk, "password": PASSWORD}
    )
    assert refused.status_code == 400
    assert "Choose one of the panel&#x27;s charities." in refused.content.decode()
    refused = client.post(
        "/t/walleted/wallet/payout-method/", {"method": "mass_payment", "email": "not-an-email", "password": PASSWORD}
    )
    assert refused.status_code == 400
    refused = client.post("/t/walleted/wallet/payout-method/", {"method": "bitcoin", "password": PASSWORD})
    assert refused.status_code == 400
    assert PayoutPreference.objects.unscoped().get(panelist=panelist).method == "charity"

    client.post(
        "/t/walleted/wallet/payout-method/",
        {"method": "mass_payment", "email": "Pay.Me@Example.test", "password": PASSWORD},
    )
    preference = PayoutPreference.objects.unscoped().get(panelist=panelist)
    assert (preference.method, preference.email, preference.charity) == ("mass_payment", "pay.me@example.test", None)


def test_a_method_the_panel_does_not_offer_is_refused(setup) -> None:
    panelist, client = setup
    RewardSettings.objects.update_or_create(tenant=panelist.tenant, defaults={"gift_cards_enabled": False})
    response = client.post("/t/walleted/wallet/payout-method/", {"method": "gift_card", "password": PASSWORD})
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

    put = client.put("/api/v1/me/wallet/payout-method/", {"method": "mass_payment", "password": PASSWORD},
                     content_type="application/json", HTTP_X_TENANT="walleted")  # fmt: skip
    assert put.status_code == 200
    Charity.objects.create(tenant=panelist.tenant, name="Food bank")
    bad = client.put("/api/v1/me/wallet/payout-method/", {"method": "charity", "charity": 999, "password": PASSWORD},
                     content_type="application/json", HTTP_X_TENANT="walleted")  # fmt: skip
    assert bad.status_code == 400
    assert bad.json()["fields"] == {"charity": ["Unknown charity."]}
    assert client.get("/api/v1/me/wallet/", HTTP_X_TENANT="nope").status_code in (400, 404)


def test_changing_the_payout_destination_asks_for_the_password_and_mails_a_notice(
    setup, django_capture_on_commit_callbacks
) -> None:
    panelist, client = setup
    url = "/t/walleted/wallet/payout-method/"
    wanted = {"method": "mass_payment", "email": "elsewhere@example.test"}

    # without the password, or with a wrong one: refused with the reason, nothing written, no notice
    with django_capture_on_commit_callbacks() as callbacks:
        missing = client.post(url, wanted)
        wrong = client.post(url, wanted | {"password": "not my password"})
    assert (missing.status_code, wrong.status_code) == (400, 400)
    assert "Type your password to confirm this change." in missing.content.decode()
    assert "That is not your password; nothing was changed." in wrong.content.decode()
    assert not PayoutPreference.objects.unscoped().filter(panelist=panelist).exists()
    assert callbacks == []

    # with it: saved, and a notice queued for the account, carrying ids only
    with django_capture_on_commit_callbacks() as callbacks:
        saved = client.post(url, wanted | {"password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="fr")
    assert saved.status_code == 302
    assert PayoutPreference.objects.unscoped().get(panelist=panelist).email == "elsewhere@example.test"
    messages = enqueued(callbacks)
    assert messages == [("rewards.tasks.payout_preference_notice_send_task", (panelist.pk, "fr"))]
    assert_ids_only(messages)

    # the worker mails the account's own address (not the new destination), which it shows masked
    assert run_enqueued(callbacks, "rewards.tasks.payout_preference_notice_send_task") == [True]
    [notice] = mail.outbox
    assert panelist.user is not None
    assert notice.to == [panelist.user.email]
    assert "e•••@example.test" in str(notice.body)
    assert "elsewhere@example.test" not in str(notice.body)
    assert "la façon dont Tenant" in str(notice.body)  # in the language of the change
    assert "« Mot de passe oublié ? »" in str(notice.body)


def test_the_payout_method_api_needs_the_password_too(setup, django_capture_on_commit_callbacks) -> None:
    panelist, client = setup

    def put(data: dict) -> dict:
        response = client.put("/api/v1/me/wallet/payout-method/", data, content_type="application/json",
                              HTTP_X_TENANT="walleted")  # fmt: skip
        return {"status": response.status_code, **response.json()}

    with django_capture_on_commit_callbacks() as callbacks:
        missing = put({"method": "gift_card"})
        wrong = put({"method": "gift_card", "password": "guess"})
    assert (missing["status"], missing["fields"]) == (400, {"password": ["This field is required."]})
    assert (wrong["status"], wrong["code"], wrong["fields"]) == (
        400,
        "password_invalid",
        {"password": ["Wrong password."]},
    )
    assert not PayoutPreference.objects.unscoped().filter(panelist=panelist).exists()
    assert callbacks == []

    with django_capture_on_commit_callbacks() as callbacks:
        ok = put({"method": "gift_card", "password": PASSWORD})
    assert ok == {"status": 200, "method": "gift_card", "email": "", "charity": None}
    assert enqueued(callbacks) == [("rewards.tasks.payout_preference_notice_send_task", (panelist.pk, "en"))]


def test_guessing_the_password_through_the_payout_form_is_throttled_like_a_sign_in(setup) -> None:
    panelist, client = setup
    url = "/t/walleted/wallet/payout-method/"
    for _ in range(3):  # the free failures
        assert client.post(url, {"method": "gift_card", "password": "guess"}).status_code == 400
    client.post(url, {"method": "gift_card", "password": "guess"})  # the first one that costs a wait

    refused = client.post(url, {"method": "gift_card", "password": PASSWORD})

    assert refused.status_code == 429
    assert "Too many failed sign-ins from your connection. Try again in" in refused.content.decode()
    assert not PayoutPreference.objects.unscoped().filter(panelist=panelist).exists()
