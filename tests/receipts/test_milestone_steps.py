"""The monthly milestone's further steps: besides the first (the reward settings' count and amount),
the operator may add steps, each paid once per panelist and month at the approval that reaches it,
keyed ``receipts:<panelist>:<YYYY-MM>:<step>``; the wallet shows the next step; a reversal may take a
step back, and reaching it again pays it again."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from core.errors import DomainError
from panel.models import Panelist
from receipts.home import receipts_home_card
from receipts.models import Receipt, ReceiptProgram, ReceiptTally
from receipts.services.program import receipt_program_update
from receipts.services.review import receipt_approval_reverse, receipt_decide
from rewards.models import LedgerTransaction
from rewards.periods import month_start_local
from rewards.selectors import panelist_balance, pending_amounts
from rewards.services.payouts import monthly_rewards_credit
from rewards.services.settings import reward_settings_update
from tenants.roles import Role
from tenants.services import api_key_create
from tests.factories import MembershipFactory, UserFactory
from tests.receipts.test_review import reviewer

pytestmark = pytest.mark.django_db


def _steps(panelist: Panelist) -> None:
    """10.00 at 2 approved receipts (the reward settings), then 5.00 more at 3 and 2.00 more at 4."""
    reward_settings_update(tenant=panelist.tenant, values={"receipts_required": 2, "receipts_reward": 1000})
    steps = [{"receipts": 4, "amount": 200}, {"receipts": 3, "amount": 500}]
    receipt_program_update(tenant=panelist.tenant, values={"milestone_steps": steps})


def _approve(panelist: Panelist, by: User, count: int = 1) -> list[Receipt]:
    receipts = [
        Receipt.objects.create(
            tenant=panelist.tenant, panelist=panelist, kind="photo", status="review", merchant="Shop"
        )
        for _ in range(count)
    ]
    for receipt in receipts:
        receipt_decide(receipt=receipt, reviewer=by, outcome="approved")
    return receipts


def _keys(panelist: Panelist) -> list[str]:
    """The milestone credits' keys, without their ``receipts:<panelist>:`` prefix."""
    credits = LedgerTransaction.objects.for_tenant(panelist.tenant).filter(reason="receipts").order_by("id")
    return [
        key.removeprefix(f"receipts:{panelist.public_id}:") for key in credits.values_list("idempotency_key", flat=True)
    ]


def _month(panelist: Panelist) -> str:
    return f"{month_start_local(panelist.tenant):%Y-%m}"


def test_each_step_is_paid_once_at_the_approval_that_reaches_it_and_the_wallet_shows_the_next(
    panelist: Panelist,
) -> None:
    _steps(panelist)
    by = reviewer(panelist)
    _approve(panelist, by)
    assert pending_amounts(panelist=panelist)[0].label == "Receipts: 1 of 2 approved receipts this month"
    _approve(panelist, by)
    assert panelist_balance(panelist=panelist) == 1000
    card = receipts_home_card(panelist, "en")
    assert card is not None
    assert card.summary == "2 of 3 approved receipts this month · 5.00 EUR more at 3"
    _approve(panelist, by)
    assert panelist_balance(panelist=panelist) == 1500
    _approve(panelist, by, 2)  # the fourth pays the last step; the fifth pays nothing more
    assert panelist_balance(panelist=panelist) == 1700
    month = _month(panelist)
    credits = LedgerTransaction.objects.for_tenant(panelist.tenant).filter(reason="receipts").order_by("id")
    assert list(credits.values_list("idempotency_key", flat=True)) == [
        f"receipts:{panelist.public_id}:{month}:1",
        f"receipts:{panelist.public_id}:{month}:2",
        f"receipts:{panelist.public_id}:{month}:3",
    ]
    assert ReceiptTally.objects.for_tenant(panelist.tenant).get(panelist=panelist).paid_steps == 3
    assert pending_amounts(panelist=panelist) == []
    # the panelist's page lists the steps, each paid
    client = Client()
    assert panelist.user is not None
    client.force_login(panelist.user)
    page = client.get(reverse("receipts", kwargs={"tenant_slug": panelist.tenant.slug})).content.decode()
    assert "5 approved this month · this month's reward is paid" in page
    assert page.count("✓") == 3


def test_an_approval_that_reaches_two_steps_at_once_pays_both(panelist: Panelist) -> None:
    # given 3 approvals this month and only the first step (at 2), paid
    reward_settings_update(tenant=panelist.tenant, values={"receipts_required": 2, "receipts_reward": 1000})
    by = reviewer(panelist)
    _approve(panelist, by, 3)
    # when the operator adds steps at 3 and 4, the next approval pays both
    steps = [{"receipts": 3, "amount": 500}, {"receipts": 4, "amount": 200}]
    receipt_program_update(tenant=panelist.tenant, values={"milestone_steps": steps})
    _approve(panelist, by)
    assert panelist_balance(panelist=panelist) == 1700
    assert _keys(panelist) == [f"{_month(panelist)}:1", f"{_month(panelist)}:2", f"{_month(panelist)}:3"]


