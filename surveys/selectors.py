"""surveys' reads: surveys and versions, responses, invitations, progress and results."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from django.utils import timezone

from panel.models import Panelist
from surveys.models import Response, Survey, SurveyInvitation, SurveyVersion
from tenants.models import Tenant


def survey_get(*, tenant: Tenant, pk: int) -> Survey:
    """A survey of this tenant; another tenant's (or none) is a 404."""
    survey = Survey.objects.for_tenant(tenant).filter(pk=pk).first()
    if survey is None:
        raise Http404("No such survey.")
    return survey


def survey_list(*, tenant: Tenant) -> list[Survey]:
    return list(Survey.objects.for_tenant(tenant).order_by("-created_at", "-id"))


def version_current(*, survey: Survey) -> SurveyVersion | None:
    """The version new responses answer: the latest published one."""
    return SurveyVersion.objects.filter(survey=survey, published_at__isnull=False).order_by("-number").first()


def version_draft(*, survey: Survey) -> SurveyVersion | None:
    return SurveyVersion.objects.filter(survey=survey, published_at__isnull=True).first()


def version_latest(*, survey: Survey) -> SurveyVersion:
    version = SurveyVersion.objects.filter(survey=survey).order_by("-number").first()
    if version is None:
        raise Http404("No such survey version.")
    return version


@dataclass(frozen=True)
class MySurvey:
    """A survey as its panelist sees it: the invitation (if any) and their response (if any)."""

    survey: Survey
    invitation: SurveyInvitation | None
    response: Response | None

    @property
    def state(self) -> str:
        if self.response is not None:
            return self.response.status
        if self.invitation is not None and self.invitation.expires_at <= timezone.now():
            return "expired"
        return "new"

    @property
    def can_answer(self) -> bool:
        return self.survey.status == Survey.Status.LIVE and self.state in {"new", "started"}


def my_surveys(*, panelist: Panelist) -> list[MySurvey]:
    """The surveys a panelist was invited to, and the open ones, newest first."""
    tenant = panelist.tenant
    invitations = {
        i.survey_id: i
        for i in SurveyInvitation.objects.for_tenant(tenant).filter(panelist=panelist).select_related("survey")
    }
    responses = {r.survey_id: r for r in Response.objects.for_tenant(tenant).filter(panelist=panelist)}
    surveys = {i.survey_id: i.survey for i in invitations.values()}
    for survey in Survey.objects.for_tenant(tenant).filter(is_open=True, status=Survey.Status.LIVE):
        surveys.setdefault(survey.pk, survey)
    for survey in Survey.objects.for_tenant(tenant).filter(pk__in=[pk for pk in responses if pk not in surveys]):
        surveys[survey.pk] = survey
    return [
        MySurvey(survey, invitations.get(pk), responses.get(pk))
        for pk, survey in sorted(surveys.items(), key=lambda item: -item[0])
        if survey.status != Survey.Status.DRAFT
    ]


def response_get_for(*, survey: Survey, panelist: Panelist) -> Response | None:
    return Response.objects.filter(survey=survey, panelist=panelist).select_related("version").first()


def response_held_list(*, panelist: Panelist) -> list[Response]:
    return list(
        Response.objects.for_tenant(panelist.tenant)
        .filter(panelist=panelist, review=Response.Review.HELD)
        .select_related("survey")
    )


def survey_live_get(*, tenant: Tenant, pk: int) -> Survey:
    """A survey a panelist may open: live or closed (to see their end page), never a draft."""
    survey = Survey.objects.for_tenant(tenant).filter(pk=pk).exclude(status=Survey.Status.DRAFT).first()
    if survey is None:
        raise Http404("No such survey.")
    return survey
