"""Answering a survey: start (or resume), submit a page, finish, and pay.

Every page goes through ``response_page_submit`` under the response's row lock: the consent gate, the
survey still live, the page one the respondent can see now, the answers checked against the version
the response is bound to, hidden answers discarded, the time on the page recorded, then the next
page, a screen-out, a full quota, or the end. A refused page writes nothing.

At the end, the quota cells the response falls in are locked in primary-key order (so two
completions never deadlock) and counted; a full cell ends it as "quota full". The quality checks then
approve it (paid at once), hold it for a reviewer (pending in the wallet), or reject it (two failed
attention checks; the panelist may appeal). Pay is ``panelist_credit`` with the key
``survey:<response id>``: finishing twice pays once.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Aggregate, F, FloatField
from django.utils import timezone
from django.utils.translation import gettext as _

from consent.services.consent import consent_require
from panel.models import Panelist
from rewards.models import LedgerTransaction
from rewards.selectors import reward_settings_get
from rewards.services.ledger import panelist_credit
from surveys import engine, quality
from surveys.errors import AnswersInvalid, NotInvited, PageRefused, SurveyNotLive
from surveys.models import PageTiming, QuotaCell, Response, Survey, SurveyInvitation
from surveys.selectors import version_current


class Median(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def survey_reward(survey: Survey) -> int:
    return survey.reward if survey.reward is not None else reward_settings_get(tenant=survey.tenant).survey_reward


def survey_consent_require(*, panelist: Panelist) -> None:
    """The surveys consent gate, for a panelist (raises ConsentRequired or ConsentWithdrawn, 403)."""
    consent_require(tenant=panelist.tenant, subject=panelist.public_id, purpose_key="surveys")


def _live(survey: Survey) -> None:
    if survey.status != Survey.Status.LIVE:
        raise SurveyNotLive(_("This survey is closed.") if survey.status == Survey.Status.CLOSED
                            else _("This survey is not open yet."))  # fmt: skip


def _invitation(survey: Survey, panelist: Panelist) -> SurveyInvitation | None:
    return SurveyInvitation.objects.filter(survey=survey, panelist=panelist).first()


@transaction.atomic
def response_start(*, survey: Survey, panelist: Panelist) -> Response:
    """The panelist's response to the survey: resumed if it exists, else started on the current
    version, with the order of its randomised choices and questions drawn and recorded."""
    survey_consent_require(panelist=panelist)
    existing = Response.objects.filter(survey=survey, panelist=panelist).first()
    if existing is not None:
        return existing
    _live(survey)
    invitation = _invitation(survey, panelist)
    now = timezone.now()
    if invitation is None and not survey.is_open:
        raise NotInvited(_("This survey is by invitation only."))
    if invitation is not None and invitation.expires_at <= now and not survey.is_open:
        raise NotInvited(_("Your invitation to this survey has expired."), code="invitation_expired")
    version = version_current(survey=survey)
    if version is None:
        raise SurveyNotLive(_("This survey is not open yet."))
    definition = version.definition
    order = engine.randomise(definition, random.Random(secrets.randbits(64)))  # noqa: S311 (an order, not a secret)
    pages = engine.visible_pages(definition, {})
    first = pages[0] if pages else ""
    response, _created = Response.objects.get_or_create(
        tenant=survey.tenant,
        survey=survey,
        panelist=panelist,
        defaults={"version": version, "order": order, "current_page": first, "path": [first], "page_shown_at": now},
    )
    if invitation is not None and invitation.opened_at is None:
        invitation.opened_at = now
        invitation.save(update_fields=["opened_at"])
    return response


def _cells(survey: Survey, answers: Mapping[str, Any]) -> Any:
    """The quota cells the answers fall in."""
    matching = []
    for cell in QuotaCell.objects.filter(survey=survey).order_by("pk"):
        if _matches(answers.get(cell.question_a), cell.value_a) and (
            not cell.question_b or _matches(answers.get(cell.question_b), cell.value_b)
        ):
            matching.append(cell.pk)
    return matching


def _matches(answer: Any, value: str) -> bool:
    if isinstance(answer, list):
        return value in map(str, answer)
    return answer is not None and str(answer) == value


@transaction.atomic
def response_page_submit(*, response: Response, page: str, data: engine.FormData, language: str) -> Response:
    """Check and save one page; move to the next, or end the response. Refused: a finished response,
    a closed survey, a page the respondent cannot see, consent withdrawn, or invalid answers."""
    response = (
        # the tenant comes along with the row (the consent gate and the timing read it): a page's
        # submit is the hot path, one query saved here is one saved per page of every respondent
        Response.objects.select_for_update(of=("self",))
        .select_related("survey", "version", "panelist", "panelist__tenant", "tenant")
        .get(tenant_id=response.tenant_id, pk=response.pk)
    )
    if response.is_finished:
        raise PageRefused(_("You have finished this survey already."), code="response_finished")
    survey_consent_require(panelist=response.panelist)
    _live(response.survey)
    definition = response.version.definition
    if page not in response.path or page not in engine.visible_pages(definition, response.answers):
        raise PageRefused(_("This page is not one you can answer now."))
    answers, errors = engine.page_clean(definition, page, data, response.answers, response.order, language)
    if errors:
        raise AnswersInvalid(_("Some answers need your attention."), fields=errors)
    now = timezone.now()
    shown = response.page_shown_at or now
    PageTiming.objects.create(tenant=response.tenant, response=response, page=page,
                              seconds=max((now - shown).total_seconds(), 0.0))  # fmt: skip
    response.answers = answers
    response.path = response.path[: response.path.index(page) + 1]
    response.page_shown_at = now
    following = engine.next_page(definition, answers, page)
    if engine.screened_out(definition, answers):
        response_finish(response, Response.Status.SCREENED_OUT)
    elif _full_cell(response):
        response_finish(response, Response.Status.QUOTA_FULL)
    elif following is None:
        response_complete(response)
    else:
        response.current_page = following
        response.path.append(following)
        response.save(update_fields=["answers", "path", "current_page", "page_shown_at"])
    return response


@transaction.atomic
def response_submit(*, response: Response, page: str, data: engine.FormData, language: str) -> Response:
    """Answer the last page and finish (the API's submit). A page that is not the last one the respondent
    can see is refused before anything is written; a second submit is refused as finished already."""
    locked = Response.objects.select_for_update().select_related("version").get(tenant=response.tenant,
                                                                                pk=response.pk)  # fmt: skip
    if not locked.is_finished:
        pages = engine.visible_pages(locked.version.definition, locked.answers)
        if not pages or page != pages[-1] or page not in locked.path:
            raise PageRefused(_("Submit answers the last page; this survey has more pages to answer first."),
                              code="not_last_page")  # fmt: skip
    return response_page_submit(response=locked, page=page, data=data, language=language)


def _full_cell(response: Response) -> bool:
    """A cell the answers so far fall in is full already: end now rather than at the last page."""
    cells = _cells(response.survey, response.answers)
    return QuotaCell.objects.filter(survey=response.survey, pk__in=cells, completes__gte=F("limit")).exists()


def _elapsed(response: Response) -> float:
    timings = PageTiming.objects.filter(response=response).values_list("seconds", flat=True)
    return float(sum(timings))


def response_finish(response: Response, status: str) -> None:
    """End a response without completing it (screened out, quota full), paying the screen-out reward."""
    response.status = status
    response.finished_at = timezone.now()
    response.seconds = _elapsed(response)
    response.current_page = ""
    amount = response.survey.screenout_reward
    response.save(update_fields=["answers", "path", "current_page", "page_shown_at", "status", "finished_at",
                                 "seconds"])  # fmt: skip
    if amount:
        response_pay(response=response, amount=amount)


def response_complete(response: Response) -> None:
    """Complete a locked response: its quota cells under row locks (a full one ends it as quota full), the
    quality checks (held, rejected or approved), and the reward of an approved one. Runs inside the
    caller's transaction."""
    survey = response.survey
    cells = list(
        # in primary-key order, so that two completions falling in the same cells never deadlock
        QuotaCell.objects.select_for_update()
        .filter(survey=survey, pk__in=_cells(survey, response.answers))
        .order_by("pk")
    )
    if any(cell.completes >= cell.limit for cell in cells):
        response_finish(response, Response.Status.QUOTA_FULL)
        return
    for cell in cells:
        QuotaCell.objects.filter(survey=survey, pk=cell.pk).update(completes=F("completes") + 1)
    seconds = _elapsed(response)
    completed = Response.objects.filter(survey=survey, status=Response.Status.COMPLETED, seconds__isnull=False)
    stats = completed.aggregate(median=Median("seconds"))
    verdict = quality.verdict(
        response.version.definition,
        response.answers,
        seconds=seconds,
        median=stats["median"],
        completes=completed.count(),
        percent=survey.speeder_percent,
        min_seconds=survey.min_seconds,
        straightline_rows=survey.straightline_rows,
    )
    response.status = Response.Status.COMPLETED
    response.finished_at = timezone.now()
    response.seconds = seconds
    response.current_page = ""
    response.flags = verdict.flags
    if verdict.rejected:
        response.review = Response.Review.REJECTED
        response.review_reason = _("Two attention checks were answered wrongly.")
    elif verdict.held:
        response.review = Response.Review.HELD
    else:
        response.review = Response.Review.APPROVED
    response.save(update_fields=["answers", "path", "current_page", "page_shown_at", "status", "finished_at",
                                 "seconds", "flags", "review", "review_reason"])  # fmt: skip
    if response.review == Response.Review.APPROVED:
        response_pay(response=response, amount=survey_reward(survey))


def response_pay(*, response: Response, amount: int) -> None:
    """Credit the response once, whatever calls this again (the ledger's idempotency key)."""
    panelist_credit(
        panelist=response.panelist,
        amount=amount,
        reason=LedgerTransaction.Reason.SURVEY,
        idempotency_key=f"survey:{response.pk}",
        source=f"survey:{response.survey_id}",
    )
    Response.objects.filter(tenant=response.tenant, pk=response.pk).update(earned=amount)
    response.earned = amount
