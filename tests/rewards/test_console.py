"""The operators' money pages: runs with progress, providers, liability, expense, manual postings, settings."""

from __future__ import annotations

import io
import uuid
from datetime import date

import pytest

from core.errors import DomainError
from rewards.models import (
    GiftCard,
    LedgerTransaction,
    MassPaymentBatch,
    Payout,
    PayoutChunk,
    PayoutPreference,
    PayoutRun,
    RewardSettings,
)
from rewards.selectors import panelist_balance
from rewards.services.ledger import panelist_credit, transaction_reverse
from rewards.services.payouts import payout_chunk_process, payout_run_start
from tenants.roles import Role
from tenants.services import api_key_create
from tests.factories import PanelistFactory, TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant():
    return TenantFactory.create(slug="money", currency="EUR")


def paid_run(tenant, *panelists) -> PayoutRun:
    for n, p in enumerate(panelists):
        panelist_credit(panelist=p, amount=1500, reason="survey", idempotency_key=f"s:{n}", source=f"survey:{n}")
    run = payout_run_start(tenant=tenant, period=date(2026, 10, 1)).run
    for chunk_id in PayoutChunk.objects.unscoped().filter(run=run).values_list("pk", flat=True):
        payout_chunk_process(chunk_id=chunk_id)
    return run


def test_runs_list_detail_and_live_progress(make_staff, tenant) -> None:
    staff = make_staff(tenant=tenant, role=Role.MANAGER)
    run = paid_run(tenant, PanelistFactory.create(tenant=tenant), PanelistFactory.create(tenant=tenant))

    listing = staff.client.get("/t/money/console/payouts/").content.decode()
    assert "2026-10" in listing
    assert "30.00 EUR" in listing
    detail = staff.client.get(f"/t/money/console/payouts/runs/{run.pk}/").content.decode()
    assert detail.count('data-status="pending"') == 2
    progress = staff.client.get(f"/t/money/console/payouts/runs/{run.pk}/progress/").content.decode()
    assert 'data-status="done"' in progress
    assert "hx-get" not in progress  # a finished run stops polling
    assert 'data-testid="run-amount">30.00 EUR<' in progress


def test_a_running_run_polls_its_progress(make_staff, tenant) -> None:
    staff = make_staff(tenant=tenant)
    panelist_credit(panelist=PanelistFactory.create(tenant=tenant), amount=1500, reason="bonus", idempotency_key="b")
    run = payout_run_start(tenant=tenant, period=date(2026, 10, 1)).run

    progress = staff.client.get(f"/t/money/console/payouts/runs/{run.pk}/progress/").content.decode()

    assert 'data-status="paying"' in progress
    assert "every 2s" in progress
    assert '<progress value="0" max="1"' in progress


def test_starting_a_run_by_hand_refuses_a_month_that_has_not_ended(make_staff, tenant) -> None:
    staff = make_staff(tenant=tenant)
    response = staff.client.post("/t/money/console/payouts/", {"period": "2999-01"})
    assert response.status_code == 400
    assert "Choose a month that has ended." in response.content.decode()
    response = staff.client.post("/t/money/console/payouts/", {"period": "junk"})
    assert response.status_code == 400
    assert not PayoutRun.objects.unscoped().exists()


def test_an_existing_run_is_shown_not_started_again(make_staff, tenant) -> None:
    staff = make_staff(tenant=tenant)
    run = paid_run(tenant, PanelistFactory.create(tenant=tenant))
    response = staff.client.post("/t/money/console/payouts/", {"period": "2026-10"})
    assert response["Location"] == f"/t/money/console/payouts/runs/{run.pk}/"
    assert PayoutRun.objects.unscoped().count() == 1


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.AUDITOR])
def test_only_owners_and_managers_see_money_pages(make_staff, tenant, role) -> None:
    staff = make_staff(tenant=tenant, role=role)
    for url in ("/t/money/console/payouts/", "/t/money/console/rewards/", "/t/money/console/payouts/providers/"):
        assert staff.client.get(url).status_code == 403
    response = staff.client.post("/t/money/console/rewards/postings/", {"panelist": "x", "amount": "5",
                                 "reason": "bonus", "memo": "m", "key": uuid.uuid4().hex})  # fmt: skip
    assert response.status_code == 403
    assert not LedgerTransaction.objects.unscoped().exists()


