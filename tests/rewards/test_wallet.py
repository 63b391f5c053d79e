"""The wallet: the balance, each line with its reason and source, and a CSV export."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from rewards.ledger import panelist_credit, transaction_reverse
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
