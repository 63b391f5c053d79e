"""surveys' card on the panelist's home (``panel.home.HOME_CARDS``): the surveys waiting for them."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from panel.home import HomeCard, HomeLink
from panel.models import Panelist
from rewards.money import money
from surveys.selectors import my_surveys
from surveys.services.responding import survey_reward


def surveys_home_card(panelist: Panelist, language: str) -> HomeCard:
    tenant = panelist.tenant
    with translation.override(language):
        waiting = [item for item in my_surveys(panelist=panelist) if item.can_answer]
        links = [
            HomeLink(
                item.survey.title,
                reverse("survey_intro", kwargs={"tenant_slug": tenant.slug, "pk": item.survey.pk}),
                _("continue") if item.state == "started" else money(survey_reward(item.survey), tenant.currency),
            )
            for item in waiting[:5]
        ]
        links.append(HomeLink(_("All your surveys"), reverse("my_surveys", kwargs={"tenant_slug": tenant.slug})))
        return HomeCard(
            key="surveys",
            title=_("Surveys"),
            summary=_("%(n)s waiting for you") % {"n": len(waiting)},
            links=links,
        )
