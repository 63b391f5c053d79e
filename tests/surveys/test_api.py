"""The surveys API: an operator creates, imports, publishes, targets and distributes, reads results and
exports; a panelist lists, starts, answers and submits; another tenant's survey is a 404; bad JSON and
a double submit are refused with a reason and nothing written."""

from __future__ import annotations

import pytest
from django.test import Client

from rewards.models import LedgerTransaction
from surveys.models import Response, Survey, SurveyExport, SurveyVersion
from surveys.services.exports import survey_export_build
from tenants.roles import Role
from tenants.services import api_key_create
from tests.surveys.helpers import consenting_panelist, live_survey, panel_with_surveys
from tests.surveys.samples import breakfast, one_question

pytestmark = pytest.mark.django_db


def key_client(tenant, role: Role = Role.MANAGER) -> Client:
    key = api_key_create(tenant=tenant, name=f"{role} key", role=role, created_by=None).key
    return Client(headers={"Authorization": f"Api-Key {key}"})


def panelist_client(panelist) -> Client:
    client = Client(headers={"X-Tenant": panelist.tenant.slug})
    client.force_login(panelist.user)
    return client


def test_an_operator_builds_publishes_and_distributes_a_survey_by_api() -> None:
    tenant = panel_with_surveys()
    people = [consenting_panelist(tenant) for _n in range(3)]
    api = key_client(tenant)

    created = api.post("/api/v1/surveys/", {"title": "Breakfast", "definition": breakfast()},
                       content_type="application/json")  # fmt: skip
    survey_id = created.json()["id"]
    exported = api.get(f"/api/v1/surveys/{survey_id}/definition/")
    published = api.post(f"/api/v1/surveys/{survey_id}/publish/")
    eligible = api.post(f"/api/v1/surveys/{survey_id}/eligible/", {"filters": {}}, content_type="application/json")
    wave = api.post(f"/api/v1/surveys/{survey_id}/waves/", {"method": "random", "size": 2, "seed": 7},
                    content_type="application/json")  # fmt: skip
    detail = api.get(f"/api/v1/surveys/{survey_id}/")

    assert created.status_code == 201
    assert exported.json() == breakfast()
    assert published.json()["number"] == 1
    assert eligible.json() == {"eligible": len(people)}
    assert (wave.status_code, wave.json()["invited"], wave.json()["seed"]) == (201, 2, 7)
    assert detail.json()["status"] == "live"
    assert detail.json()["progress"]["invited"] == 2


def test_a_panelist_answers_and_submits_by_api_and_a_second_submit_pays_nothing_more() -> None:
    tenant = panel_with_surveys()
    survey = live_survey(tenant, is_open=True)
    panelist = consenting_panelist(tenant)
    me = panelist_client(panelist)
    base = f"/api/v1/me/surveys/{survey.pk}"

    listed = me.get("/api/v1/me/surveys/")
    started = me.post(f"{base}/start/")
    early = me.post(f"{base}/submit/", {"page": "screen", "answers": {"eats": "yes", "region": "north"}},
                    content_type="application/json")  # fmt: skip
    me.post(f"{base}/pages/screen/", {"answers": {"eats": "yes", "region": "north"}}, content_type="application/json")
    me.post(f"{base}/pages/habits/", {"answers": {"foods": ["bread"], "nps": 9}}, content_type="application/json")
    last = {"page": "more", "answers": {"again": True, "grid": {"taste": "1", "price": "2"}}}
    submitted = me.post(f"{base}/submit/", last, content_type="application/json")
    again = me.post(f"{base}/submit/", last, content_type="application/json")

    assert [item["id"] for item in listed.json()["results"]] == [survey.pk]
    assert started.json()["page"] == "screen"
    assert [q["name"] for q in started.json()["questions"]] == ["eats", "region"]
    assert (early.status_code, early.json()["code"]) == (409, "not_last_page")
    assert submitted.status_code == 200
    assert (submitted.json()["status"], submitted.json()["earned"]) == ("completed", survey_reward_of(survey))
    assert (again.status_code, again.json()["code"]) == (409, "response_finished")
    response = Response.objects.for_tenant(tenant).get(survey=survey)
    assert response.answers["grid"] == {"taste": "1", "price": "2"}
    assert LedgerTransaction.objects.for_tenant(tenant).filter(idempotency_key=f"survey:{response.pk}").count() == 1


def survey_reward_of(survey: Survey) -> int:
    from surveys.services.responding import survey_reward

    return survey_reward(survey)


def test_an_answer_that_is_not_a_choice_is_refused_by_api_and_nothing_moves() -> None:
    tenant = panel_with_surveys()
    survey = live_survey(tenant, is_open=True)
    me = panelist_client(consenting_panelist(tenant))
    me.post(f"/api/v1/me/surveys/{survey.pk}/start/")

    refused = me.post(f"/api/v1/me/surveys/{survey.pk}/pages/screen/",
                      {"answers": {"eats": "maybe", "region": "north"}}, content_type="application/json")  # fmt: skip

    assert refused.status_code == 400
    assert refused.json()["code"] == "answers_invalid"
    assert "eats" in refused.json()["fields"]
    assert Response.objects.for_tenant(tenant).get(survey=survey).current_page == "screen"


