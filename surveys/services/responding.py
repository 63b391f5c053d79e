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

import json
import random
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from consent.services.consent import (
    consent_gate_check,
    consent_gate_params,
    consent_gate_sql,
    consent_gate_width,
    consent_require,
)
from core import rows
from core.errors import NotFound
from panel.models import Panelist
from rewards.models import LedgerTransaction
from rewards.selectors import reward_settings_get
from rewards.services.ledger import panelist_credit
from surveys import engine, quality
from surveys.errors import AnswersInvalid, NotInvited, PageRefused, SurveyNotLive
from surveys.models import PageTiming, QuotaCell, Response, Survey, SurveyInvitation
from surveys.selectors import version_current, version_frozen_get
from tenants.models import Tenant


def survey_reward(survey: Survey) -> int:
    return survey.reward if survey.reward is not None else reward_settings_get(tenant=survey.tenant).survey_reward


PURPOSE = "surveys"


def survey_consent_require(*, panelist: Panelist) -> None:
    """The surveys consent gate, for a panelist (raises ConsentRequired or ConsentWithdrawn, 403)."""
    consent_require(tenant=panelist.tenant, subject=panelist.public_id, purpose_key=PURPOSE)


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


# -- a page's submit ------------------------------------------------------------------------------------
#
# The hot path of the whole app (every page of every respondent), so it is counted in round trips: the
# response locked and read with everything a page needs (its survey, panelist, the seconds of its
# earlier pages, the survey's quota cells and the tenant's survey reward) in one hand-written query;
# the consent gate's one query; the page's timing and the response written in one statement. The
# definition comes from the frozen version kept per process (``version_frozen_get``). Completing adds
# the quota cells' locks (only when the answers fall in cells), one query for the speeder median, and
# the credit.


@dataclass(frozen=True)
class _Cell:
    pk: int
    question_a: str
    value_a: str
    question_b: str
    value_b: str
    limit: int
    completes: int

    def holds(self, answers: Mapping[str, Any]) -> bool:
        return _matches(answers.get(self.question_a), self.value_a) and (
            not self.question_b or _matches(answers.get(self.question_b), self.value_b)
        )


@dataclass
class _Locked:
    """A response under its row lock, with what its next page needs."""

    response: Response
    elapsed: float  # seconds on the pages answered before this one
    cells: list[_Cell]
    tenant_reward: int | None  # the tenant's survey reward (None: not set up yet)
    consent: Sequence[Any]  # the consent gate's columns, read with the lock

    def cells_of(self, answers: Mapping[str, Any]) -> list[_Cell]:
        return [cell for cell in self.cells if cell.holds(answers)]


def _matches(answer: Any, value: str) -> bool:
    if isinstance(answer, list):
        return value in map(str, answer)
    return answer is not None and str(answer) == value


@cache
def _lock_sql(by_user: bool) -> str:
    # the person's panelist row first, then their response by the one-per-panelist key: both unique
    # lookups, whatever the planner believes of a survey that filled up since its last statistics
    by = (
        "r.survey_id = %(survey)s AND r.panelist_id = (SELECT id FROM panel_panelist WHERE tenant_id = %(tenant)s"
        " AND user_id = %(user)s AND status = 'active')"
    )
    where = by if by_user else "r.id = %(response)s"
    return (
        f"SELECT {rows.columns(Response, 'r')}, {rows.columns(Survey, 's')}, {rows.columns(Panelist, 'p')},"  # noqa: S608 (model metadata)
        " v.published_at,"
        " (SELECT coalesce(sum(t.seconds), 0) FROM surveys_pagetiming t WHERE t.response_id = r.id),"
        ' (SELECT json_agg(json_build_array(c.id, c.question_a, c.value_a, c.question_b, c.value_b, c."limit",'
        "   c.completes) ORDER BY c.id) FROM surveys_quotacell c WHERE c.tenant_id = r.tenant_id"
        "   AND c.survey_id = r.survey_id),"
        " (SELECT rs.survey_reward FROM rewards_rewardsettings rs WHERE rs.tenant_id = r.tenant_id),"
        " g.*"
        " FROM surveys_response r"
        " JOIN surveys_survey s ON s.id = r.survey_id"
        " JOIN panel_panelist p ON p.id = r.panelist_id"
        " JOIN surveys_surveyversion v ON v.id = r.version_id"
        f" LEFT JOIN LATERAL ({consent_gate_sql(tenant='r.tenant_id', subject='p.public_id')}) g ON true"
        f" WHERE r.tenant_id = %(tenant)s AND {where}"
        " FOR UPDATE OF r"
    )