def test_a_manual_bonus_needs_a_reason_and_is_recorded_once(make_staff, tenant) -> None:
    staff = make_staff(tenant=tenant, role=Role.OWNER)
    panelist = PanelistFactory.create(tenant=tenant)
    form = {"panelist": panelist.public_id, "amount": "2.50", "reason": "bonus", "memo": "", "key": uuid.uuid4().hex}

    refused = staff.client.post("/t/money/console/rewards/postings/", form)
    assert refused.status_code == 400
    assert "the reason is recorded" in refused.content.decode()
    assert not LedgerTransaction.objects.unscoped().exists()

    form["memo"] = "Thank you for the detailed feedback"
    assert staff.client.post("/t/money/console/rewards/postings/", form).status_code == 302
    assert staff.client.post("/t/money/console/rewards/postings/", form).status_code == 302  # double submit
    txn = LedgerTransaction.objects.unscoped().get()
    assert (txn.reason, txn.memo, txn.actor, txn.source) == ("bonus", form["memo"], f"user:{staff.user.pk}", "console")
    assert panelist_balance(panelist=panelist) == 250
    page = staff.client.get("/t/money/console/rewards/").content.decode()
    assert "Thank you for the detailed feedback" in page


def test_a_negative_adjustment_cannot_take_a_balance_below_zero(make_staff, tenant) -> None:
    staff = make_staff(tenant=tenant)
    panelist = PanelistFactory.create(tenant=tenant)
    panelist_credit(panelist=panelist, amount=100, reason="survey", idempotency_key="s:1")
    form = {"panelist": panelist.public_id, "amount": "-2.00", "reason": "adjustment", "memo": "duplicate survey",
            "key": uuid.uuid4().hex}  # fmt: skip

    response = staff.client.post("/t/money/console/rewards/postings/", form)

    assert response.status_code == 400
    assert "below zero" in response.content.decode()
    assert panelist_balance(panelist=panelist) == 100
    form |= {"amount": "-0.40", "key": uuid.uuid4().hex}
    assert staff.client.post("/t/money/console/rewards/postings/", form).status_code == 302
    assert panelist_balance(panelist=panelist) == 60


@pytest.mark.parametrize(
    ("amount", "reason", "field"),
    [("0", "bonus", "amount"), ("-1", "bonus", "amount"), ("1.234", "bonus", "amount"), ("abc", "bonus", "amount"),
     ("1", "payout", "reason")],
)  # fmt: skip
def test_bad_manual_postings_are_refused_with_the_field(make_staff, tenant, amount, reason, field) -> None:
    staff = make_staff(tenant=tenant)
    panelist = PanelistFactory.create(tenant=tenant)
    form = {"panelist": panelist.public_id, "amount": amount, "reason": reason, "memo": "why", "key": uuid.uuid4().hex}
    response = staff.client.post("/t/money/console/rewards/postings/", form)
    assert response.status_code == 400
    assert f"<li>{field}: " in response.content.decode()
    assert not LedgerTransaction.objects.unscoped().exists()


