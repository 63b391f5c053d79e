"""Targeting: filters on the screening answers kept from the waitlist (any question, a region, an age
band from the year of birth), combined, counted before anything is sent (console and API), recorded with
each wave; filters a panel cannot use are refused with a reason and nothing written."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from consent.services.consent import consent_withdraw
from panel.models import ScreeningQuestion
from surveys.models import SurveyInvitation, Wave
from surveys.selectors import eligible_panelists
from surveys.services.distribution import wave_create
from tenants.models import Tenant
from tenants.roles import Role
from tenants.services import api_key_create
from tests.factories import PanelistFactory
from tests.surveys.helpers import (
    consenting_panelist,
    live_survey,
    panel_with_surveys,
    screening_questions,
    with_screening,
)

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def this_year(tenant: Tenant) -> int:
    return timezone.now().astimezone(tenant.tzinfo).year


def aged(tenant: Tenant, age: int, region: str, household: int = 2):
    """A consenting panelist who joined from the waitlist and turns ``age`` this year."""
    return with_screening(consenting_panelist(tenant), region=region, birth_year=this_year(tenant) - age,
                          household=household)  # fmt: skip


def test_filters_on_any_screening_question_and_an_age_band_combine() -> None:
    # given panelists of several ages and regions, one who joined without the waitlist, and three not eligible
    tenant = panel_with_surveys()
    screening_questions(tenant)
    young_north = aged(tenant, 22, "north", household=1)
    mid_north = aged(tenant, 30, "north", household=4)
    mid_south = aged(tenant, 34, "south")
    old_east = aged(tenant, 60, "east")
    direct = consenting_panelist(tenant)  # invited directly: no screening answers
    PanelistFactory.create(tenant=tenant)  # never consented
    withdrawn = aged(tenant, 30, "north")
    consent_withdraw(tenant=tenant, subject=withdrawn.public_id, purpose_key="surveys", method="web", actor="subject")
    gone = aged(tenant, 30, "north")
    gone.status, gone.left_at = "left", timezone.now()
    gone.save()

    def eligible(**filters: list[str]) -> list[int]:
        return eligible_panelists(tenant=tenant, filters=filters)

    # then each filter keeps whom it says, and filters combine: all must match, any value of one may
    assert eligible() == sorted(p.pk for p in (young_north, mid_north, mid_south, old_east, direct))
    assert eligible(age=["25..34"]) == [mid_north.pk, mid_south.pk]
    assert eligible(age=["..24", "55.."]) == [young_north.pk, old_east.pk]
    assert eligible(region=["north", "east"]) == [young_north.pk, mid_north.pk, old_east.pk]
    assert eligible(age=["25..34"], region=["north"]) == [mid_north.pk]
    assert eligible(household=["3..5"]) == [mid_north.pk]
    assert eligible(household=["1"]) == [young_north.pk]
    assert eligible(birth_year=[f"{this_year(tenant) - 40}.."]) == [young_north.pk, mid_north.pk, mid_south.pk]
    assert direct.pk not in eligible(region=["north", "south", "east"])  # no answer matches no filter


def test_a_panel_that_asks_the_age_itself_is_filtered_on_that_answer() -> None:
    tenant = panel_with_surveys()
    ScreeningQuestion.objects.create(tenant=tenant, key="age", labels={"en": "Your age"}, kind="number")
    thirty = with_screening(consenting_panelist(tenant), age=30)
    with_screening(consenting_panelist(tenant), age=70)

    assert eligible_panelists(tenant=tenant, filters={"age": ["18..64"]}) == [thirty.pk]


def test_filters_the_panel_cannot_use_are_refused_with_each_reason_and_nothing_is_written() -> None:
    tenant = panel_with_surveys()
    screening_questions(tenant)
    aged(tenant, 30, "north")
    survey = live_survey(tenant)
    bad = {"shoe_size": ["42"], "region": ["west"], "age": ["40..30"], "household": ["many"]}

    with pytest.raises(Exception, match="Some filters cannot be used") as refused:
        wave_create(survey=survey, method="all", size=None, filters=bad)

    problems = refused.value.fields["filters"]  # type: ignore[attr-defined]
    assert len(problems) == 4
    assert "“shoe_size” is not something panelists can be filtered on (age, region, birth_year, household)." in problems
    assert "region: “west” is not one of its answers (east, north, south)." in problems
    assert "age: “40..30” is not a number or a range like 18..34." in problems
    assert not Wave.objects.for_tenant(tenant).exists()
    assert not SurveyInvitation.objects.for_tenant(tenant).exists()
    without_birth_year = panel_with_surveys()  # no year of birth asked: no age to filter on
    with pytest.raises(Exception, match="Some filters cannot be used"):
        eligible_panelists(tenant=without_birth_year, filters={"age": ["18..34"]})


def test_the_console_counts_the_eligible_as_the_filters_change_and_the_wave_records_them(make_staff) -> None:
    tenant = panel_with_surveys()
    screening_questions(tenant)
    mid_north = aged(tenant, 30, "north")
    aged(tenant, 30, "south")
    aged(tenant, 60, "north")
    survey = live_survey(tenant)
    manager = make_staff(tenant=tenant, role=Role.MANAGER)
    url = f"/t/{tenant.slug}/console/surveys/{survey.pk}"

    page = manager.client.get(f"{url}/").content.decode()
    everyone = manager.client.get(f"{url}/eligible/", headers=HTMX).content.decode()
    counted = manager.client.get(f"{url}/eligible/", {"f_region": ["north", "east"], "f_age_min": "25",
                                                      "f_age_max": "34"}, headers=HTMX).content.decode()  # fmt: skip
    wrong = manager.client.get(f"{url}/eligible/", {"f_age_min": "old"}, headers=HTMX).content.decode()
    refused = manager.client.post(f"{url}/waves/", {"method": "all", "f_region": "west"})
    sent = manager.client.post(f"{url}/waves/", {"method": "all", "f_region": "north", "f_age_min": "25",
                                                 "f_age_max": "34"})  # fmt: skip

    # the form offers each screening question and the age; the count follows the filters
    assert 'name="f_region" value="north"> North' in page
    assert 'name="f_age_min"' in page
    assert 'name="f_household_max"' in page
    assert 'data-count="3"' in everyone
    assert 'data-count="1"' in counted
    assert "Age (from the year of birth): 25 to 34 · Region: North, east" in counted
    assert "not a number or a range" in wrong
    assert refused.status_code == 400
    assert "region: “west” is not one of its answers" in refused.content.decode()
    assert sent.status_code == 302
    wave = Wave.objects.for_tenant(tenant).get()
    assert wave.filters == {"age": ["25..34"], "region": ["north"]}
    assert list(SurveyInvitation.objects.for_tenant(tenant).values_list("panelist_id", flat=True)) == [mid_north.pk]
    listed = manager.client.get(f"{url}/").content.decode()
    assert "Age (from the year of birth): 25 to 34 · Region: North" in listed


def test_the_api_counts_the_eligible_with_filters_and_refuses_unknown_ones() -> None:
    tenant = panel_with_surveys()
    screening_questions(tenant)
    aged(tenant, 30, "north")
    aged(tenant, 45, "north")
    survey = live_survey(tenant)
    api = Client(headers={"Authorization": "Api-Key " + api_key_create(tenant=tenant, name="k", role=Role.MANAGER,
                                                                        created_by=None).key})  # fmt: skip
    base = f"/api/v1/surveys/{survey.pk}"

    counted = api.post(f"{base}/eligible/", {"filters": {"age": ["25..34", "60.."], "region": ["north"]}},
                       content_type="application/json")  # fmt: skip
    refused = api.post(f"{base}/eligible/", {"filters": {"region": ["west"]}}, content_type="application/json")
    wave = api.post(f"{base}/waves/", {"method": "all", "filters": {"age": ["40..49"]}},
                    content_type="application/json")  # fmt: skip
    no_wave = api.post(f"{base}/waves/", {"method": "all", "filters": {"income": ["high"]}},
                       content_type="application/json")  # fmt: skip

    assert counted.json() == {"eligible": 1}
    assert refused.status_code == 400
    assert refused.json()["fields"]["filters"] == ["region: “west” is not one of its answers (east, north, south)."]
    assert (wave.status_code, wave.json()["invited"], wave.json()["filters"]) == (201, 1, {"age": ["40..49"]})
    assert no_wave.status_code == 400
    assert Wave.objects.for_tenant(tenant).count() == 1