def _lock(tenant: Tenant, **key: int) -> _Locked | None:
    """The response (by ``response``, or by ``survey`` and the panelist's ``user``) locked, or None."""
    with rows.prepared_cursor() as cursor:
        cursor.execute(
            _lock_sql("user" in key), consent_gate_params(purpose_key=PURPOSE) | {"tenant": tenant.pk, **key}
        )
        row = cursor.fetchone()
    if row is None:
        return None
    response = rows.instance(Response, row)
    survey = rows.instance(Survey, row, rows.width(Response))
    panelist = rows.instance(Panelist, row, rows.width(Response) + rows.width(Survey))
    gate = consent_gate_width()
    published_at, elapsed, cells, tenant_reward = row[-4 - gate : -gate]
    survey.tenant = panelist.tenant = response.tenant = tenant
    response.survey, response.panelist = survey, panelist
    response.version = version_frozen_get(tenant_id=tenant.pk, pk=response.version_id, published_at=published_at)
    return _Locked(response, float(elapsed), [_Cell(*cell) for cell in cells or []], tenant_reward, row[-gate:])


@transaction.atomic
def response_page_submit(*, response: Response, page: str, data: engine.FormData, language: str) -> Response:
    """Check and save one page; move to the next, or end the response. Refused: a finished response,
    a closed survey, a page the respondent cannot see, consent withdrawn, or invalid answers."""
    locked = _lock(response.tenant, response=response.pk)
    if locked is None:
        raise NotFound(_("No such response."))
    return _submit(locked, page, data, language)


@transaction.atomic
def response_page_answer(
    *, tenant: Tenant, user: User, survey_id: int, page: str, data: engine.FormData, language: str
) -> Response | None:
    """A signed-in panelist's page of a survey (``response_page_submit`` without reading the survey,
    the panelist and the response first). None when this person has no response to a survey of this
    tenant that a panelist may open: the caller answers as for any page of it (a 404, or the intro)."""
    locked = _lock(tenant, survey=survey_id, user=user.pk)
    if locked is None or locked.response.survey.status == Survey.Status.DRAFT:
        return None
    return _submit(locked, page, data, language)


def _submit(locked: _Locked, page: str, data: engine.FormData, language: str) -> Response:
    response, survey = locked.response, locked.response.survey
    if response.is_finished:
        raise PageRefused(_("You have finished this survey already."), code="response_finished")
    consent_gate_check(tenant=response.tenant, purpose_key=PURPOSE, columns=locked.consent)
    _live(survey)
    definition = response.version.definition
    if page not in response.path or page not in engine.visible_pages(definition, response.answers):
        raise PageRefused(_("This page is not one you can answer now."))
    answers, errors = engine.page_clean(definition, page, data, response.answers, response.order, language)
    if errors:
        raise AnswersInvalid(_("Some answers need your attention."), fields=errors)
    now = timezone.now()
    seconds = max((now - (response.page_shown_at or now)).total_seconds(), 0.0)
    response.answers = answers
    response.path = response.path[: response.path.index(page) + 1]
    response.page_shown_at = now
    timing = (page, seconds, now)
    following = engine.next_page(definition, answers, page)
    if engine.screened_out(definition, answers):
        _end(response, Response.Status.SCREENED_OUT, locked.elapsed + seconds, timing)
    elif any(cell.completes >= cell.limit for cell in locked.cells_of(answers)):
        # a cell the answers so far fall in is full already: end now rather than at the last page
        _end(response, Response.Status.QUOTA_FULL, locked.elapsed + seconds, timing)
    elif following is None:
        _complete(response, [cell.pk for cell in locked.cells_of(answers)], locked.elapsed + seconds, timing,
                  locked.tenant_reward)  # fmt: skip
    else:
        response.current_page = following
        response.path.append(following)
        _write(response, timing)
    return response


