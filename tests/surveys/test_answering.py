"""Answering: pages checked on the server against the response's version, logic re-evaluated, hidden
answers discarded, forged pages refused, progress saved, consent at every page, and pay once."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from consent.errors import ConsentRequired, ConsentWithdrawn
from consent.services.consent import consent_withdraw
from core.errors import DomainError
from rewards.models import LedgerTransaction
from rewards.selectors import panelist_balance, pending_amounts
from rewards.sources import source_label
from surveys.errors import AnswersInvalid, NotInvited, PageRefused, SurveyNotLive
from surveys.models import PageTiming, Response
from surveys.services.authoring import survey_close, survey_definition_save, survey_publish
from surveys.services.responding import response_start
from tests.factories import PanelistFactory
from tests.surveys.helpers import (
    complete_breakfast,
    consenting_panelist,
    invite,
    live_survey,
    panel_with_surveys,
    submit,
)
from tests.surveys.samples import breakfast

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    tenant = panel_with_surveys()
    survey = live_survey(tenant)
    panelist = consenting_panelist(tenant)
    invite(survey, panelist)
    return tenant, survey, panelist


def test_a_panelist_completes_a_survey_and_is_paid_once_with_the_survey_key(setup) -> None:
    tenant, survey, panelist = setup

    response = complete_breakfast(survey, panelist)

    assert response.status == Response.Status.COMPLETED
    assert response.review == Response.Review.APPROVED
    assert panelist_balance(panelist=panelist) == 50
    txn = LedgerTransaction.objects.for_tenant(tenant).get(idempotency_key=f"survey:{response.pk}")
    assert txn.reason == "survey"
    assert source_label(txn.source, tenant) == "Survey: Breakfast"
    with pytest.raises(PageRefused) as twice:
        submit(response, "more", again="true")
    assert twice.value.code == "response_finished"
    assert panelist_balance(panelist=panelist) == 50


def test_every_page_is_timed_by_the_server_and_the_response_bound_to_its_version(setup) -> None:
    _tenant, survey, panelist = setup

    response = complete_breakfast(survey, panelist)

    assert list(PageTiming.objects.filter(response=response).values_list("page", flat=True)) == [
        "screen",
        "habits",
        "more",
    ]
    assert response.version.number == 1
    assert response.seconds is not None


def test_a_screen_out_trigger_ends_the_survey_and_pays_the_screen_out_reward(setup) -> None:
    _tenant, survey, panelist = setup
    survey.screenout_reward = 10
    survey.save()
    response = response_start(survey=survey, panelist=panelist)

    response = submit(response, "screen", eats="no", region="south")

    assert response.status == Response.Status.SCREENED_OUT
    assert panelist_balance(panelist=panelist) == 10


def test_required_answers_types_and_choices_are_checked_and_nothing_is_saved(setup) -> None:
    _tenant, survey, panelist = setup
    response = response_start(survey=survey, panelist=panelist)

    with pytest.raises(AnswersInvalid) as refused:
        submit(response, "screen", eats="maybe")

    assert refused.value.fields == {
        "eats": ["Choose one of the answers shown."],
        "region": ["Please answer this question."],
    }
    response = submit(response, "screen", eats="yes", region="north")
    with pytest.raises(AnswersInvalid) as refused:
        submit(response, "habits", foods=["bread"], nps=11, cups="lots", why="x" * 201)
    assert refused.value.fields == {
        "nps": ["Choose one of the answers shown."],
        "cups": ["Enter a number."],
        "why": ["At most 200 characters, please (this has 201)."],
    }
    response.refresh_from_db()
    assert response.answers == {"eats": "yes", "region": "north"}
    assert response.current_page == "habits"


def test_the_other_option_needs_its_text(setup) -> None:
    _tenant, survey, panelist = setup
    response = submit(response_start(survey=survey, panelist=panelist), "screen", eats="yes", region="north")

    with pytest.raises(AnswersInvalid) as refused:
        submit(response, "habits", foods=["other"])
    assert refused.value.fields == {"foods": ["Say what your other answer is."]}

    response = submit(response, "habits", foods=["other"], **{"foods-Comment": "porridge"}, nps=3)
    assert response.answers["foods-Comment"] == "porridge"


def test_answers_to_questions_the_logic_hides_are_discarded(setup) -> None:
    _tenant, survey, panelist = setup
    response = submit(response_start(survey=survey, panelist=panelist), "screen", eats="yes", region="north")

    # cups is shown only when fruit is not chosen: a forged value for it is dropped
    response = submit(response, "habits", foods=["bread", "fruit"], cups="3", nps=2)

    assert "cups" not in response.answers
    # nps 2 hides the last page: the survey completes after habits
    assert response.status == Response.Status.COMPLETED


def test_a_forged_post_for_a_page_not_reached_or_hidden_is_refused(setup) -> None:
    _tenant, survey, panelist = setup
    response = response_start(survey=survey, panelist=panelist)

    with pytest.raises(PageRefused):
        submit(response, "more", again="true")
    response = submit(response, "screen", eats="yes", region="north")
    response = submit(response, "habits", foods=["bread"], nps=2, cups="1")
    assert response.status == Response.Status.COMPLETED

    other = consenting_panelist(survey.tenant)
    invite(survey, other)
    started = submit(response_start(survey=survey, panelist=other), "screen", eats="yes", region="north")
    started = submit(started, "habits", foods=["bread"], nps=8)
    with pytest.raises(PageRefused):
        submit(started, "nowhere")


def test_going_back_keeps_the_answers_and_resuming_starts_where_it_stopped(setup) -> None:
    _tenant, survey, panelist = setup
    response = submit(response_start(survey=survey, panelist=panelist), "screen", eats="yes", region="north")

    again = response_start(survey=survey, panelist=panelist)  # another device, later

    assert again.pk == response.pk
    assert again.current_page == "habits"
    back = submit(again, "screen", eats="yes", region="south")
    assert back.answers == {"eats": "yes", "region": "south"}
    assert back.path == ["screen", "habits"]


def test_one_response_per_panelist_and_survey_is_enforced_by_the_database(setup) -> None:
    tenant, survey, panelist = setup
    response = response_start(survey=survey, panelist=panelist)

    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(tenant=tenant, survey=survey, panelist=panelist, version=response.version)


def test_consent_is_required_to_start_and_withdrawing_stops_at_the_next_page_keeping_what_was_earned(setup) -> None:
    tenant, survey, panelist = setup
    first = complete_breakfast(survey, panelist)
    second_survey = live_survey(tenant)
    invite(second_survey, panelist)
    response = response_start(survey=second_survey, panelist=panelist)

    consent_withdraw(tenant=tenant, subject=panelist.public_id, purpose_key="surveys", method="web", actor="subject")

    with pytest.raises(ConsentWithdrawn):
        submit(response, "screen", eats="yes", region="north")
    assert first.earned == 50
    assert panelist_balance(panelist=panelist) == 50
    stranger = consenting_panelist(tenant)
    consent_withdraw(tenant=tenant, subject=stranger.public_id, purpose_key="surveys", method="web", actor="subject")
    invite(survey, stranger)
    with pytest.raises(ConsentWithdrawn):
        response_start(survey=survey, panelist=stranger)


def test_a_panelist_without_consent_cannot_start(setup) -> None:
    tenant, survey, _panelist = setup
    never = PanelistFactory.create(tenant=tenant)
    invite(survey, never)

    with pytest.raises(ConsentRequired):
        response_start(survey=survey, panelist=never)


def test_a_survey_is_reachable_only_with_an_invitation_unless_it_is_open(setup) -> None:
    tenant, survey, _panelist = setup
    uninvited = consenting_panelist(tenant)

    with pytest.raises(NotInvited):
        response_start(survey=survey, panelist=uninvited)
    survey.is_open = True
    survey.save()
    assert response_start(survey=survey, panelist=uninvited).status == "started"


def test_answering_after_close_is_refused_and_nothing_is_written(setup) -> None:
    _tenant, survey, panelist = setup
    response = response_start(survey=survey, panelist=panelist)
    survey_close(survey=survey)

    with pytest.raises(SurveyNotLive):
        submit(response, "screen", eats="yes", region="north")
    response.refresh_from_db()
    assert response.answers == {}
    assert PageTiming.objects.filter(response=response).count() == 0


def test_a_response_keeps_its_version_when_a_new_one_is_published(setup) -> None:
    _tenant, survey, panelist = setup
    response = response_start(survey=survey, panelist=panelist)
    changed = breakfast()
    changed["pages"][0]["elements"][1]["choices"] = ["east", "west"]
    survey_definition_save(survey=survey, definition=changed)
    survey_publish(survey=survey)

    response = submit(response, "screen", eats="yes", region="north")

    assert response.version.number == 1
    assert response.answers["region"] == "north"


def test_a_flagged_response_is_held_and_its_reward_shows_as_pending(setup) -> None:
    _tenant, survey, panelist = setup
    survey.min_seconds = 3600
    survey.save()

    response = complete_breakfast(survey, panelist)

    assert response.review == Response.Review.HELD
    assert response.flags == ["speeder"]
    assert panelist_balance(panelist=panelist) == 0
    assert [(item.label, item.amount) for item in pending_amounts(panelist=panelist)] == [
        ("Survey under review: Breakfast", 50)
    ]


def test_bad_input_is_a_domain_error_with_fields(setup) -> None:
    _tenant, survey, panelist = setup
    response = response_start(survey=survey, panelist=panelist)

    with pytest.raises(DomainError) as refused:
        submit(response, "screen", eats=["yes", "no"], region="north")

    assert refused.value.status_code == 400
    assert refused.value.fields == {"eats": ["Give one answer."]}


def test_errors_are_in_the_panelists_language(setup) -> None:
    _tenant, survey, panelist = setup
    response = response_start(survey=survey, panelist=panelist)

    with translation.override("fr"), pytest.raises(AnswersInvalid) as refused:
        submit(response, "screen", eats="yes")

    assert refused.value.fields == {"region": ["Veuillez répondre à cette question."]}