def test_liability_and_expense_per_reason_and_month(make_staff, tenant) -> None:
    staff = make_staff(tenant=tenant)
    panelist = PanelistFactory.create(tenant=tenant)
    panelist_credit(panelist=panelist, amount=50, reason="survey", idempotency_key="s:1")
    panelist_credit(panelist=panelist, amount=50, reason="survey", idempotency_key="s:2")
    receipts = panelist_credit(panelist=panelist, amount=1000, reason="receipts", idempotency_key="r:1")
    transaction_reverse(txn=receipts)

    page = staff.client.get("/t/money/console/rewards/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'data-testid="owed">1.00 EUR<' in page
    expense = page[page.index('data-testid="expense"') :]
    assert "Survey completed</td><td>2</td><td>1.00 EUR" in expense
    assert "Receipt milestone</td><td>2</td><td>0.00 EUR" in expense  # credited then reversed


def test_reward_settings_are_edited_in_major_units(make_staff, tenant) -> None:
    staff = make_staff(tenant=tenant)
    form = {"action": "settings", "survey_reward": "0.75", "receipts_required": "8", "receipts_reward": "12.00",
            "ad_verification_monthly": "2.50", "ad_verification_active_days": "15", "payout_threshold": "20.00",
            "gift_card_value": "10.00", "gift_cards_enabled": "on"}  # fmt: skip
    assert staff.client.post("/t/money/console/rewards/settings/", form).status_code == 302
    rules = RewardSettings.objects.get(tenant=tenant)
    assert (rules.survey_reward, rules.receipts_required, rules.payout_threshold, rules.gift_card_value) == (
        75,
        8,
        2000,
        1000,
    )
    assert (rules.mass_payment_enabled, rules.gift_cards_enabled, rules.charity_enabled) == (False, True, False)

    form.pop("gift_cards_enabled")
    response = staff.client.post("/t/money/console/rewards/settings/", form | {"survey_reward": "0.755"})
    assert response.status_code == 400
    assert "Enable at least one way to pay panelists." in response.content.decode()
    assert RewardSettings.objects.get(tenant=tenant).survey_reward == 75


def test_providers_page_imports_codes_batches_and_settles(make_staff, tenant) -> None:
    staff = make_staff(tenant=tenant)
    paid_run(tenant, PanelistFactory.create(tenant=tenant))
    codes = b"code,value,currency,expiry\nGIFT-1,10.00,EUR,2099-01-01\nGIFT-2,10.00,EUR,\n"

    response = staff.client.post("/t/money/console/payouts/gift-cards/",
                                 {"action": "import_codes", "file": io.BytesIO(codes)})  # fmt: skip
    assert response.status_code == 302
    assert GiftCard.objects.unscoped().count() == 2
    bad = staff.client.post("/t/money/console/payouts/gift-cards/",
                            {"action": "import_codes", "file": io.BytesIO(codes)})  # fmt: skip
    assert bad.status_code == 400
    assert "already in the pool" in bad.content.decode()

    assert staff.client.post("/t/money/console/payouts/batches/", {"action": "create_batch"}).status_code == 302
    batch = MassPaymentBatch.objects.unscoped().get()
    csv_text = b"".join(staff.client.get(f"/t/money/console/payouts/batches/{batch.pk}.csv").streaming_content)
    payout = Payout.objects.unscoped().get()
    assert csv_text.decode().splitlines()[1] == f"{payout.email},15.00,EUR,{payout.reference}"
    staff.client.post(f"/t/money/console/payouts/batches/{batch.pk}/paid/", {"action": "mark_paid"})
    assert Payout.objects.unscoped().get().status == "paid"

    staff.client.post("/t/money/console/payouts/charities/", {"action": "add_charity", "name": "Red Cross"})
    page = staff.client.get("/t/money/console/payouts/providers/").content.decode()
    assert "Red Cross" in page
    assert 'data-testid="codes-available">2<' in page


def test_the_gift_card_value_is_kept_while_payouts_wait_for_codes(make_staff, tenant) -> None:
    staff = make_staff(tenant=tenant)
    panelist = PanelistFactory.create(tenant=tenant)
    PayoutPreference.objects.create(tenant=tenant, panelist=panelist, method="gift_card")
    paid_run(tenant, panelist)
    assert Payout.objects.unscoped().get().status == "waiting_stock"
    form = {"action": "settings", "survey_reward": "0.50", "receipts_required": "10", "receipts_reward": "10.00",
            "ad_verification_monthly": "2.00", "ad_verification_active_days": "20", "payout_threshold": "10.00",
            "gift_card_value": "25.00", "gift_cards_enabled": "on"}  # fmt: skip

    response = staff.client.post("/t/money/console/rewards/settings/", form)

    assert response.status_code == 400
    assert "Payouts are waiting for codes of the current value" in response.content.decode()
    assert RewardSettings.objects.get(tenant=tenant).gift_card_value == 1000
    assert (
        staff.client.post("/t/money/console/rewards/settings/", form | {"gift_card_value": "10.00"}).status_code == 302
    )


def test_a_poll_that_sees_the_run_finish_reloads_the_page_once(make_staff, tenant) -> None:
    staff = make_staff(tenant=tenant)
    run = paid_run(tenant, PanelistFactory.create(tenant=tenant))
    polled = staff.client.get(f"/t/money/console/payouts/runs/{run.pk}/progress/", HTTP_HX_REQUEST="true")
    assert polled["HX-Refresh"] == "true"
    assert "HX-Refresh" not in staff.client.get(f"/t/money/console/payouts/runs/{run.pk}/progress/")


def test_the_payout_runs_api_for_managers_not_reviewers(client, tenant) -> None:
    run = paid_run(tenant, PanelistFactory.create(tenant=tenant), PanelistFactory.create(tenant=tenant))
    manager = api_key_create(tenant=tenant, name="finance", role=Role.MANAGER, created_by=None).key
    reviewer = api_key_create(tenant=tenant, name="review", role=Role.REVIEWER, created_by=None).key

    body = client.get("/api/v1/payouts/runs/", HTTP_AUTHORIZATION=f"Api-Key {manager}").json()

    [row] = body["results"]
    assert (row["id"], row["period"], row["status"], row["payout_count"], row["total_amount"]) == (
        run.pk, "2026-10-01", "done", 2, 3000
    )  # fmt: skip
    assert row["by_status"] == {"pending": 2}
    assert row["chunks_done"] == row["chunks_total"] == 1
    assert client.get("/api/v1/payouts/runs/", HTTP_AUTHORIZATION=f"Api-Key {reviewer}").status_code == 403


def test_settings_beyond_what_the_database_holds_and_bad_ids_are_refused_not_500(make_staff, tenant) -> None:
    staff = make_staff(tenant=tenant)
    form = {"action": "settings", "survey_reward": "0.50", "receipts_required": "10", "receipts_reward": "10.00",
            "ad_verification_monthly": "2.00", "ad_verification_active_days": "20", "payout_threshold": "30000000.00",
            "gift_card_value": "10.00", "gift_cards_enabled": "on"}  # fmt: skip
    assert staff.client.post("/t/money/console/rewards/settings/", form).status_code == 400
    toggle = {"action": "toggle_charity", "charity": "abc"}
    assert staff.client.post("/t/money/console/payouts/charities/abc/toggle/", toggle).status_code == 404
    huge = b'code,value,currency,expiry\n"' + b"x" * 140_000 + b'",10.00,EUR,\n'
    response = staff.client.post("/t/money/console/payouts/gift-cards/",
                                 {"action": "import_codes", "file": io.BytesIO(huge)})  # fmt: skip
    assert response.status_code == 400
    assert "not a readable CSV file" in response.content.decode()


def test_a_bad_result_file_is_refused_with_its_lines_and_settles_nothing(make_staff, tenant) -> None:
    staff = make_staff(tenant=tenant)
    paid_run(tenant, PanelistFactory.create(tenant=tenant))
    staff.client.post("/t/money/console/payouts/batches/", {"action": "create_batch"})
    batch = MassPaymentBatch.objects.unscoped().get()
    result = io.BytesIO(b"reference,status\nFP-NOPE-1,paid\n")

    response = staff.client.post(f"/t/money/console/payouts/batches/{batch.pk}/result/",
                                 {"action": "import_result", "file": result})  # fmt: skip

    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported: 1 line(s) need fixing." in page
    assert "line 2: &#x27;FP-NOPE-1&#x27; is not a payout of this batch" in page
    assert Payout.objects.unscoped().get().status == "sent"


def manual(staff, panelist, amount: str, language: str = "en", **extra: str):
    form = {
        "panelist": panelist.public_id,
        "amount": amount,
        "reason": "bonus",
        "memo": "Thanks",
        "key": uuid.uuid4().hex,
    }
    return staff.client.post("/t/money/console/rewards/postings/", form | extra, HTTP_ACCEPT_LANGUAGE=language)


def test_amounts_are_read_by_the_rules_of_the_operators_language(make_staff, tenant) -> None:
    staff = make_staff(tenant=tenant, role=Role.MANAGER)
    panelist = PanelistFactory.create(tenant=tenant)

    english = manual(staff, panelist, "1,000", confirm="yes")  # one thousand, never one
    french = manual(staff, panelist, "1 000,50", language="fr", confirm="yes")
    exponent = manual(staff, panelist, "1e9")
    grouped_wrong = manual(staff, panelist, "1,00")

    assert (english.status_code, french.status_code) == (302, 302)
    assert panelist_balance(panelist=panelist) == 100000 + 100050
    assert exponent.status_code == 400
    assert "is not an amount" in exponent.content.decode()
    assert grouped_wrong.status_code == 400
    assert "Did you mean" in grouped_wrong.content.decode()


def test_a_bonus_over_the_panels_limit_is_posted_only_once_confirmed(make_staff, tenant) -> None:
    staff = make_staff(tenant=tenant, role=Role.MANAGER)
    panelist = PanelistFactory.create(tenant=tenant)

    first = manual(staff, panelist, "150.00")  # the default limit is 100.00
    html = first.content.decode()
    confirmed = manual(staff, panelist, "150.00", confirm="yes")

    assert first.status_code == 409
    assert "confirm it to post it" in html
    assert 'data-testid="confirm-large-bonus"' in html
    assert 'value="150.00"' in html  # what was typed comes back
    assert confirmed.status_code == 302
    assert panelist_balance(panelist=panelist) == 15000


def test_out_of_range_amounts_are_a_400_with_a_reason_never_a_500(make_staff, tenant) -> None:
    staff = make_staff(tenant=tenant, role=Role.MANAGER)
    panelist = PanelistFactory.create(tenant=tenant)

    huge = [manual(staff, panelist, "9" * 20, confirm="yes") for _ in range(2)]

    assert [r.status_code for r in huge] == [400, 400]
    assert "more than one posting may move" in huge[1].content.decode()
    assert panelist_balance(panelist=panelist) == 0
    with pytest.raises(DomainError, match="more than one posting may move"):
        panelist_credit(panelist=panelist, amount=2**62, reason="bonus", idempotency_key="huge")


def test_the_operator_reads_states_and_people_never_internal_keys(make_staff, tenant) -> None:
    staff = make_staff(tenant=tenant, role=Role.MANAGER)
    first, second = PanelistFactory.create(tenant=tenant), PanelistFactory.create(tenant=tenant)
    run = paid_run(tenant, first, second)
    Payout.objects.for_tenant(tenant).filter(panelist=first).update(status="returned")
    manual(staff, second, "2.00")

    progress = staff.client.get(f"/t/money/console/payouts/runs/{run.pk}/progress/").content.decode()
    detail = staff.client.get(f"/t/money/console/payouts/runs/{run.pk}/").content.decode()
    rewards = staff.client.get("/t/money/console/rewards/").content.decode()

    # a run whose payouts are still out is not "Done · 100%"
    assert "Calculated; 1 payout still being paid" in progress
    assert "Done · 100%" not in progress
    # the operator reads whose balance a returned payout went back to
    assert "Returned to the panelist&#x27;s balance" in detail
    assert "Returned to your balance" not in detail
    # a posting names who made it, not user:<id>
    assert f"{staff.user.email} (Manager)" in rewards
    assert f"user:{staff.user.pk}" not in rewards
