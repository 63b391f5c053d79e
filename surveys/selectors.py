"""surveys' reads: surveys and versions, responses, invitations, progress and results."""

from __future__ import annotations

from django.http import Http404

from surveys.models import Survey, SurveyVersion
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
