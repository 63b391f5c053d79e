"""Review of held responses, and the panelist's one appeal, decided by a different person.

A flagged response is held: its reward shows as pending in the wallet. A reviewer approves (it is
paid) or rejects it with a reason. The panelist sees the reason and may appeal once; the appeal goes
to a reviewer other than the first (GDPR Art. 22: a person decides, and not the same one twice; the
database refuses the same reviewer too). A held response nobody decides within 14 days is approved.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import Conflict, DomainError, PermissionDenied
from surveys.models import Response
from surveys.services.responding import response_pay, survey_reward

AUTO_APPROVE_DAYS = 14


def _locked(response: Response) -> Response:
    return (
        Response.objects.select_for_update()
        .select_related("survey", "panelist")
        .get(tenant=response.tenant, pk=response.pk)
    )


@transaction.atomic
def response_review(*, response: Response, reviewer: User, approve: bool, reason: str = "") -> Response:
    """Decide a held response, or an appealed one (by another reviewer)."""
    response = _locked(response)
    reason = (reason or "").strip()
    appeal = response.review == Response.Review.REJECTED and response.appealed_at is not None
    if response.review != Response.Review.HELD and not (appeal and response.appeal_reviewed_by_id is None):
        raise Conflict(_("This response is not waiting for a decision."), code="not_held")
    if appeal and response.reviewed_by_id == reviewer.pk:
        raise PermissionDenied(_("An appeal is decided by another reviewer than the first decision."),
                               code="same_reviewer")  # fmt: skip
    if not approve and not reason:
        raise DomainError(_("Say why it is rejected: the panelist reads it."), fields={"reason": [_("Required.")]})
    if len(reason) > 500:
        raise DomainError(_("A reason has at most 500 characters."), fields={"reason": [_("Shorten it.")]})
    now = timezone.now()
    if appeal:
        response.appeal_reviewed_by = reviewer
    else:
        response.reviewed_by = reviewer
        response.reviewed_at = now
    response.review = Response.Review.APPROVED if approve else Response.Review.REJECTED
    response.review_reason = reason
    response.save(update_fields=["review", "review_reason", "reviewed_by", "reviewed_at", "appeal_reviewed_by"])
    if approve:
        response_pay(response=response, amount=survey_reward(response.survey))
    return response


@transaction.atomic
def response_appeal(*, response: Response, text: str) -> Response:
    """The panelist contests a rejection, once."""
    response = _locked(response)
    text = (text or "").strip()
    if response.review != Response.Review.REJECTED:
        raise Conflict(_("Only a rejected response can be appealed."), code="not_rejected")
    if response.appealed_at is not None:
        raise Conflict(_("You have appealed this decision already."), code="appealed_already")
    if not text or len(text) > 1000:
        raise DomainError(
            _("Write your appeal in 1 to 1000 characters."), fields={"text": [_("1 to 1000 characters.")]}
        )
    response.appeal_text = text
    response.appealed_at = timezone.now()
    response.save(update_fields=["appeal_text", "appealed_at"])
    return response


def responses_auto_approve() -> int:
    """Approve (and pay) every held response older than 14 days, one transaction each."""
    cutoff = timezone.now() - timedelta(days=AUTO_APPROVE_DAYS)
    held = Response.objects.unscoped()  # across tenants: the daily sweep approves what every panel left undecided
    due = list(held.filter(review=Response.Review.HELD, finished_at__lt=cutoff).values_list("pk", "tenant_id"))
    approved = 0
    for pk, tenant_id in due:
        with transaction.atomic():
            response = (
                Response.objects.select_for_update()
                .select_related("survey", "panelist")
                .get(tenant_id=tenant_id, pk=pk)
            )
            if response.review != Response.Review.HELD:
                continue
            response.review = Response.Review.APPROVED
            response.review_reason = _("Approved automatically: not reviewed within 14 days.")
            response.save(update_fields=["review", "review_reason"])
            response_pay(response=response, amount=survey_reward(response.survey))
            approved += 1
    return approved
