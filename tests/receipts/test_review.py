"""Checks, automatic decisions, the review queue, appeals to a different reviewer, and the milestone."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.errors import DomainError, PermissionDenied
from panel.models import Panelist
from receipts.models import Receipt, ReceiptDecision
from receipts.selectors import review_queue
from receipts.services.program import receipt_program_update
from receipts.services.review import AppealClosed, receipt_appeal, receipt_confirm, receipt_decide
from receipts.services.submission import OverLimit, receipt_submit
from rewards.models import LedgerTransaction
from rewards.selectors import panelist_balance, pending_amounts, wallet_lines
from rewards.services.settings import reward_settings_update
from tenants.roles import Role
from tests.factories import UserFactory
from tests.receipts import hostile
from tests.receipts.generator import jpeg_of, receipt_draw

pytestmark = pytest.mark.django_db


def today(panelist: Panelist) -> date:
    return timezone.localdate(timezone=panelist.tenant.tzinfo)


def sent(panelist: Panelist, png: bytes | None = None, **read: object) -> Receipt:
    """A receipt sent and read: the reading is set as the reader would have left it."""
    receipt = receipt_submit(panelist=panelist, files=[("receipt.png", png or _blank_png())])
    values = {"read_merchant": "BIO MARKET", "read_date": today(panelist), "read_total": 1250} | read
    Receipt.objects.for_tenant(panelist.tenant).filter(pk=receipt.pk).update(status="to_confirm", **values)
    receipt.refresh_from_db()
    return receipt


DRAWN = itertools.count(1)


def _blank_png() -> bytes:
    """Another receipt each time (a new seed each), so that no two look alike to the duplicate check."""
    return receipt_draw(random.Random(next(DRAWN)), rotate=0, noise=False).png


def confirm(receipt: Receipt, *, merchant: str = "Bio Market", day: date | None = None, total: str = "12.50",
            number: str = "") -> Receipt:  # fmt: skip
    day = day or timezone.localdate(timezone=receipt.tenant.tzinfo)
    return receipt_confirm(receipt=receipt, merchant=merchant, purchase_date=day, total=total, receipt_number=number)


def reviewer(panelist: Panelist) -> User:
    from tests.factories import MembershipFactory

    user = UserFactory.create()
    MembershipFactory.create(tenant=panelist.tenant, user=user, role=Role.REVIEWER)
    return user


def flags(receipt: Receipt) -> set[str]:
    return set(receipt.checks.values_list("code", flat=True))


# -- checks and automatic decisions ------------------------------------------------------------------


def test_a_corroborated_receipt_with_no_failing_check_is_approved_by_the_rules(panelist: Panelist) -> None:
    receipt = confirm(sent(panelist))
    assert receipt.status == Receipt.Status.APPROVED
    decision = ReceiptDecision.objects.for_tenant(panelist.tenant).get(receipt=receipt)
    assert (decision.outcome, decision.actor, decision.reviewer) == ("approved", "system", None)


def test_a_total_that_disagrees_with_the_reading_goes_to_a_person(panelist: Panelist) -> None:
    receipt = confirm(sent(panelist), total="99.00")
    assert receipt.status == Receipt.Status.REVIEW
    assert flags(receipt) == {"total_mismatch"}


def test_a_purchase_outside_the_window_is_rejected_by_the_rules(panelist: Panelist) -> None:
    old = today(panelist) - timedelta(days=15)
    receipt = confirm(sent(panelist, read_date=old), day=old)
    assert (receipt.status, receipt.reason) == (Receipt.Status.REJECTED, "outside_window")


def test_an_e_receipt_has_a_longer_window(panelist: Panelist) -> None:
    old = today(panelist) - timedelta(days=20)
    receipt = receipt_submit(panelist=panelist, files=[("e.pdf", hostile.pdf_of_pages(1))])
    Receipt.objects.for_tenant(panelist.tenant).filter(pk=receipt.pk).update(
        status="to_confirm", read_date=old, read_total=1250
    )
    receipt.refresh_from_db()
    assert confirm(receipt, day=old).status == Receipt.Status.APPROVED


def test_a_future_date_and_an_unlisted_merchant_are_flagged_for_a_person(panelist: Panelist) -> None:
    receipt_program_update(tenant=panelist.tenant, values={"merchant_rule": "allow", "merchants": "Corner Grocery"})
    tomorrow = today(panelist) + timedelta(days=1)
    receipt = confirm(sent(panelist, read_date=tomorrow), day=tomorrow)
    assert receipt.status == Receipt.Status.REVIEW
    assert flags(receipt) == {"future_date", "merchant_not_eligible"}


def test_an_unreadable_receipt_goes_to_a_person(panelist: Panelist) -> None:
    receipt = confirm(sent(panelist, read_date=None, read_total=None, read_merchant=""))
    assert receipt.status == Receipt.Status.REVIEW
    assert flags(receipt) == {"unreadable"}


def test_the_same_receipt_number_shop_date_and_total_again_is_an_exact_duplicate(panelist: Panelist) -> None:
    first = confirm(sent(panelist), number="A-1")
    from tests.receipts.conftest import consenting_panelist

    again = confirm(sent(consenting_panelist(panelist.tenant)), merchant="BIO  market", number="a-1")
    assert first.status == Receipt.Status.APPROVED
    assert (again.status, again.reason) == (Receipt.Status.REJECTED, "duplicate_receipt")
    assert again.checks.get(code="duplicate_receipt").similar == first


def test_the_same_receipt_re_encoded_cropped_and_rotated_is_caught_and_another_is_not(
    panelist: Panelist, rng: random.Random
) -> None:
    drawn = receipt_draw(rng, rotate=0, noise=False)
    first = confirm(sent(panelist, png=drawn.png), merchant=drawn.merchant)
    w, h = drawn.image.size
    cropped = drawn.image.crop((int(w * 0.025), int(h * 0.025), int(w * 0.975), int(h * 0.975)))
    again = jpeg_of(cropped.rotate(2, expand=True, fillcolor="white"), quality=70)
    copy = receipt_submit(panelist=panelist, files=[("copy.jpg", again)])
    Receipt.objects.for_tenant(panelist.tenant).filter(pk=copy.pk).update(status="to_confirm", read_total=1250,
                                                                          read_date=today(panelist))  # fmt: skip
    copy.refresh_from_db()
    copy = confirm(copy, merchant="Another shop", total="12.50")
    assert copy.status == Receipt.Status.REVIEW
    assert copy.checks.get(code="duplicate_image").similar == first
    other = confirm(sent(panelist, png=receipt_draw(rng, rotate=0, noise=False).png), merchant="Third shop")
    assert "duplicate_image" not in flags(other)


def test_over_the_weekly_limit_nothing_more_is_accepted(panelist: Panelist, receipts_folder: Path) -> None:
    receipt_program_update(tenant=panelist.tenant, values={"weekly_limit": 1})
    sent(panelist)
    with pytest.raises(OverLimit) as refused:
        receipt_submit(panelist=panelist, files=[("r.jpg", jpeg_of(hostile.small_photo()))])
    assert (refused.value.code, refused.value.status_code) == ("over_limit", 429)
    assert len(list(receipts_folder.rglob("*.jpg"))) == 1


# -- people decide ---------------------------------------------------------------------------------------


def test_a_reviewer_rejects_with_a_reason_the_panelist_appeals_once_and_another_reviewer_decides(
    panelist: Panelist,
) -> None:
    first, second = reviewer(panelist), reviewer(panelist)
    receipt = confirm(sent(panelist), total="99.00")
    assert list(review_queue(tenant=panelist.tenant, reviewer_actor=f"user:{first.pk}")) == [receipt]
    with pytest.raises(DomainError) as refused:
        receipt_decide(receipt=receipt, reviewer=first, outcome="rejected")
    assert refused.value.fields == {"reason": ["Choose a reason."]}
    receipt_decide(receipt=receipt, reviewer=first, outcome="rejected", reason="total_mismatch", note="It says 12.50")
    receipt_appeal(receipt=receipt, message="I typed it wrong, it is 12.50")
    receipt.refresh_from_db()
    assert receipt.status == Receipt.Status.REVIEW
    # the first reviewer neither sees the appeal in their queue nor may decide it
    assert list(review_queue(tenant=panelist.tenant, reviewer_actor=f"user:{first.pk}")) == []
    with pytest.raises(PermissionDenied) as same:
        receipt_decide(receipt=receipt, reviewer=first, outcome="approved")
    assert same.value.code == "same_reviewer"
    receipt_decide(receipt=receipt, reviewer=second, outcome="approved")
    decisions = list(ReceiptDecision.objects.for_tenant(panelist.tenant).filter(receipt=receipt).order_by("id"))
    assert [(d.outcome, d.reviewer, d.on_appeal) for d in decisions] == [
        ("rejected", first, False),
        ("approved", second, True),
    ]
    receipt.refresh_from_db()
    assert receipt.status == Receipt.Status.APPROVED


def test_an_appeal_comes_once_and_within_30_days(panelist: Panelist) -> None:
    old = today(panelist) - timedelta(days=15)
    receipt = confirm(sent(panelist, read_date=old), day=old)  # rejected by the rules
    with pytest.raises(AppealClosed):
        receipt_appeal(receipt=receipt, now=timezone.now() + timedelta(days=31))
    receipt_appeal(receipt=receipt)
    receipt_decide(receipt=receipt, reviewer=reviewer(panelist), outcome="rejected", reason="outside_window")
    with pytest.raises(AppealClosed):
        receipt_appeal(receipt=receipt)


def test_the_panelist_sees_each_decision_and_its_reason(panelist: Panelist) -> None:
    old = today(panelist) - timedelta(days=15)
    receipt = confirm(sent(panelist, read_date=old), day=old)
    client = Client()
    assert panelist.user is not None
    client.force_login(panelist.user)
    page = client.get(
        reverse("receipt_detail", kwargs={"tenant_slug": panelist.tenant.slug, "public_id": receipt.public_id})
    )
    html = page.content.decode()
    assert "outside_window" in html
    assert "The purchase is older than the program accepts." in html
    assert "by the automatic rules" in html
    assert 'data-testid="appeal-form"' in html


# -- the milestone -------------------------------------------------------------------------------------


def test_the_approval_that_reaches_the_milestone_pays_it_once_and_the_wallet_shows_progress(
    panelist: Panelist,
) -> None:
    tenant = panelist.tenant
    reward_settings_update(tenant=tenant, values={"receipts_required": 2, "receipts_reward": 1000})
    confirm(sent(panelist))
    waiting = confirm(sent(panelist), total="99.00")  # under review
    assert [item.label for item in pending_amounts(panelist=panelist)] == [
        "Receipts: 1 of 2 approved receipts this month, 1 under review"
    ]
    assert panelist_balance(panelist=panelist) == 0
    receipt_decide(receipt=waiting, reviewer=reviewer(panelist), outcome="approved")
    month = timezone.localdate(timezone=tenant.tzinfo).replace(day=1)
    credit = LedgerTransaction.objects.for_tenant(tenant).get(reason="receipts")
    assert credit.idempotency_key == f"receipts:{panelist.public_id}:{month:%Y-%m}:1"
    assert panelist_balance(panelist=panelist) == 1000
    confirm(sent(panelist, read_total=700), total="7.00")  # a third approval pays nothing more
    assert LedgerTransaction.objects.for_tenant(tenant).filter(reason="receipts").count() == 1
    assert pending_amounts(panelist=panelist) == []
    line = next(iter(wallet_lines(panelist=panelist)))
    assert line.source_label.startswith("Receipts of ")


def test_the_console_queue_shows_the_receipt_its_flags_and_takes_a_decision(make_staff, panelist: Panelist) -> None:
    staff = make_staff(tenant=panelist.tenant, role=Role.REVIEWER)
    receipt = confirm(sent(panelist), total="99.00")
    page = staff.client.get(reverse("console_receipts_review", kwargs={"tenant_slug": panelist.tenant.slug}))
    html = page.content.decode()
    assert page.status_code == 200
    assert "total_mismatch" in html
    assert 'src="/t/' in html  # the image, through a signed link
    refused = staff.client.post(
        reverse("console_receipt_decide", kwargs={"tenant_slug": panelist.tenant.slug, "pk": receipt.pk}),
        {"outcome": "rejected", "reason": ""},
    )
    assert refused.status_code == 400
    done = staff.client.post(
        reverse("console_receipt_decide", kwargs={"tenant_slug": panelist.tenant.slug, "pk": receipt.pk}),
        {"outcome": "rejected", "reason": "total_mismatch", "note": "The receipt says 12.50"},
    )
    assert done.status_code == 302
    receipt.refresh_from_db()
    assert (receipt.status, receipt.reason) == (Receipt.Status.REJECTED, "total_mismatch")


@pytest.mark.parametrize(("money", "balance"), [("keep", 1000), ("take_back", 0)])
def test_an_approval_reversed_after_the_milestone_was_paid_leaves_the_money_to_the_operators_choice(
    panelist: Panelist, money: str, balance: int
) -> None:
    from receipts.services.review import receipt_approval_reverse
    from tests.factories import MembershipFactory

    reward_settings_update(tenant=panelist.tenant, values={"receipts_required": 1, "receipts_reward": 1000})
    receipt = confirm(sent(panelist))
    assert panelist_balance(panelist=panelist) == 1000
    manager = UserFactory.create()
    MembershipFactory.create(tenant=panelist.tenant, user=manager, role=Role.MANAGER)
    decision = receipt_approval_reverse(receipt=receipt, by=manager, reason="not_a_receipt", note="A menu.",
                                        take_back=money == "take_back")  # fmt: skip
    receipt.refresh_from_db()
    assert (receipt.status, receipt.reason, receipt.counted_month) == ("rejected", "not_a_receipt", None)
    assert panelist_balance(panelist=panelist) == balance
    assert (decision.reversal, decision.money, decision.note) == (
        True,
        {"keep": "kept"}.get(money, "taken_back"),
        "A menu.",
    )
    assert decision.reviewer == manager
    # the panelist is told, on the receipt's page
    client = Client()
    assert panelist.user is not None
    client.force_login(panelist.user)
    page = client.get(
        reverse("receipt_detail", kwargs={"tenant_slug": panelist.tenant.slug, "public_id": receipt.public_id})
    ).content.decode()
    told = "taken back" if money == "take_back" else "yours to keep"
    assert "Approval withdrawn" in page
    assert told in page


def test_the_payout_run_credits_only_a_milestone_not_paid_at_the_approval(panelist: Panelist) -> None:
    from receipts.models import ReceiptTally
    from rewards.periods import month_start_local
    from rewards.services.payouts import monthly_rewards_credit

    tenant = panelist.tenant
    reward_settings_update(tenant=tenant, values={"receipts_required": 3, "receipts_reward": 1000})
    for cents in (1250, 1300):  # two approved (two purchases: another total each): short of 3, nothing paid
        receipt = confirm(sent(panelist, read_total=cents), total=f"{cents / 100:.2f}")
        assert receipt.status == Receipt.Status.APPROVED
    reward_settings_update(tenant=tenant, values={"receipts_required": 2})  # the operator lowers the count
    month = month_start_local(tenant)
    assert monthly_rewards_credit(tenant=tenant, period=month) == 1  # the month's milestone, by the run
    assert monthly_rewards_credit(tenant=tenant, period=month) == 0  # once
    assert panelist_balance(panelist=panelist) == 1000
    credit = LedgerTransaction.objects.for_tenant(tenant).get(reason="receipts")
    assert credit.idempotency_key == f"receipt-milestone:{month:%Y-%m}:{panelist.pk}"
    assert ReceiptTally.objects.for_tenant(tenant).get(panelist=panelist).approved == 2
