"""The panelist's survey pages work without JavaScript: plain forms, labels and fieldsets, each error
tied to its question, a forged page refused, the end page saying what was earned."""

from __future__ import annotations

import pytest
from django.test import Client

from consent.services.consent import consent_withdraw
from surveys.models import Response
from tests.surveys.helpers import consenting_panelist, invite, live_survey, panel_with_surveys

pytestmark = pytest.mark.django_db


@pytest.fixture
def journey():
    tenant = panel_with_surveys()
    survey = live_survey(tenant)
    panelist = consenting_panelist(tenant)
    invite(survey, panelist)
    client = Client()
    assert panelist.user is not None
    client.force_login(panelist.user)
    base = f"/t/{tenant.slug}/surveys/{survey.pk}"
    return tenant, survey, panelist, client, base


def test_the_home_page_lists_the_invitation_and_the_survey_answers_page_by_page(journey) -> None:
    tenant, _survey, _panelist, client, base = journey

    home = client.get(f"/t/{tenant.slug}/home/")
    assert 'data-testid="home-card-surveys"' in home.content.decode()
    assert f"{base}/" in home.content.decode()

    started = client.post(f"{base}/start/")
    assert started["Location"] == f"{base}/pages/screen/"
    page = client.get(started["Location"]).content.decode()
    assert "<fieldset" in page
    assert "<legend><strong>Do you eat breakfast?</strong>" in page
    assert '<label for="f-region">' in page
    assert '<select id="f-region" name="region"' in page

    after = client.post(f"{base}/pages/screen/", {"eats": "yes", "region": "north"})
    assert after["Location"] == f"{base}/pages/habits/"
    after = client.post(f"{base}/pages/habits/", {"foods": ["bread", "fruit"], "nps": "9", "why": "good"})
    assert after["Location"] == f"{base}/pages/more/"
    grid = {f"grid.{row}": "2" for row in ["taste", "price", "speed", "smell", "look"]}
    grid["grid.taste"] = "1"
    end = client.post(f"{base}/pages/more/", {"again": "true", **grid})
    assert end["Location"] == f"{base}/end/"
    final = client.get(end["Location"]).content.decode()
    assert 'data-status="completed"' in final
    assert "You earned 0.50 EUR" in final
    assert "0.50 EUR" in client.get(f"/t/{tenant.slug}/wallet/").content.decode()


def test_an_error_is_tied_to_its_field_and_what_was_typed_comes_back(journey) -> None:
    _tenant, _survey, _panelist, client, base = journey
    client.post(f"{base}/start/")
    client.post(f"{base}/pages/screen/", {"eats": "yes", "region": "north"})

    refused = client.post(f"{base}/pages/habits/", {"foods": ["bread"], "nps": "5", "cups": "many", "why": "hm"})

    assert refused.status_code == 400
    page = refused.content.decode()
    assert 'aria-invalid="true" aria-describedby="err-cups"' in page
    assert '<small class="errorlist" id="err-cups" role="alert">Enter a number.</small>' in page
    assert 'value="many"' in page


def test_a_forged_page_is_refused_with_a_409_and_the_reason(journey) -> None:
    _tenant, _survey, _panelist, client, base = journey
    client.post(f"{base}/start/")

    forged = client.post(f"{base}/pages/more/", {"again": "true"})

    assert forged.status_code == 409
    assert "This page is not one you can answer now." in forged.content.decode()
    assert client.get(f"{base}/pages/more/")["Location"] == f"{base}/pages/screen/"


def test_withdrawing_consent_stops_the_survey_at_the_next_page(journey) -> None:
    tenant, _survey, panelist, client, base = journey
    client.post(f"{base}/start/")
    consent_withdraw(tenant=tenant, subject=panelist.public_id, purpose_key="surveys", method="web", actor="subject")

    stopped = client.post(f"{base}/pages/screen/", {"eats": "yes", "region": "north"})

    assert stopped.status_code == 403
    assert 'data-testid="survey-consent-needed"' in stopped.content.decode()
    assert Response.objects.for_tenant(tenant).get(panelist=panelist).answers == {}


def test_a_double_submit_of_the_last_page_leads_to_the_end_page_and_pays_once(journey) -> None:
    tenant, _survey, panelist, client, base = journey
    client.post(f"{base}/start/")
    client.post(f"{base}/pages/screen/", {"eats": "yes", "region": "north"})
    last = {"foods": ["bread", "fruit"], "nps": "2"}

    first = client.post(f"{base}/pages/habits/", last)
    second = client.post(f"{base}/pages/habits/", last)

    assert first["Location"] == second["Location"] == f"{base}/end/"
    assert Response.objects.for_tenant(tenant).get(panelist=panelist).earned == 50


def test_another_panels_survey_is_a_404(journey) -> None:
    _tenant, survey, _panelist, _client, _base = journey
    other = panel_with_surveys()
    stranger = consenting_panelist(other)
    client = Client()
    assert stranger.user is not None
    client.force_login(stranger.user)

    assert client.get(f"/t/{other.slug}/surveys/{survey.pk}/").status_code == 404
    assert client.post(f"/t/{other.slug}/surveys/{survey.pk}/start/").status_code == 404