@transaction.atomic
def response_submit(*, response: Response, page: str, data: engine.FormData, language: str) -> Response:
    """Answer the last page and finish (the API's submit). A page that is not the last one the respondent
    can see is refused before anything is written; a second submit is refused as finished already."""
    locked = _lock(response.tenant, response=response.pk)
    if locked is None:
        raise NotFound(_("No such response."))
    if not locked.response.is_finished:
        pages = engine.visible_pages(locked.response.version.definition, locked.response.answers)
        if not pages or page != pages[-1] or page not in locked.response.path:
            raise PageRefused(_("Submit answers the last page; this survey has more pages to answer first."),
                              code="not_last_page")  # fmt: skip
    return _submit(locked, page, data, language)


_WRITTEN = ("answers", "path", "current_page", "page_shown_at", "status", "finished_at", "seconds", "flags", "review",
            "review_reason", "earned")  # fmt: skip


@cache
def _write_sql() -> str:
    # One statement: the page's timing and the response's new state (a CTE runs whether or not the
    # outer statement reads it).
    json_fields = {name for name in _WRITTEN if Response._meta.get_field(name).get_internal_type() == "JSONField"}
    sets = ", ".join(f'"{name}" = %({name})s' + ("::jsonb" if name in json_fields else "") for name in _WRITTEN)
    return (
        "WITH timing AS (INSERT INTO surveys_pagetiming (tenant_id, response_id, page, seconds, submitted_at)"  # noqa: S608 (model metadata)
        " SELECT %(tenant)s, %(response)s, %(page)s::text, %(seconds)s::float8, %(now)s::timestamptz WHERE %(timed)s)"
        f" UPDATE surveys_response SET {sets} WHERE tenant_id = %(tenant)s AND id = %(response)s"
    )


def _write(response: Response, timing: tuple[str, float, datetime] | None) -> None:
    """Save the response's state (every field a page or its end changes), with the page's timing."""
    values: dict[str, Any] = {}
    for name in _WRITTEN:
        value = getattr(response, name)
        values[name] = json.dumps(value) if isinstance(value, dict | list) else value
    page, seconds, now = timing or ("", 0.0, timezone.now())
    values |= {"tenant": response.tenant_id, "response": response.pk, "page": page, "seconds": seconds, "now": now,
               "timed": timing is not None}  # fmt: skip
    with rows.prepared_cursor() as cursor:
        cursor.execute(_write_sql(), values)


def _elapsed(response: Response) -> float:
    timings = PageTiming.objects.filter(tenant_id=response.tenant_id, response=response)
    return float(sum(timings.values_list("seconds", flat=True)))


def _end(response: Response, status: str, seconds: float, timing: tuple[str, float, datetime] | None) -> None:
    response.status = status
    response.finished_at = timezone.now()
    response.seconds = seconds
    response.current_page = ""
    amount = response.survey.screenout_reward
    response.earned = amount
    _write(response, timing)
    if amount:
        _credit(response, amount)


def response_finish(response: Response, status: str) -> None:
    """End a locked response without completing it (screened out, quota full), paying the screen-out
    reward. Its timings are saved already."""
    _end(response, status, _elapsed(response), None)


def response_complete(response: Response) -> None:
    """Complete a locked response whose timings are saved already: see ``_complete``."""
    cells = [cell.pk for cell in _cells(response.survey, response.answers)]
    _complete(response, cells, _elapsed(response), None, None)


