"""How surveys' ledger sources read in the wallet (``survey:<survey id>`` -> the survey's title), and
what a held response puts in the wallet as pending."""

from __future__ import annotations

from django.utils.translation import gettext as _

from panel.models import Panelist
from rewards.sources import PendingItem, SourceLabel
from surveys.models import Survey
from surveys.selectors import response_held_list
from surveys.services.responding import survey_reward
from tenants.models import Tenant


def survey_source_label(rest: str, tenant: Tenant) -> str:
    survey = Survey.objects.for_tenant(tenant).filter(pk=int(rest) if rest.isdigit() else 0).first()
    if survey is None:
        return _("Survey")
    return _("Survey: %(title)s") % {"title": survey.title}


SURVEY_SOURCE_LABEL = SourceLabel("survey", survey_source_label)


def held_responses_pending(panelist: Panelist) -> list[PendingItem]:
    return [
        PendingItem(_("Survey under review: %(title)s") % {"title": r.survey.title}, survey_reward(r.survey))
        for r in response_held_list(panelist=panelist)
    ]
