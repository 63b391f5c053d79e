"""The console's survey pages: a manager builds a survey with htmx (add, edit, move, delete, logic
checked live), previews it in French, imports and exports the JSON, adds a quota, publishes, counts the
eligible panelists and sends a wave."""

from __future__ import annotations

import json

import pytest

from surveys.models import Survey, SurveyInvitation
from surveys.selectors import version_latest
from tenants.roles import Role
from tests.surveys.helpers import consenting_panelist, panel_with_surveys
from tests.surveys.samples import breakfast

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def test_a_manager_builds_publishes_and_sends_a_survey(make_staff) -> None:
    tenant = panel_with_surveys()
    consenting_panelist(tenant)
    consenting_panelist(tenant)
    manager = make_staff(tenant=tenant, role=Role.MANAGER)
    client, base = manager.client, f"/t/{tenant.slug}/console/surveys"

    created = client.post(f"{base}/new/", {"title": "Coffee"})
    survey = Survey.objects.for_tenant(tenant).get(title="Coffee")
    assert created["Location"] == f"{base}/{survey.pk}/"
    url = f"{base}/{survey.pk}"

    question = {"type": "radiogroup", "name": "drinks", "title": "Coffee?", "choices": "yes\nno", "page": "p1"}
    added = client.post(f"{url}/questions/", question | {"isRequired": "on"}, headers=HTMX)
    assert added.status_code == 200
    assert 'data-question="drinks"' in added.content.decode()
    client.post(f"{url}/questions/", {"type": "text", "name": "cups", "title": "How many?", "page": "p1",
                                      "visibleIf": "{drinks} = 'yes'"}, headers=HTMX)  # fmt: skip
    client.post(f"{url}/questions/cups/move/", {"direction": "up"}, headers=HTMX)
    client.post(f"{url}/questions/cups/move/", {"direction": "down"}, headers=HTMX)
    client.post(f"{url}/questions/drinks/", {"title": "Do you drink coffee?", "choices": "yes\nno", "isRequired": "on"},
                headers=HTMX)  # fmt: skip
    client.post(f"{url}/questions/", {"type": "comment", "name": "scrap", "title": "x", "page": "p1"}, headers=HTMX)
    client.post(f"{url}/questions/scrap/delete/", headers=HTMX)
    definition = version_latest(survey=survey).definition
    assert [q["name"] for q in definition["pages"][0]["elements"]] == ["drinks", "cups"]
    assert definition["pages"][0]["elements"][0]["title"] == "Do you drink coffee?"

    bad = client.post(f"{url}/logic-check/", {"visibleIf": "{drink} = 'yes'"}, headers=HTMX)
    assert "Unknown question: drink" in bad.content.decode()
    malformed = client.post(f"{url}/logic-check/", {"visibleIf": "{drinks} = "}, headers=HTMX)
    assert 'data-ok="false"' in malformed.content.decode()
    good = client.post(f"{url}/logic-check/", {"visibleIf": "{drinks} = 'yes'"}, headers=HTMX)
    assert 'data-ok="true"' in good.content.decode()

    preview = client.get(f"{url}/preview/p1/?lang=fr")
    assert preview.status_code == 200
    assert "Do you drink coffee?" in preview.content.decode()

    assert client.post(f"{url}/quotas/", {"question_a": "drinks", "value_a": "yes", "limit": "1"}).status_code == 302
    assert client.post(f"{url}/publish/").status_code == 302
    survey.refresh_from_db()
    assert survey.status == "live"

    count = client.get(f"{url}/eligible/", {"filters": ""}, headers=HTMX)
    assert 'data-count="2"' in count.content.decode()
    sent = client.post(f"{url}/waves/", {"method": "random", "size": "1", "seed": "7", "filters": ""})
    assert sent.status_code == 302
    assert SurveyInvitation.objects.for_tenant(tenant).count() == 1
    progress = client.get(f"{url}/progress/").content.decode()
    assert 'data-testid="survey-progress"' in progress


def test_import_and_export_the_surveyjs_json_and_refuse_unsupported_parts_with_a_list(make_staff) -> None:
    tenant = panel_with_surveys()
    owner = make_staff(tenant=tenant, role=Role.OWNER)
    base = f"/t/{tenant.slug}/console/surveys"
    unsupported = breakfast()
    unsupported["pages"][0]["elements"].append({"type": "file", "name": "photo"})

    refused = owner.client.post(f"{base}/new/", {"title": "Bad", "definition": json.dumps(unsupported)})

    assert refused.status_code == 400
    assert "pages[0].elements[2]: question type &#x27;file&#x27; is not supported" in refused.content.decode()
    assert not Survey.objects.for_tenant(tenant).exists()
    not_json = owner.client.post(f"{base}/new/", {"title": "Bad", "definition": "{nope"})
    assert not_json.status_code == 400

    owner.client.post(f"{base}/new/", {"title": "Breakfast", "definition": json.dumps(breakfast())})
    survey = Survey.objects.for_tenant(tenant).get()
    exported = owner.client.get(f"{base}/{survey.pk}/survey.json")
    assert json.loads(exported.content) == breakfast()


def test_publishing_a_logic_cycle_is_refused_with_where_it_is(make_staff) -> None:
    tenant = panel_with_surveys()
    owner = make_staff(tenant=tenant, role=Role.OWNER)
    base = f"/t/{tenant.slug}/console/surveys"
    definition = breakfast()
    definition["pages"][0]["elements"][0]["visibleIf"] = "{region} = 'north'"
    definition["pages"][0]["elements"][1]["visibleIf"] = "{eats} = 'yes'"
    owner.client.post(f"{base}/new/", {"title": "Loop", "definition": json.dumps(definition)})
    survey = Survey.objects.for_tenant(tenant).get()

    refused = owner.client.post(f"{base}/{survey.pk}/publish/")

    assert refused.status_code == 400
    assert "the logic goes round in a cycle: eats → region → eats" in refused.content.decode()


def test_a_reviewer_cannot_author_and_another_tenants_survey_is_a_404(make_staff) -> None:
    tenant = panel_with_surveys()
    reviewer = make_staff(tenant=tenant, role=Role.REVIEWER)
    owner = make_staff(tenant=tenant, role=Role.OWNER)
    owner.client.post(f"/t/{tenant.slug}/console/surveys/new/", {"title": "Mine"})
    survey = Survey.objects.for_tenant(tenant).get()
    other = make_staff(role=Role.OWNER)

    assert reviewer.client.get(f"/t/{tenant.slug}/console/surveys/{survey.pk}/").status_code == 403
    assert other.client.get(f"/t/{other.tenant.slug}/console/surveys/{survey.pk}/").status_code == 404
