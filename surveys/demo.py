"""What ``seed_demo`` adds for surveys: a live bilingual survey with logic, a quota and a screen-out,
sent to every demo panelist, with responses (completed, screened out, one held for review) so that
the results page, the review queue and the wallets show real data. Safe to rerun: the survey is found
by its title, and each response exists once per panelist."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.db.models import F
from django.utils import timezone

from panel.models import Panelist
from surveys.models import QuotaCell, Response, Survey, SurveyInvitation
from surveys.selectors import version_current
from surveys.services.authoring import quota_add, survey_create, survey_publish
from surveys.services.responding import response_pay, survey_reward
from tenants.models import Tenant

TITLE = "Breakfast habits"
DEFINITION: dict[str, Any] = {
    "title": {"default": "Breakfast habits", "fr": "Habitudes du petit-déjeuner"},
    "pages": [
        {"name": "screen", "elements": [
            {"type": "radiogroup", "name": "eats", "isRequired": True,
             "title": {"default": "Do you eat breakfast?", "fr": "Prenez-vous un petit-déjeuner ?"},
             "choices": [{"value": "yes", "text": {"default": "Yes", "fr": "Oui"}},
                         {"value": "no", "text": {"default": "No", "fr": "Non"}}]},
            {"type": "dropdown", "name": "region", "isRequired": True,
             "title": {"default": "Where do you live?", "fr": "Où habitez-vous ?"}, "choices": ["north", "south"]},
        ]},
        {"name": "habits", "elements": [
            {"type": "checkbox", "name": "foods", "isRequired": True, "hasOther": True,
             "title": {"default": "What do you eat?", "fr": "Que mangez-vous ?"},
             "choices": ["bread", "cereal", "fruit", "eggs"]},
            {"type": "rating", "name": "nps", "rateMin": 0, "rateMax": 10,
             "title": {"default": "Would you recommend breakfast to a friend?",
                       "fr": "Recommanderiez-vous le petit-déjeuner à un ami ?"}},
            {"type": "comment", "name": "why", "maxLength": 500,
             "title": {"default": "Why {nps}?", "fr": "Pourquoi {nps} ?"}, "visibleIf": "{nps} notempty"},
        ]},
    ],
    "triggers": [{"type": "complete", "expression": "{eats} = 'no'"}],
}  # fmt: skip


def demo_surveys_seed(tenant: Tenant, panelists: list[Panelist]) -> str:
    survey = Survey.objects.for_tenant(tenant).filter(title=TITLE).first()
    if survey is None:
        survey = survey_create(tenant=tenant, title=TITLE, definition=DEFINITION)
        quota_add(survey=survey, question_a="region", value_a="north", limit=50)
        survey_publish(survey=survey)
        survey.refresh_from_db()
    version = version_current(survey=survey)
    draw = random.Random(12)  # noqa: S311 - demo data, reproducible
    now = timezone.now()
    for index, panelist in enumerate(panelists):
        SurveyInvitation.objects.get_or_create(
            tenant=tenant, survey=survey, panelist=panelist, defaults={"expires_at": now + timedelta(days=14)}
        )
        if index == len(panelists) - 1 or Response.objects.filter(survey=survey, panelist=panelist).exists():
            continue  # the last panelist still has the survey waiting on their home page
        eats = "no" if index % 4 == 3 else "yes"
        region = draw.choice(["north", "south"])
        answers: dict[str, Any] = {"eats": eats, "region": region}
        status, review = Response.Status.SCREENED_OUT, ""
        if eats == "yes":
            nps = draw.randint(3, 10)
            answers |= {"foods": draw.sample(["bread", "cereal", "fruit", "eggs"], 2), "nps": nps,
                        "why": "Quick and good." if nps > 6 else "Too early in the morning."}  # fmt: skip
            status = Response.Status.COMPLETED
            review = Response.Review.HELD if index == 1 else Response.Review.APPROVED
        response = Response.objects.create(
            tenant=tenant, survey=survey, version=version, panelist=panelist, status=status, answers=answers,
            path=["screen", "habits"] if eats == "yes" else ["screen"], finished_at=now,
            seconds=float(draw.randint(40, 200)), review=review, flags=["speeder"] if review == "held" else [],
        )  # fmt: skip
        if status == Response.Status.COMPLETED:
            QuotaCell.objects.filter(survey=survey, question_a="region", value_a=region).update(
                completes=F("completes") + 1
            )
        if review == Response.Review.APPROVED:
            response_pay(response=response, amount=survey_reward(survey))
    responses = Response.objects.filter(survey=survey).count()  # the same line when seeded again
    return f"Surveys: '{TITLE}', live, with {responses} responses and an invitation waiting."
