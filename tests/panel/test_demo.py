"""seed_demo: most demo panelists joined from the waitlist with screening answers, kept as the waitlist
keeps them, so that the survey console's targeting filters (an age band, any screening question) reach
some of them and leave out the others, and a second run adds nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from panel.models import Invitation, Panelist, WaitlistEntry
from surveys.models import Survey
from surveys.selectors import eligible_panelists, screening_answers
from tenants.models import Tenant
from tenants.roles import Role

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def test_seed_demo_gives_the_panelists_screening_answers_that_the_survey_targeting_filters_on(make_staff) -> None:
    # given the demo, seeded twice
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # again: nothing twice
    tenant = Tenant.objects.get(slug="demo")
    number = {
        p.pk: int(p.user.email.split("@")[0].removeprefix("panelist"))
        for p in Panelist.objects.for_tenant(tenant).select_related("user")
    }
    year = timezone.now().astimezone(tenant.tzinfo).year

    def eligible(**filters: list[str]) -> list[int]:
        return sorted(number[pk] for pk in eligible_panelists(tenant=tenant, filters=filters))

    # then panelists 1 to 6 joined from the waitlist: each has one entry, invited by the invitation they
    # accepted, with answers to the demo's questions; 7 and 8 joined by a direct invitation, with none
    answers = {number[pk]: given for pk, given in screening_answers(tenant=tenant, panelist_ids=list(number)).items()}
    assert sorted(answers) == [1, 2, 3, 4, 5, 6]
    assert answers[1] == {"gender": "female", "household": "2", "shopping": "supermarket", "birth_year": 1988}
    entries = WaitlistEntry.objects.for_tenant(tenant).filter(invitation__panelist__isnull=False)
    assert set(entries.values_list("status", "invitation__source", "invitation__status")) == {
        ("invited", "waitlist", "accepted")
    }
    assert entries.count() == 6
    accepted = Invitation.objects.for_tenant(tenant).filter(status="accepted")
    assert sorted(accepted.values_list("source", flat=True)) == ["direct"] * 2 + ["waitlist"] * 6

    # and the targeting filters keep some consenting panelists (2 withdrew, 8 has not re-consented)
    assert eligible() == [1, 3, 4, 5, 6, 7]
    assert eligible(gender=["female"]) == [1, 3, 6]
    assert eligible(shopping=["online", "supermarket"], household=["2", "3"]) == [1, 4]
    assert eligible(age=["18..99"]) == [1, 3, 4, 5, 6]  # 7 joined directly: no answer matches no filter
    band = [n for n in eligible() if n in answers and 35 <= year - int(answers[n]["birth_year"]) <= 54]
    assert band
    assert eligible(age=["35..54"]) == band

    # and the survey console counts them as the filters are ticked
    manager = make_staff(tenant=tenant, role=Role.MANAGER)
    url = f"/t/{tenant.slug}/console/surveys/{Survey.objects.for_tenant(tenant).get().pk}"
    page = manager.client.get(f"{url}/").content.decode()
    counted = manager.client.get(
        f"{url}/eligible/", {"f_gender": ["female"], "f_age_min": "35", "f_age_max": "54"}, headers=HTMX
    ).content.decode()
    assert 'name="f_gender" value="female"' in page
    assert 'name="f_age_min"' in page
    females_in_band = [n for n in band if answers[n]["gender"] == "female"]
    assert females_in_band
    assert f'data-count="{len(females_in_band)}"' in counted
    assert "Age (from the year of birth): 35 to 54 · Gender: Female" in counted
