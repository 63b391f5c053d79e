"""The panelist confirms the fields; the checks run; the rules approve, reject, or hand the receipt to
a person; reviewers decide; a rejection may be appealed once, to a different reviewer.

Only deterministic failures reject alone (``AUTO_REJECT``: the same shop, date, total and receipt
number as another receipt, or a purchase outside the window). An automatic approval needs no check
failing and the reading to corroborate what the panelist confirmed (the same total and date).
Everything else waits for a person. Every decision is a ``ReceiptDecision`` row: what, why, who, when.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import Conflict, DomainError, PermissionDenied
from receipts.models import (
    AUTO_REJECT,
    Reason,
    Receipt,
    ReceiptAppeal,
    ReceiptCheck,
    ReceiptDecision,
    ReceiptProgram,
    merchant_key,
)
from receipts.selectors import (
    fingerprint_twin,
    merchant_category,
    receipt_program_get,
    receipts_recent_count,
    similar_images,
)
from receipts.services.milestone import (
    approval_count,
    approval_uncount,
    milestone_take_back,
    steps_no_longer_reached,
)
from receipts.tasks import receipt_decision_notice_send_task
from rewards.money import parse_money_typed

APPEAL_DAYS = 30


class WrongState(Conflict):
    code = "wrong_state"


def fingerprint(*, tenant_id: int, merchant: str, purchase_date: date | None, total: int | None, number: str) -> str:
    """A keyed hash of what identifies a purchase: equal for the same receipt, whoever sends it,
    without keeping the values side by side in an index."""
    message = f"{tenant_id}|{merchant_key(merchant)}|{purchase_date}|{total}|{merchant_key(number)}"
    key = hashlib.sha256(f"receipts.fingerprint:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def _parse_fields(
    *, receipt: Receipt, merchant: str, purchase_date: str | date | None, total: str, receipt_number: str, language: str
) -> tuple[str, date, int]:
    errors: dict[str, list[str]] = {}
    merchant = merchant.strip()[:100]
    if not merchant:
        errors["merchant"] = [_("Name the shop.")]
    day: date | None = None
    if isinstance(purchase_date, date):
        day = purchase_date
    else:
        try:
            day = date.fromisoformat(str(purchase_date or "").strip())
        except ValueError:
            errors["purchase_date"] = [_("Give the date of the purchase (YYYY-MM-DD).")]
    amount = 0
    try:
        amount = parse_money_typed(str(total), receipt.tenant.currency, language)
        if amount <= 0:
            errors["total"] = [_("Give the receipt's total, more than zero.")]
    except ValueError as exc:
        errors["total"] = [str(exc)]
    if errors or day is None:
        raise DomainError(_("Some fields need a correction; see them below."), fields=errors)
    return merchant, day, amount


def _checks(receipt: Receipt, program: ReceiptProgram, today: date) -> list[ReceiptCheck]:
    found: list[ReceiptCheck] = []

    def flag(code: Reason, detail: str = "", similar: int | None = None) -> None:
        found.append(ReceiptCheck(tenant_id=receipt.tenant_id, receipt=receipt, code=code, detail=detail[:200],
                                  similar_id=similar))  # fmt: skip

    assert receipt.purchase_date is not None
    if (twin := fingerprint_twin(receipt=receipt)) is not None:
        flag(Reason.DUPLICATE_RECEIPT, "same shop, date, total and number", twin.pk)
    similar = similar_images(receipt=receipt)
    if similar:
        flag(Reason.DUPLICATE_IMAGE, f"{similar[0][1]} of 256 bits differ", similar[0][0])
    window = program.pdf_window_days if receipt.kind == Receipt.Kind.PDF else program.photo_window_days
    submitted = timezone.localdate(receipt.submitted_at, receipt.tenant.tzinfo)
    if receipt.purchase_date > today:
        flag(Reason.FUTURE_DATE, f"{receipt.purchase_date.isoformat()}")
    elif (submitted - receipt.purchase_date).days > window:
        flag(Reason.OUTSIDE_WINDOW, f"{(submitted - receipt.purchase_date).days} days; the program takes {window}")
    if program.merchant_rule != ReceiptProgram.MerchantRule.ANY:
        listed = {merchant_key(name) for name in program.merchants}
        key = merchant_key(receipt.merchant)
        category = merchant_category(tenant=receipt.tenant, merchant=receipt.merchant)
        is_listed = any(name and (name in key or key in name) for name in listed) or (
            bool(category) and merchant_key(category) in {merchant_key(name) for name in program.categories}
        )
        if (program.merchant_rule == ReceiptProgram.MerchantRule.ALLOW) != is_listed:
            flag(Reason.MERCHANT_NOT_ELIGIBLE, f"{receipt.merchant} ({category})" if category else receipt.merchant)
    if receipt.read_total is None and receipt.read_date is None:
        flag(Reason.UNREADABLE)
    if (
        receipts_recent_count(panelist=receipt.panelist, now=receipt.submitted_at, exclude=receipt.pk)
        >= program.weekly_limit
    ):
        flag(Reason.OVER_LIMIT)
    if receipt.read_total is not None and receipt.read_total != receipt.total:
        flag(Reason.TOTAL_MISMATCH, f"read {receipt.read_total}, confirmed {receipt.total}")
    return found


def _deterministic(check: ReceiptCheck, receipt: Receipt) -> bool:
    if check.code == Reason.DUPLICATE_RECEIPT:
        return bool(receipt.receipt_number)  # without a number, two coffees on one day may look alike
    return check.code in AUTO_REJECT


def _corroborated(receipt: Receipt) -> bool:
    return receipt.read_total == receipt.total and receipt.read_date == receipt.purchase_date


def _decide(
    receipt: Receipt, *, outcome: str, reason: str, note: str, reviewer: User | None, now: datetime, on_appeal: bool,
    actor: str = "", reversal: bool = False, money: str = "",
) -> ReceiptDecision:  # fmt: skip
    actor = actor or (f"user:{reviewer.pk}" if reviewer else "system")
    decision = ReceiptDecision.objects.create(
        tenant_id=receipt.tenant_id, receipt=receipt, outcome=outcome, reason=reason, note=note[:500],
        reviewer=reviewer, actor=actor, on_appeal=on_appeal, reversal=reversal, money=money,
    )  # fmt: skip
    receipt.status = outcome
    receipt.reason = reason
    receipt.decided_at = now
    if outcome == ReceiptDecision.Outcome.APPROVED and receipt.counted_month is None:
        receipt.counted_month = approval_count(panelist=receipt.panelist, now=now)
    receipt.save(update_fields=["status", "reason", "decided_at", "counted_month"])
    if outcome == ReceiptDecision.Outcome.REJECTED or on_appeal:
        # the panelist is told by email (a rejection, an appeal decided, an approval reversed): about
        # their own money, so not a marketing message, and never held by the contact cap
        receipt_decision_notice_send_task.delay_on_commit(decision.pk)
    return decision


@transaction.atomic
def receipt_confirm(
    *,
    receipt: Receipt,
    merchant: str,
    purchase_date: str | date | None,
    total: str,
    receipt_number: str = "",
    language: str = "en",
    now: datetime | None = None,
) -> Receipt:
    """The panelist confirms (or corrects) the fields; the checks and the rules then decide or queue it."""
    now = now or timezone.now()
    receipt = Receipt.objects.select_for_update().select_related("tenant", "panelist").get(tenant_id=receipt.tenant_id,
                                                                                          pk=receipt.pk)  # fmt: skip
    if receipt.status != Receipt.Status.TO_CONFIRM:
        raise WrongState(_("This receipt is not waiting for your confirmation."))
    merchant, day, amount = _parse_fields(receipt=receipt, merchant=merchant, purchase_date=purchase_date, total=total,
                                          receipt_number=receipt_number, language=language)  # fmt: skip
    receipt.merchant, receipt.purchase_date, receipt.total = merchant, day, amount
    receipt.currency = receipt.tenant.currency
    receipt.receipt_number = receipt_number.strip()[:40]
    receipt.fingerprint = fingerprint(tenant_id=receipt.tenant_id, merchant=merchant, purchase_date=day, total=amount,
                                      number=receipt.receipt_number)  # fmt: skip
    receipt.confirmed_at = now
    receipt.status = Receipt.Status.REVIEW
    receipt.save()
    program = receipt_program_get(tenant=receipt.tenant)
    checks = _checks(receipt, program, timezone.localdate(now, receipt.tenant.tzinfo))
    ReceiptCheck.objects.bulk_create(checks)
    final = [check for check in checks if _deterministic(check, receipt)]
    if final:
        _decide(receipt, outcome="rejected", reason=final[0].code, note="", reviewer=None, now=now, on_appeal=False)
    elif not checks and _corroborated(receipt):
        _decide(receipt, outcome="approved", reason="", note="", reviewer=None, now=now, on_appeal=False)
    return receipt


@transaction.atomic
def receipt_decide(
    *, receipt: Receipt, reviewer: User | None, outcome: str, reason: str = "", note: str = "",
    actor: str = "", now: datetime | None = None,
) -> ReceiptDecision:  # fmt: skip
    """A reviewer approves, or rejects with a reason code and a note. An appeal is decided by anyone but
    whoever decided the receipt first. ``actor`` names who decides when it is not a person's session
    (``api-key:<id>``); by default the reviewer."""
    actor = actor or (f"user:{reviewer.pk}" if reviewer is not None else "")
    if not actor:
        raise DomainError("A decision needs someone who makes it.", code="actor_required")
    now = now or timezone.now()
    receipt = Receipt.objects.select_for_update().select_related("tenant", "panelist").get(tenant_id=receipt.tenant_id,
                                                                                          pk=receipt.pk)  # fmt: skip
    if outcome not in ReceiptDecision.Outcome.values:
        raise DomainError("Approve or reject.", fields={"outcome": ["Use approved or rejected."]})
    if outcome == ReceiptDecision.Outcome.REJECTED and reason not in Reason.values:
        raise DomainError(_("A rejection needs a reason."), fields={"reason": [_("Choose a reason.")]})
    if outcome == ReceiptDecision.Outcome.REJECTED and reason == Reason.OTHER and not note.strip():
        raise DomainError(_("Say why in the note."), fields={"note": ["Required with the reason 'other'."]})
    if receipt.status != Receipt.Status.REVIEW:
        raise WrongState(_("This receipt is not waiting for a review."))
    appeal = ReceiptAppeal.objects.filter(tenant_id=receipt.tenant_id, receipt=receipt, decided_at__isnull=True).first()
    if appeal is not None and appeal.first_actor == actor:
        raise PermissionDenied(
            _("You decided this receipt first: a colleague decides its appeal."), code="same_reviewer"
        )
    decision = _decide(receipt, outcome=outcome, reason=reason if outcome == "rejected" else "", note=note,
                       reviewer=reviewer, now=now, on_appeal=appeal is not None, actor=actor)  # fmt: skip
    if appeal is not None:
        appeal.decided_at = now
        appeal.save(update_fields=["decided_at"])
    return decision


class AppealClosed(Conflict):
    code = "appeal_closed"


@transaction.atomic
def receipt_appeal(*, receipt: Receipt, message: str = "", now: datetime | None = None) -> ReceiptAppeal:
    """The panelist appeals a rejection, once, within 30 days; a different reviewer decides it."""
    now = now or timezone.now()
    receipt = Receipt.objects.select_for_update().get(tenant_id=receipt.tenant_id, pk=receipt.pk)
    if receipt.status != Receipt.Status.REJECTED:
        raise WrongState(_("Only a rejected receipt can be appealed."))
    if ReceiptAppeal.objects.filter(tenant_id=receipt.tenant_id, receipt=receipt).exists():
        raise AppealClosed(_("This receipt was already appealed: each receipt may be appealed once."))
    if receipt.decided_at is None or now - receipt.decided_at > timedelta(days=APPEAL_DAYS):
        raise AppealClosed(_("An appeal must come within %(n)s days of the decision.") % {"n": APPEAL_DAYS})
    last = (
        ReceiptDecision.objects.filter(tenant_id=receipt.tenant_id, receipt=receipt)
        .order_by("-created_at", "-id")
        .first()
    )
    appeal = ReceiptAppeal.objects.create(tenant_id=receipt.tenant_id, receipt=receipt, message=message.strip()[:1000],
                                          first_actor=last.actor if last else "system")  # fmt: skip
    receipt.status = Receipt.Status.REVIEW
    receipt.save(update_fields=["status"])
    return appeal


@transaction.atomic
def receipt_approval_reverse(
    *, receipt: Receipt, by: User | None, reason: str, note: str, take_back: bool, actor: str = "",
    now: datetime | None = None,
) -> ReceiptDecision:  # fmt: skip
    """An owner or manager withdraws an approval (found wrong later). The receipt no longer counts for
    its month. When steps of that month's milestone were paid and are no longer reached, the operator
    chooses: keep the money with the panelist, or take it back with reversing postings (refused while
    the money has been paid out). Either way the decision records the choice, and the panelist sees
    it on the receipt's page and is told by email. ``actor`` names who decides when it is not a
    person's session (``api-key:<id>``); by default ``by``."""
    now = now or timezone.now()
    actor = actor or (f"user:{by.pk}" if by is not None else "")
    if not actor:
        raise DomainError("A decision needs someone who makes it.", code="actor_required")
    if reason not in Reason.values:
        raise DomainError(_("Give the reason of the reversal."), fields={"reason": [_("Choose a reason.")]})
    receipt = Receipt.objects.select_for_update().select_related("tenant", "panelist").get(tenant_id=receipt.tenant_id,
                                                                                          pk=receipt.pk)  # fmt: skip
    if receipt.status != Receipt.Status.APPROVED:
        raise WrongState(_("Only an approved receipt can have its approval reversed."))
    money = ""
    if receipt.counted_month is not None:
        tally = approval_uncount(panelist=receipt.panelist, month=receipt.counted_month)
        lost = steps_no_longer_reached(tally=tally) if tally is not None else []
        if tally is not None and lost:
            if take_back:
                milestone_take_back(tally=tally, steps=lost, memo=f"Receipt approval reversed: {reason}", by=by)
                money = ReceiptDecision.Money.TAKEN_BACK
            else:
                money = ReceiptDecision.Money.KEPT
        receipt.counted_month = None
    return _decide(receipt, outcome="rejected", reason=reason, note=note.strip(), reviewer=by, now=now,
                   on_appeal=False, actor=actor, reversal=True, money=money)  # fmt: skip