def test_another_tenants_survey_is_not_found() -> None:
    tenant, other = panel_with_surveys(), panel_with_surveys()
    theirs = live_survey(other, is_open=True)
    api = key_client(tenant)
    me = panelist_client(consenting_panelist(tenant))

    answers = [
        api.get(f"/api/v1/surveys/{theirs.pk}/").status_code,
        api.get(f"/api/v1/surveys/{theirs.pk}/definition/").status_code,
        api.post(f"/api/v1/surveys/{theirs.pk}/close/").status_code,
        api.get(f"/api/v1/surveys/{theirs.pk}/responses/").status_code,
        api.post(f"/api/v1/surveys/{theirs.pk}/exports/", {"fmt": "csv"}, content_type="application/json").status_code,
        me.post(f"/api/v1/me/surveys/{theirs.pk}/start/").status_code,
    ]

    assert answers == [404] * 6
    theirs.refresh_from_db()
    assert theirs.status == "live"


def test_an_unsupported_or_invalid_import_is_refused_with_what_and_where() -> None:
    tenant = panel_with_surveys()
    api = key_client(tenant)
    survey_id = api.post("/api/v1/surveys/", {"title": "Draft"}, content_type="application/json").json()["id"]
    unsupported = one_question()
    unsupported["pages"][0]["elements"].append({"type": "signaturepad", "name": "sign"})

    refused = api.put(f"/api/v1/surveys/{survey_id}/definition/", unsupported, content_type="application/json")
    malformed = api.put(f"/api/v1/surveys/{survey_id}/definition/", "{not json", content_type="application/json")
    not_an_object = api.put(f"/api/v1/surveys/{survey_id}/definition/", [1, 2], content_type="application/json")
    created_bad = api.post("/api/v1/surveys/", {"title": "Bad", "definition": unsupported},
                           content_type="application/json")  # fmt: skip

    assert (refused.status_code, refused.json()["code"]) == (400, "definition_invalid")
    assert any("signaturepad" in problem for problem in refused.json()["fields"]["definition"])
    assert malformed.status_code == 400
    assert not_an_object.status_code == 400
    assert created_bad.status_code == 400
    assert SurveyVersion.objects.for_tenant(tenant).get(survey_id=survey_id).definition == {
        "pages": [{"name": "page1", "elements": []}]
    }
    assert Survey.objects.for_tenant(tenant).count() == 1


def test_results_responses_and_an_export_by_api(make_staff) -> None:
    tenant = panel_with_surveys()
    survey = live_survey(tenant, is_open=True)
    for _n in range(2):
        me = panelist_client(consenting_panelist(tenant))
        me.post(f"/api/v1/me/surveys/{survey.pk}/start/")
        me.post(f"/api/v1/me/surveys/{survey.pk}/pages/screen/", {"answers": {"eats": "no", "region": "south"}},
                content_type="application/json")  # fmt: skip
    api = key_client(tenant)

    results = api.get(f"/api/v1/surveys/{survey.pk}/results/")
    responses = api.get(f"/api/v1/surveys/{survey.pk}/responses/")
    started = api.post(f"/api/v1/surveys/{survey.pk}/exports/", {"fmt": "csv"}, content_type="application/json")
    export_id = started.json()["id"]
    not_yet = api.get(f"/api/v1/surveys/{survey.pk}/exports/{export_id}/file/")
    survey_export_build(export_id=export_id)
    done = api.get(f"/api/v1/surveys/{survey.pk}/exports/{export_id}/")
    downloaded = api.get(done.json()["file_path"])

    assert results.json()["statuses"] == {"screened_out": 2}
    assert [r["status"] for r in responses.json()["results"]] == ["screened_out", "screened_out"]
    assert all(r["respondent"].startswith("r_") for r in responses.json()["results"])
    assert started.status_code == 202
    assert not_yet.status_code == 404
    assert (done.json()["status"], done.json()["rows_done"]) == ("done", 2)
    assert b"".join(downloaded.streaming_content).decode().count("screened_out") == 2  # type: ignore[attr-defined]
    assert SurveyExport.objects.for_tenant(tenant).count() == 1


def test_a_review_decision_needs_a_person_not_a_key(make_staff) -> None:
    tenant = panel_with_surveys()
    survey = live_survey(tenant, is_open=True)
    me = panelist_client(consenting_panelist(tenant))
    me.post(f"/api/v1/me/surveys/{survey.pk}/start/")
    me.post(f"/api/v1/me/surveys/{survey.pk}/pages/screen/", {"answers": {"eats": "no", "region": "south"}},
            content_type="application/json")  # fmt: skip
    response = Response.objects.for_tenant(tenant).get(survey=survey)
    Response.objects.for_tenant(tenant).filter(pk=response.pk).update(review="held")
    reviewer = make_staff(tenant=tenant, role=Role.REVIEWER)

    robot = key_client(tenant, Role.REVIEWER)
    by_key = robot.post(f"/api/v1/survey-reviews/{response.pk}/", {"decision": "approve"},
                        content_type="application/json")  # fmt: skip
    queue = reviewer.client.get("/api/v1/survey-reviews/", headers={"X-Tenant": tenant.slug})
    unexplained = reviewer.client.post(f"/api/v1/survey-reviews/{response.pk}/", {"decision": "reject"},
                                       content_type="application/json", headers={"X-Tenant": tenant.slug})  # fmt: skip
    rejected = reviewer.client.post(f"/api/v1/survey-reviews/{response.pk}/",
                                    {"decision": "reject", "reason": "Answers copied from another response."},
                                    content_type="application/json", headers={"X-Tenant": tenant.slug})  # fmt: skip

    assert (by_key.status_code, by_key.json()["code"]) == (403, "person_required")
    assert [item["id"] for item in queue.json()["results"]] == [response.pk]
    assert unexplained.status_code == 400
    assert (rejected.status_code, rejected.json()["review"]) == (200, "rejected")
