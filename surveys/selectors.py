"""surveys' reads: surveys and versions, responses, invitations, progress and results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from consent.models import ConsentEvent
from consent.selectors import major_version_current, purpose_get
from core.errors import NotFound
from panel.models import Panelist, ScreeningQuestion, WaitlistEntry
from surveys.errors import ExportExpired
from surveys.export_links import LINK_HOURS, survey_export_is_expired
from surveys.models import QuotaCell, Response, Survey, SurveyExport, SurveyInvitation, SurveyVersion, Wave
from surveys.targeting import TargetField, answers_match, filters_clean, target_fields
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


def version_frozen_get(*, tenant_id: int, pk: int, published_at: datetime | None) -> SurveyVersion:
    """A version that responses answer, kept per process once read: a published version is frozen (the
    database refuses to change or delete it), so the copy in memory stays true. ``published_at`` is
    part of the key, so that an id a test database handed out again cannot bring back another survey's
    questions; a version not published (never answered, but possible) is read every time. The
    instance is shared: read it, never change it."""
    if published_at is None:
        return SurveyVersion.objects.get(tenant_id=tenant_id, pk=pk)
    return _version_frozen(tenant_id, pk, published_at)


@lru_cache(maxsize=256)
def _version_frozen(tenant_id: int, pk: int, published_at: datetime) -> SurveyVersion:
    return SurveyVersion.objects.get(tenant_id=tenant_id, pk=pk, published_at=published_at)


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


# -- targeting ------------------------------------------------------------------------------------------

ACTIVE_KINDS = ("grant", "reconsent")


def screening_answers(*, tenant: Tenant, panelist_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The screening answers each panelist gave on the waitlist, by panelist id."""
    rows = WaitlistEntry.objects.for_tenant(tenant).filter(invitation__panelist_id__in=panelist_ids)
    return dict(rows.values_list("invitation__panelist_id", "answers"))


def surveys_consenting(*, tenant: Tenant) -> set[str]:
    """The pseudonymous ids whose consent to surveys is active on its current major version."""
    purpose = purpose_get(tenant=tenant, key="surveys")
    major = major_version_current(purpose=purpose) or 0
    latest = (
        ConsentEvent.objects.for_tenant(tenant)
        .filter(purpose_key="surveys")
        .order_by("subject", "-seq")
        .distinct("subject")
        .values_list("subject", "kind", "document_version")
    )
    return {subject for subject, kind, version in latest if kind in ACTIVE_KINDS and version >= major}


def target_fields_get(*, tenant: Tenant, language: str = "en") -> list[TargetField]:
    """What this panel's panelists can be filtered on (``surveys.targeting``), labelled in ``language``."""
    return target_fields(list(ScreeningQuestion.objects.for_tenant(tenant).order_by("position", "id")), language)


def eligible_panelists(*, tenant: Tenant, filters: Any) -> list[int]:
    """Active panelists with consent to surveys who match the filters, by id (ascending). Filters the
    panel cannot use (an unknown question, an answer it does not offer) are refused, not ignored."""
    filters = filters_clean(filters, target_fields_get(tenant=tenant))
    consenting = surveys_consenting(tenant=tenant)
    active = Panelist.objects.for_tenant(tenant).filter(status=Panelist.Status.ACTIVE)
    ids = [pk for pk, public_id in active.order_by("pk").values_list("pk", "public_id") if public_id in consenting]
    if not filters:
        return ids
    answers = screening_answers(tenant=tenant, panelist_ids=ids)
    year = timezone.now().astimezone(tenant.tzinfo).year
    return [pk for pk in ids if answers_match(answers.get(pk, {}), filters, year=year)]


@dataclass(frozen=True)
class Progress:
    invited: int
    sent: int
    held: int
    opened: int
    started: int
    completed: int
    screened_out: int
    quota_full: int

    @property
    def percent(self) -> int:
        return round(100 * (self.completed + self.screened_out + self.quota_full) / self.invited) if self.invited else 0