def _cells(survey: Survey, answers: Mapping[str, Any]) -> list[_Cell]:
    """The quota cells the answers fall in."""
    fields = ("pk", "question_a", "value_a", "question_b", "value_b", "limit", "completes")
    cells = [_Cell(*values) for values in QuotaCell.objects.filter(survey=survey).order_by("pk").values_list(*fields)]
    return [cell for cell in cells if cell.holds(answers)]


_CELLS_TAKE = """
WITH locked AS (
    -- in primary-key order, so that two completions falling in the same cells never deadlock
    SELECT id, completes < "limit" AS open FROM surveys_quotacell
    WHERE tenant_id = %(tenant)s AND id = ANY(%(cells)s) ORDER BY id FOR UPDATE
), taken AS (
    UPDATE surveys_quotacell c SET completes = c.completes + 1 FROM locked
    WHERE c.id = locked.id AND NOT EXISTS (SELECT FROM locked WHERE NOT open)
    RETURNING c.id
)
SELECT count(*) FROM taken
"""

_COMPLETES = """
SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) FROM surveys_response
WHERE tenant_id = %s AND survey_id = %s AND status = 'completed' AND seconds IS NOT NULL
"""
# The speeder check's median reads every complete of the survey: from KEEP_MEDIAN_FROM completes on,
# one more complete moves it by a hair, and reading 100,000 timings at each completion would cost more
# than the rest of the page. So from there each process keeps the count and median of a survey for
# KEEP_MEDIAN_SECONDS; below, they are read at every completion.
KEEP_MEDIAN_FROM = 1000
KEEP_MEDIAN_SECONDS = 60.0
_medians: dict[tuple[int, int], tuple[float, int, float | None]] = {}


def _completes_and_median(cursor: Any, response: Response) -> tuple[int, float | None]:
    key = (response.tenant_id, response.survey_id)
    kept = _medians.get(key)
    if kept is not None and time.monotonic() - kept[0] < KEEP_MEDIAN_SECONDS:
        return kept[1], kept[2]
    cursor.execute(_COMPLETES, [response.tenant_id, response.survey_id])
    completes, median = cursor.fetchone()
    if completes >= KEEP_MEDIAN_FROM:
        _medians[key] = (time.monotonic(), completes, median)
    return completes, median


def _complete(response: Response, cells: list[int], seconds: float, timing: tuple[str, float, datetime] | None,
              tenant_reward: int | None) -> None:  # fmt: skip
    """Complete a locked response: a place taken in each of its quota cells under their row locks (in one
    of them full: it ends as quota full, and no cell counts it), the quality checks (held, rejected or
    approved), and the reward of an approved one. Runs inside the caller's transaction."""
    survey = response.survey
    with rows.prepared_cursor() as cursor:
        if cells:
            cursor.execute(_CELLS_TAKE, {"tenant": response.tenant_id, "cells": cells})
            if cursor.fetchone()[0] != len(cells):
                _end(response, Response.Status.QUOTA_FULL, seconds, timing)
                return
        completes, median = _completes_and_median(cursor, response)
    verdict = quality.verdict(
        response.version.definition,
        response.answers,
        seconds=seconds,
        median=median,
        completes=completes,
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
    amount = 0
    if response.review == Response.Review.APPROVED:
        if survey.reward is not None:
            amount = survey.reward
        else:  # the tenant's, read with the response (``survey_reward`` sets it up the first time)
            amount = tenant_reward if tenant_reward is not None else survey_reward(survey)
    response.earned = amount
    _write(response, timing)
    if amount:
        _credit(response, amount)


def _credit(response: Response, amount: int) -> None:
    panelist_credit(
        panelist=response.panelist,
        amount=amount,
        reason=LedgerTransaction.Reason.SURVEY,
        idempotency_key=f"survey:{response.pk}",
        source=f"survey:{response.survey_id}",
    )


def response_pay(*, response: Response, amount: int) -> None:
    """Credit the response once, whatever calls this again (the ledger's idempotency key)."""
    _credit(response, amount)
    Response.objects.filter(tenant=response.tenant, pk=response.pk).update(earned=amount)
    response.earned = amount
