"""Setting up surveys for tests: a panel with the surveys purpose, consenting panelists, a live survey
they are invited to, and answering pages the way a form posts them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import QueryDict
from django.utils import timezone

from consent.services.consent import consent_grant
from panel.models import Invitation, Panelist, ScreeningQuestion, WaitlistEntry
from surveys.models import Response, Survey, SurveyInvitation
from surveys.services.authoring import survey_create, survey_publish
from surveys.services.responding import response_page_submit, response_start
from tenants.models import Tenant
from tests.factories import PanelistFactory, TenantFactory, publish
from tests.surveys.samples import breakfast


def panel_with_surveys(slug: str | None = None) -> Tenant:
    tenant = TenantFactory.create(**({"slug": slug} if slug else {}))
    publish(tenant, "surveys")
    return tenant


def consenting_panelist(tenant: Tenant) -> Panelist:
    panelist = PanelistFactory.create(tenant=tenant)
    consent_grant(tenant=tenant, subject=panelist.public_id, purpose_key="surveys", language="en", method="web",
                  actor="subject")  # fmt: skip
    return panelist


def live_survey(tenant: Tenant, definition: dict[str, Any] | None = None, **settings: Any) -> Survey:
    survey = survey_create(tenant=tenant, title="Breakfast", definition=definition or breakfast())
    for name, value in settings.items():
        setattr(survey, name, value)
    survey.save()
    survey_publish(survey=survey)
    survey.refresh_from_db()
    return survey


def invite(survey: Survey, panelist: Panelist, days: int = 7) -> SurveyInvitation:
    return SurveyInvitation.objects.create(tenant=survey.tenant, survey=survey, panelist=panelist,
                                           expires_at=timezone.now() + timedelta(days=days))  # fmt: skip


def form(**fields: Any) -> QueryDict:
    """A POST body: a list value posts the field several times (checkboxes)."""
    data = QueryDict(mutable=True)
    for name, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            data.appendlist(name.replace("__", "."), str(one))
    return data


def submit(response: Response, page: str, **fields: Any) -> Response:
    return response_page_submit(response=response, page=page, data=form(**fields), language="en")


def complete_breakfast(survey: Survey, panelist: Panelist, *, region: str = "north") -> Response:
    """Answer the breakfast survey through to the end, as a quick honest respondent."""
    response = response_start(survey=survey, panelist=panelist)
    response = submit(response, "screen", eats="yes", region=region)
    response = submit(response, "habits", foods=["bread", "fruit"], nps=9, why="I like it")
    grid = {f"grid__{row}": str(1 + n % 3) for n, row in enumerate(["taste", "price", "speed", "smell", "look"])}
    return submit(response, "more", again="true", **grid)


def with_screening(panelist: Panelist, **answers: object) -> Panelist:
    """The panelist as one who joined from the waitlist with these screening answers."""
    invitation = Invitation.objects.create(tenant=panelist.tenant, email=f"{panelist.public_id}@example.test",
                                           nonce="n", status="accepted", expires_at=timezone.now(),
                                           accepted_at=timezone.now(), panelist=panelist)  # fmt: skip
    WaitlistEntry.objects.create(tenant=panelist.tenant, email=invitation.email, public_id=f"w{panelist.pk}",
                                 nonce="n", answers=answers, status="invited", invitation=invitation)  # fmt: skip
    return panelist


def screening_questions(tenant: Tenant) -> None:
    """A region, a year of birth and a household size, as a panel's waitlist asks them."""
    ScreeningQuestion.objects.create(tenant=tenant, key="region", labels={"en": "Region", "fr": "Région"},
                                     choices=["north", "south", "east"], position=0,
                                     choice_labels={"north": {"en": "North", "fr": "Nord"}})  # fmt: skip
    ScreeningQuestion.objects.create(tenant=tenant, key="birth_year", labels={"en": "Year of birth"}, kind="number",
                                     minimum=1900, maximum=2010, position=1)  # fmt: skip
    ScreeningQuestion.objects.create(tenant=tenant, key="household", labels={"en": "People at home"}, kind="number",
                                     minimum=1, maximum=20, position=2)  # fmt: skip