def survey_progress(*, survey: Survey) -> Progress:
    invitations = SurveyInvitation.objects.filter(survey=survey).aggregate(
        invited=Count("pk"),
        sent=Count("pk", filter=Q(sent_at__isnull=False)),
        held=Count("pk", filter=Q(sent_at__isnull=True, held_at__isnull=False)),
        opened=Count("pk", filter=Q(opened_at__isnull=False)),
    )
    statuses = dict(Response.objects.filter(survey=survey).values_list("status").annotate(n=Count("pk")))
    return Progress(
        invited=invitations["invited"],
        sent=invitations["sent"],
        held=invitations["held"],
        opened=invitations["opened"],
        started=sum(statuses.values()),
        completed=statuses.get("completed", 0),
        screened_out=statuses.get("screened_out", 0),
        quota_full=statuses.get("quota_full", 0),
    )


def wave_list(*, survey: Survey) -> list[Wave]:
    return list(Wave.objects.filter(survey=survey).order_by("-id"))


def quota_list(*, survey: Survey) -> list[QuotaCell]:
    return list(QuotaCell.objects.filter(survey=survey).order_by("pk"))


def quota_get(*, survey: Survey, pk: int) -> QuotaCell:
    cell = QuotaCell.objects.filter(survey=survey, pk=pk).first()
    if cell is None:
        raise Http404("No such quota cell.")
    return cell


def review_queue(*, tenant: Tenant) -> list[Response]:
    """Responses waiting for a person: held ones, and appeals not yet decided (oldest first)."""
    waiting = Q(review=Response.Review.HELD) | Q(
        review=Response.Review.REJECTED, appealed_at__isnull=False, appeal_reviewed_by__isnull=True
    )
    return list(
        Response.objects.for_tenant(tenant)
        .filter(waiting)
        .select_related("survey", "reviewed_by")
        .order_by("finished_at")[:200]
    )


def response_get(*, tenant: Tenant, pk: int) -> Response:
    response = Response.objects.for_tenant(tenant).filter(pk=pk).select_related("survey").first()
    if response is None:
        raise Http404("No such response.")
    return response


# -- exports --------------------------------------------------------------------------------------------


def survey_export_list(*, survey: Survey) -> list[SurveyExport]:
    return list(SurveyExport.objects.filter(survey=survey).order_by("-created_at", "-id")[:10])


def survey_export_get(*, survey: Survey, pk: int) -> SurveyExport:
    export = SurveyExport.objects.filter(survey=survey, pk=pk).first()
    if export is None:
        raise Http404("No such export.")
    return export


def survey_export_by_id(*, tenant: Tenant, pk: int) -> SurveyExport:
    export = SurveyExport.objects.for_tenant(tenant).filter(pk=pk).select_related("survey").first()
    if export is None:
        raise Http404("No such export.")
    return export


def survey_export_file(*, export: SurveyExport, link_expired: bool = False) -> Path:
    """The finished file of an export; one past its expiry (or reached by an expired link) is a 410
    (its file is deleted by the hourly purge, if not already), one not ready (or whose file is gone) a 404."""
    if link_expired or survey_export_is_expired(export):
        raise ExportExpired(
            _("This export has expired: its file is deleted %(n)s hours after it was made. Start a new export.")
            % {"n": LINK_HOURS}
        )
    path = Path(settings.MEDIA_ROOT) / export.path if export.path else None
    if export.status != SurveyExport.Status.DONE or path is None or not path.is_file():
        raise NotFound(_("This export is not ready."), code="export_not_ready")
    return path


def responses_list(*, survey: Survey, include_rejected: bool = False) -> Any:
    """A survey's responses for its operators, oldest first (rejected ones only when asked for)."""
    rows = Response.objects.filter(survey=survey).select_related("survey", "version").order_by("pk")
    return rows if include_rejected else rows.exclude(review=Response.Review.REJECTED)
