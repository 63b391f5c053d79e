"""Quotas under row locks (a real race between processes), randomisation recorded, attention checks,
straight-lining, gibberish, held responses reviewed by people, appeals to another reviewer, and the
automatic approval after 14 days."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from core.errors import DomainError
from rewards.selectors import panelist_balance, pending_amounts
from surveys import engine, quality
from surveys.models import QuotaCell, Response
from surveys.services.authoring import quota_add
from surveys.services.responding import response_start
from surveys.services.review import response_appeal, response_review, responses_auto_approve
from tenants.roles import Role
from tests.conftest import ROOT, process_env_for_tests
from tests.factories import MembershipFactory, UserFactory
from tests.surveys.helpers import (
    complete_breakfast,
    consenting_panelist,
    invite,
    live_survey,
    panel_with_surveys,
    submit,
)
from tests.surveys.samples import breakfast

REGION = {"pages": [{"name": "p1", "elements": [
    {"type": "radiogroup", "name": "region", "isRequired": True, "choices": ["north", "south"]}]}]}  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_racing_processes_never_fill_a_quota_cell_beyond_its_limit(tmp_path: Path) -> None:
    # given eight respondents on the last page and a cell with room for three
    tenant = panel_with_surveys()
    survey = live_survey(tenant, definition=REGION)
    quota_add(survey=survey, question_a="region", value_a="north", limit=3)
    responses = []
    for _n in range(8):
        panelist = consenting_panelist(tenant)
        invite(survey, panelist)
        responses.append(response_start(survey=survey, panelist=panelist))
    connection.close()
    go = tmp_path / "go"

    # when they all submit at once, each in its own process
    racers = [
        subprocess.Popen([sys.executable, "-m", "tests.surveys.quota_racer", str(r.pk), str(go)],
                         env=process_env_for_tests(), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for r in responses
    ]  # fmt: skip
    go.touch()
    statuses = []
    for racer in racers:
        out, err = racer.communicate(timeout=120)
        assert racer.returncode == 0, err.decode()[-3000:]
        statuses.append(json.loads(out.decode().strip().splitlines()[-1])["status"])

    # then exactly three complete and the rest end as quota full
    assert sorted(statuses) == ["completed"] * 3 + ["quota_full"] * 5
    assert QuotaCell.objects.for_tenant(tenant).get().completes == 3
    assert Response.objects.for_tenant(tenant).filter(status="completed").count() == 3


@pytest.mark.django_db
def test_a_respondent_who_lands_in_a_full_cell_ends_as_quota_full_and_only_completes_count() -> None:
    tenant = panel_with_surveys()
    survey = live_survey(tenant)
    cell = quota_add(survey=survey, question_a="region", value_a="north", limit=1)
    first, second, third = (consenting_panelist(tenant) for _n in range(3))
    for panelist in (first, second, third):
        invite(survey, panelist)
    screened = submit(response_start(survey=survey, panelist=third), "screen", eats="no", region="north")

    assert complete_breakfast(survey, first).status == "completed"
    late = submit(response_start(survey=survey, panelist=second), "screen", eats="yes", region="north")

    assert screened.status == "screened_out"
    assert late.status == "quota_full"
    cell.refresh_from_db()
    assert cell.completes == 1


@pytest.mark.django_db
def test_the_order_each_respondent_saw_is_recorded_and_reused() -> None:
    definition = breakfast()
    definition["pages"][1]["elements"][0]["choicesOrder"] = "random"
    definition["pages"][1]["questionsOrder"] = "random"
    tenant = panel_with_surveys()
    survey = live_survey(tenant, definition=definition)
    panelist = consenting_panelist(tenant)
    invite(survey, panelist)

    response = response_start(survey=survey, panelist=panelist)

    assert sorted(response.order["foods"]) == ["bread", "cereal", "fruit"]
    assert sorted(response.order["page:habits"]) == ["cups", "foods", "nps", "why"]
    shown = engine.page_view(definition, "habits", {"eats": "yes"}, response.order, "en")
    assert [q.name for q in shown] == response.order["page:habits"]
    foods = next(q for q in shown if q.name == "foods")
    assert [value for value, _text in foods.choices] == response.order["foods"]


def test_randomisation_draws_from_the_generator_it_is_given(rng: random.Random) -> None:
    definition = breakfast()
    definition["pages"][1]["elements"][0]["choicesOrder"] = "random"
    seed = rng.random()

    assert engine.randomise(definition, random.Random(seed)) == engine.randomise(definition, random.Random(seed))


CHECK = {"type": "radiogroup", "choices": ["red", "blue"], "attentionCheck": True}
ATTENTION = {"pages": [{"name": "p1", "elements": [
    CHECK | {"name": "check1", "correctAnswer": "blue"},
    CHECK | {"name": "check2", "correctAnswer": "red"},
    {"type": "comment", "name": "why"},
]}]}  # fmt: skip


def test_one_failed_attention_check_flags_and_two_reject() -> None:
    one = quality.verdict(ATTENTION, {"check1": "blue", "check2": "blue"}, seconds=100, median=None, completes=0)
    two = quality.verdict(ATTENTION, {"check1": "red", "check2": "blue"}, seconds=100, median=None, completes=0)
    none = quality.verdict(ATTENTION, {"check1": "blue", "check2": "red"}, seconds=100, median=None, completes=0)

    assert (one.flags, one.held, one.rejected) == (["attention:check2"], True, False)
    assert two.rejected
    assert (none.flags, none.held) == ([], False)


def test_speeders_are_under_half_the_median_after_thirty_completes_or_under_the_minimum() -> None:
    assert quality.is_speeder(40, median=100, completes=30, percent=50, min_seconds=0)
    assert not quality.is_speeder(40, median=100, completes=29, percent=50, min_seconds=0)
    assert not quality.is_speeder(60, median=100, completes=30, percent=50, min_seconds=0)
    assert quality.is_speeder(60, median=None, completes=0, percent=50, min_seconds=90)


def test_straight_lining_is_one_column_in_every_row_of_a_matrix_of_five_rows_or_more() -> None:
    rows = ["taste", "price", "speed", "smell", "look"]

    assert quality.straightlined(breakfast(), {"grid": dict.fromkeys(rows, "2")}, 5) == ["grid"]
    assert quality.straightlined(breakfast(), {"grid": dict.fromkeys(rows, "2") | {"look": "3"}}, 5) == []
    assert quality.straightlined(breakfast(), {"grid": dict.fromkeys(rows, "2")}, 6) == []


@pytest.mark.parametrize(
    ("text", "gibberish"),
    [
        ("I like bread with butter in the morning", False),
        ("ok", False),
        ("Le pain et le café, c'est tout", False),
        ("asdfasdfasdf", True),
        ("qwertyqwerty", True),
        ("xkcdjfhgtrbnm", True),
        ("aaaaaaaaaaaa", True),
        ("good good good good", True),
    ],
)
def test_gibberish_in_open_answers_is_found_offline(text: str, gibberish: bool) -> None:
    assert quality.is_gibberish(text) is gibberish


@pytest.fixture
def held(db):
    tenant = panel_with_surveys()
    survey = live_survey(tenant, min_seconds=3600)
    panelist = consenting_panelist(tenant)
    invite(survey, panelist)
    response = complete_breakfast(survey, panelist)
    first, second = UserFactory.create(), UserFactory.create()
    for user in (first, second):
        MembershipFactory.create(tenant=tenant, user=user, role=Role.REVIEWER)
    return response, panelist, first, second


def test_a_reviewer_approves_a_held_response_and_it_is_paid(held) -> None:
    response, panelist, first, _second = held

    response_review(response=response, reviewer=first, approve=True)

    assert panelist_balance(panelist=panelist) == 50
    assert pending_amounts(panelist=panelist) == []


def test_a_rejection_needs_a_reason_and_one_appeal_goes_to_another_reviewer(held) -> None:
    response, panelist, first, second = held
    with pytest.raises(DomainError) as no_reason:
        response_review(response=response, reviewer=first, approve=False)
    assert no_reason.value.fields == {"reason": ["Required."]}

    response_review(response=response, reviewer=first, approve=False, reason="Answered in 4 seconds.")
    response_appeal(response=response, text="I read fast and answered honestly.")
    with pytest.raises(DomainError, match="appealed"):
        response_appeal(response=response, text="Again.")
    with pytest.raises(DomainError) as same:
        response_review(response=response, reviewer=first, approve=True)
    assert same.value.code == "same_reviewer"

    response_review(response=response, reviewer=second, approve=True, reason="Plausible.")
    assert panelist_balance(panelist=panelist) == 50


def test_a_held_response_nobody_decides_within_14_days_is_approved_and_paid(held) -> None:
    response, panelist, _first, _second = held
    assert responses_auto_approve() == 0
    Response.objects.for_tenant(response.tenant).filter(pk=response.pk).update(
        finished_at=timezone.now() - timedelta(days=15)
    )

    assert responses_auto_approve() == 1
    assert panelist_balance(panelist=panelist) == 50
    assert responses_auto_approve() == 0


def test_the_review_queue_in_the_console_decides_with_a_reason(held, make_staff) -> None:
    response, panelist, _first, _second = held
    reviewer = make_staff(tenant=response.tenant, role=Role.REVIEWER)
    base = f"/t/{response.tenant.slug}/console/survey-reviews"

    page = reviewer.client.get(f"{base}/").content.decode()
    assert f'data-response="{response.pk}"' in page
    assert "<code>speeder</code>" in page
    refused = reviewer.client.post(f"{base}/{response.pk}/reject/", {"reason": ""})
    assert refused.status_code == 400
    reviewer.client.post(f"{base}/{response.pk}/reject/", {"reason": "Far too fast."})

    end = Client()
    assert panelist.user is not None
    end.force_login(panelist.user)
    shown = end.get(f"/t/{response.tenant.slug}/surveys/{response.survey_id}/end/").content.decode()
    assert "Far too fast." in shown
    assert (
        end.post(f"/t/{response.tenant.slug}/surveys/{response.survey_id}/appeal/", {"text": "I was not."}).status_code
        == 302
    )
    assert f'data-response="{response.pk}"' in reviewer.client.get(f"{base}/").content.decode()