@pytest.mark.parametrize("take_back", [False, True])
def test_a_reversal_below_a_paid_step_leaves_its_money_to_the_operator_and_reaching_it_again_pays_what_was_taken(
    panelist: Panelist, take_back: bool
) -> None:
    _steps(panelist)
    by = reviewer(panelist)
    approved = _approve(panelist, by, 3)  # steps 1 and 2 paid: 15.00
    manager = UserFactory.create()
    MembershipFactory.create(tenant=panelist.tenant, user=manager, role=Role.MANAGER)
    decision = receipt_approval_reverse(receipt=approved[0], by=manager, reason="not_a_receipt", note="",
                                        take_back=take_back)  # fmt: skip
    tally = ReceiptTally.objects.for_tenant(panelist.tenant).get(panelist=panelist)
    # only step 2 is no longer reached (2 approvals remain): it is taken back, or kept, as chosen
    assert decision.money == ("taken_back" if take_back else "kept")
    assert (tally.approved, tally.paid_steps) == (2, 1 if take_back else 2)
    assert panelist_balance(panelist=panelist) == (1000 if take_back else 1500)
    # reaching step 2 again pays it again only if it was taken back
    _approve(panelist, by)
    assert panelist_balance(panelist=panelist) == 1500
    month = _month(panelist)
    assert _keys(panelist) == (
        [f"{month}:1", f"{month}:2", f"{month}:2:2"] if take_back else [f"{month}:1", f"{month}:2"]
    )


def test_the_payout_run_credits_the_steps_reached_but_not_paid_at_the_approval(panelist: Panelist) -> None:
    reward_settings_update(tenant=panelist.tenant, values={"receipts_required": 5, "receipts_reward": 1000})
    _approve(panelist, reviewer(panelist), 3)  # short of 5: nothing paid
    reward_settings_update(tenant=panelist.tenant, values={"receipts_required": 2})
    receipt_program_update(tenant=panelist.tenant, values={"milestone_steps": [{"receipts": 3, "amount": 500}]})
    month = month_start_local(panelist.tenant)
    assert monthly_rewards_credit(tenant=panelist.tenant, period=month) == 1  # both steps, in one credit
    assert monthly_rewards_credit(tenant=panelist.tenant, period=month) == 0
    assert panelist_balance(panelist=panelist) == 1500


def test_steps_are_checked_before_they_are_saved(panelist: Panelist) -> None:
    reward_settings_update(tenant=panelist.tenant, values={"receipts_required": 10})
    with pytest.raises(DomainError) as refused:
        receipt_program_update(tenant=panelist.tenant, values={"milestone_steps": [
            {"receipts": 10, "amount": 500}, {"receipts": 20, "amount": 0}, {"receipts": 30, "amount": 100},
            {"receipts": 30, "amount": 200}, {"receipts": "many", "amount": 1},
        ]})  # fmt: skip
    assert refused.value.fields["milestone_steps"] == [
        "A further step needs more receipts than the first step (10), and at most 1000.",
        "A step pays more than zero.",
        "Two steps at 30 receipts.",
        "Give whole numbers.",
    ]
    with pytest.raises(DomainError) as refused:
        receipt_program_update(tenant=panelist.tenant, values={"milestone_steps": [{"amount": 5}]})
    assert refused.value.fields["milestone_steps"] == ["Each step needs a number of receipts and an amount."]
    assert ReceiptProgram.objects.for_tenant(panelist.tenant).count() == 0


def test_a_manager_sets_further_steps_in_the_console_and_a_key_by_the_api(make_staff, panelist: Panelist) -> None:
    manager = make_staff(tenant=panelist.tenant, role=Role.MANAGER)
    slug = panelist.tenant.slug
    form = {"merchant_rule": "any", "step_receipts": ["20", "", "15"], "step_amount": ["5,00", "", "2,50"]}
    saved = manager.client.post(reverse("console_receipt_program_update", kwargs={"tenant_slug": slug}), form,
                                HTTP_ACCEPT_LANGUAGE="fr")  # fmt: skip
    assert saved.status_code == 302
    program = ReceiptProgram.objects.for_tenant(panelist.tenant).get()
    assert program.milestone_steps == [{"receipts": 15, "amount": 250}, {"receipts": 20, "amount": 500}]
    page = manager.client.get(reverse("console_receipt_program", kwargs={"tenant_slug": slug})).content.decode()
    assert 'name="step_receipts" min="2" max="1000" value="15"' in page
    too_few = {"merchant_rule": "any", "step_receipts": ["5"], "step_amount": ["5.00"]}
    refused = manager.client.post(reverse("console_receipt_program_update", kwargs={"tenant_slug": slug}), too_few)
    assert refused.status_code == 400
    assert "more receipts than the first step (10)" in refused.content.decode()
    issued = api_key_create(tenant=panelist.tenant, name="manager", role=Role.MANAGER, created_by=None)
    key = Client(headers={"Authorization": f"Api-Key {issued.key}"})
    assert key.get("/api/v1/receipts/program/").json()["milestone_steps"] == program.milestone_steps
    put = key.put("/api/v1/receipts/program/", {"milestone_steps": [{"receipts": 12, "amount": 300}]},
                  content_type="application/json")  # fmt: skip
    assert (put.status_code, put.json()["milestone_steps"]) == (200, [{"receipts": 12, "amount": 300}])
    cleared = key.put("/api/v1/receipts/program/", {"milestone_steps": []}, content_type="application/json")
    assert cleared.json()["milestone_steps"] == []
