"""External surveys: the panelist goes to the other tool with a random id and comes back through a
signed return link, or the tool posts the signed status server to server. A forged signature changes
nothing; a complete is checked and paid as a survey answered here (once), a speeder is held for a
reviewer, and the tool's "quota full" ends the response as quota full with the screen-out reward."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from rewards.models import LedgerTransaction
from rewards.selectors import pending_amounts
from surveys.models import Response, Survey
from surveys.services.external import external_recipe, external_signature
from surveys.services.responding import survey_reward
from tests.surveys.helpers import consenting_panelist, live_survey, panel_with_surveys
from tests.surveys.samples import one_question

pytestmark = pytest.mark.django_db
ENTRY = "https://tool.example/run?rid={rid}"


def external_survey(**settings: object) -> Survey:
    return live_survey(panel_with_surveys(), one_question(), entry_url=ENTRY, is_open=True, **settings)


def sent_out(survey: Survey) -> tuple[Client, Response]:
    """A panelist who started the survey and was sent to the other tool."""
    panelist = consenting_panelist(survey.tenant)
    client = Client()
    assert panelist.user is not None
    client.force_login(panelist.user)
    started = client.post(f"/t/{survey.tenant.slug}/surveys/{survey.pk}/start/")
    response = Response.objects.for_tenant(survey.tenant).get(survey=survey, panelist=panelist)
    assert started["Location"] == ENTRY.replace("{rid}", response.rid)
    return client, response


def credits_for(response: Response) -> int:
    return LedgerTransaction.objects.for_tenant(response.tenant).filter(idempotency_key=f"survey:{response.pk}").count()


def return_url(survey: Survey, response: Response, status: str, sig: str) -> str:
    return f"/t/{survey.tenant.slug}/surveys/{survey.pk}/return/{status}/?rid={response.rid}&sig={sig}"


def test_a_signed_return_completes_and_pays_once() -> None:
    survey = external_survey()
    client, response = sent_out(survey)
    sig = external_signature(survey=survey, rid=response.rid, status="complete")

    first = client.get(return_url(survey, response, "complete", sig))
    again = client.get(return_url(survey, response, "complete", sig))

    response.refresh_from_db()
    assert first.status_code == again.status_code == 302
    assert (response.status, response.review, response.earned) == ("completed", "approved", survey_reward(survey))
    assert credits_for(response) == 1


def test_a_forged_signature_is_refused_and_changes_nothing() -> None:
    survey = external_survey()
    client, response = sent_out(survey)
    screenout_sig = external_signature(survey=survey, rid=response.rid, status="screenout")
    other_survey = external_survey()

    forged = [
        client.get(return_url(survey, response, "complete", screenout_sig)),  # another status's signature
        client.get(return_url(survey, response, "complete", "0" * 64)),
        client.get(return_url(survey, response, "complete", "")),
        client.get(return_url(survey, response, "complete",
                              external_signature(survey=other_survey, rid=response.rid, status="complete"))),
    ]  # fmt: skip

    assert [answer.status_code for answer in forged] == [403, 403, 403, 403]
    response.refresh_from_db()
    assert (response.status, response.earned) == ("started", 0)
    assert credits_for(response) == 0


def test_the_server_callback_applies_a_signed_status_once_and_refuses_the_rest() -> None:
    survey = external_survey()
    _client, response = sent_out(survey)
    server = Client()
    path = f"/t/{survey.tenant.slug}/surveys/{survey.pk}/callback/"
    body = {"rid": response.rid, "status": "complete",
            "sig": external_signature(survey=survey, rid=response.rid, status="complete")}  # fmt: skip

    not_json = server.post(path, "{rid", content_type="application/json")
    forged = server.post(path, json.dumps(body | {"sig": "f" * 64}), content_type="application/json")
    unknown = server.post(path, json.dumps(body | {"status": "paid"}), content_type="application/json")
    applied = server.post(path, json.dumps(body), content_type="application/json")
    repeated = server.post(path, json.dumps(body), content_type="application/json")

    assert (not_json.status_code, forged.status_code, unknown.status_code) == (400, 403, 400)
    assert forged.json()["code"] == "bad_signature"
    assert applied.json() == repeated.json() == {"rid": response.rid, "status": "completed"}
    assert credits_for(response) == 1


def test_the_recipe_gives_the_return_urls_the_callback_and_the_signature() -> None:
    survey = external_survey()

    recipe = external_recipe(survey=survey)

    assert set(recipe["returns"]) == {"complete", "screenout", "quotafull"}  # type: ignore[call-overload]
    assert str(recipe["callback"]).endswith(f"/t/{survey.tenant.slug}/surveys/{survey.pk}/callback/")
    assert "HMAC-SHA256" in str(recipe["recipe"])


def test_an_external_speeder_is_held_for_a_reviewer_and_shows_as_pending() -> None:
    survey = external_survey(min_seconds=120)  # nobody honest finishes in under two minutes
    client, response = sent_out(survey)

    client.get(return_url(survey, response, "complete",
                          external_signature(survey=survey, rid=response.rid, status="complete")))  # fmt: skip

    response.refresh_from_db()
    assert (response.status, response.review, response.earned) == ("completed", "held", 0)
    assert "speeder" in response.flags
    assert credits_for(response) == 0
    assert [item.amount for item in pending_amounts(panelist=response.panelist)] == [survey_reward(survey)]


def test_the_tools_quota_full_ends_the_response_with_the_screenout_reward() -> None:
    survey = external_survey(screenout_reward=10)
    client, response = sent_out(survey)

    client.get(return_url(survey, response, "quotafull",
                          external_signature(survey=survey, rid=response.rid, status="quotafull")))  # fmt: skip

    response.refresh_from_db()
    assert (response.status, response.earned) == ("quota_full", 10)
    assert credits_for(response) == 1
