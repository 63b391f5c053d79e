"""The panelist is told of decisions on their receipts by email, in the language they agreed to the
program in: a rejection (by the rules or a reviewer), an appeal decided, an approval reversed with
what happened to the month's money. About their own money, so never held by the contact cap; the
message carries only the decision's id, and the worker reads the address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from consent.services.consent import consent_grant
from panel.contact import email_hash
from panel.models import ContactLog, Panelist
from receipts.services.review import receipt_appeal, receipt_approval_reverse, receipt_decide
from rewards.services.settings import reward_settings_update
from tenants.roles import Role
from tests.enqueued import assert_ids_only, enqueued, run_enqueued
from tests.factories import MembershipFactory, PanelistFactory, UserFactory
from tests.receipts.test_review import confirm, reviewer, sent, today

pytestmark = pytest.mark.django_db

NOTICE = "receipts.tasks.receipt_decision_notice_send_task"


def _told(callbacks: list) -> list[mail.EmailMessage]:
    """Run the notices the block enqueued, as the worker would, and return what they mailed."""
    messages = [m for m in enqueued(callbacks) if m[0] == NOTICE]
    assert_ids_only(messages)
    before = len(mail.outbox)
    assert run_enqueued(callbacks, NOTICE) == [True] * len(messages)
    return list(mail.outbox[before:])


def test_a_rejection_by_a_reviewer_is_mailed_with_its_reason_its_note_and_how_to_appeal(
    panelist: Panelist, django_capture_on_commit_callbacks
) -> None:
    receipt = confirm(sent(panelist), total="99.00")  # under review: nobody is told yet
    with django_capture_on_commit_callbacks() as callbacks:
        receipt_decide(receipt=receipt, reviewer=reviewer(panelist), outcome="rejected", reason="total_mismatch",
                       note="The receipt says 12.50")  # fmt: skip
    [notice] = _told(callbacks)
    assert panelist.user is not None
    assert notice.to == [panelist.user.email]
    assert notice.subject == f"[{panelist.tenant.name}] Your receipt was not accepted"
    body = str(notice.body)
    assert "it was not accepted." in body
    assert "Why: The total you confirmed differs from the one on the receipt." in body
    assert "The reviewer's note: The receipt says 12.50" in body
    assert "You may appeal once, within 30 days" in body
    assert f"/t/{panelist.tenant.slug}/receipts/{receipt.public_id}/" in body
    assert "it is not advertising" in body


def test_a_rejection_by_the_rules_is_mailed_too_and_an_approval_is_not(
    panelist: Panelist, django_capture_on_commit_callbacks
) -> None:
    old = today(panelist) - timedelta(days=15)
    with django_capture_on_commit_callbacks() as callbacks:
        confirm(sent(panelist, read_date=old), day=old)  # outside the window: rejected by the rules
        confirm(sent(panelist, read_total=1300), total="13.00")  # approved by the rules: nothing to tell
    [notice] = _told(callbacks)
    assert "Why: The purchase is older than the program accepts." in str(notice.body)


def test_an_appeal_decided_is_mailed_in_the_language_the_panelist_agreed_to_the_program_in(
    panelist: Panelist, django_capture_on_commit_callbacks
) -> None:
    # given a panelist who agreed to the receipts program in French, and a rejection they appealed
    french = PanelistFactory.create(tenant=panelist.tenant)
    consent_grant(tenant=panelist.tenant, subject=french.public_id, purpose_key="receipts", language="fr",
                  method="web", actor="subject")  # fmt: skip
    first, second = reviewer(french), reviewer(french)
    receipt = confirm(sent(french), total="99.00")
    receipt_decide(receipt=receipt, reviewer=first, outcome="rejected", reason="total_mismatch")
    receipt_appeal(receipt=receipt, message="C'était bien 12,50")
    # when another reviewer approves it on appeal
    with django_capture_on_commit_callbacks() as callbacks:
        receipt_decide(receipt=receipt, reviewer=second, outcome="approved")
    # then the panelist is told, in French, with no appeal offered again
    [notice] = _told(callbacks)
    assert notice.subject == f"[{panelist.tenant.name}] Votre recours a été tranché"
    assert "sur votre recours, un autre vérificateur l’a accepté." in str(notice.body)
    assert "faire un recours" not in str(notice.body)


def test_an_approval_reversed_after_the_milestone_was_paid_is_mailed_with_the_operators_choice(
    panelist: Panelist, django_capture_on_commit_callbacks
) -> None:
    reward_settings_update(tenant=panelist.tenant, values={"receipts_required": 1, "receipts_reward": 1000})
    receipt = confirm(sent(panelist))
    manager = UserFactory.create()
    MembershipFactory.create(tenant=panelist.tenant, user=manager, role=Role.MANAGER)
    with django_capture_on_commit_callbacks() as callbacks:
        receipt_approval_reverse(receipt=receipt, by=manager, reason="not_a_receipt", note="A menu.", take_back=False)
    [notice] = _told(callbacks)
    assert notice.subject == f"[{panelist.tenant.name}] The approval of your receipt was withdrawn"
    body = str(notice.body)
    assert "its approval was withdrawn after a further check." in body
    assert "Why: This is not a purchase receipt." in body
    assert "The month's reward already paid is yours to keep." in body


def test_a_notice_is_sent_whatever_the_contact_cap_and_does_not_count_toward_it(
    panelist: Panelist, django_capture_on_commit_callbacks
) -> None:
    # given a panelist who has had all the messages the cap allows this week
    assert panelist.user is not None
    address = panelist.user.email
    for _ in range(panelist.tenant.contact_cap):
        ContactLog.objects.create(tenant=panelist.tenant, email_hash=email_hash(address), kind="survey_invitation")
    receipt = confirm(sent(panelist), total="99.00")
    with django_capture_on_commit_callbacks() as callbacks:
        receipt_decide(receipt=receipt, reviewer=reviewer(panelist), outcome="rejected", reason="not_a_receipt")
    # then the rejection is still told, and the cap's count is unchanged
    assert len(_told(callbacks)) == 1
    assert ContactLog.objects.for_tenant(panelist.tenant).count() == panelist.tenant.contact_cap


def test_nobody_is_mailed_once_the_person_is_gone(panelist: Panelist, django_capture_on_commit_callbacks) -> None:
    receipt = confirm(sent(panelist), total="99.00")
    with django_capture_on_commit_callbacks() as callbacks:
        receipt_decide(receipt=receipt, reviewer=reviewer(panelist), outcome="rejected", reason="not_a_receipt")
    Panelist.objects.for_tenant(panelist.tenant).filter(pk=panelist.pk).update(user=None)  # as after an erasure
    assert run_enqueued(callbacks, NOTICE) == [False]
    assert mail.outbox == []
