"""Privacy categories of surveys: the responses (answers), the invitations, the page timings, and
what staff did (surveys they created, responses they reviewed, exports they ran).

Erasure deletes the person's responses (answers and timings go with them); what those responses
earned stays in the ledger under the pseudonymous panelist id, so the survey's paid counts stay true
there. Responses are kept at most 24 months, or less when the survey says so (``retention_months``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from consent.registry import Category, Person, purge_in_batches, register
from rewards.privacy import _panelists  # the person's panelist rows, one panel or all
from surveys.models import PageTiming, Response, Survey, SurveyExport, SurveyInvitation, Wave
from tenants.models import Tenant

MONTH_DAYS = 30


def _responses(person: Person) -> Any:
    # across tenants: the person's own responses, in every panel they are in (narrowed by _panelists)
    return Response.objects.unscoped().filter(panelist__in=_panelists(person))


def _export_responses(person: Person) -> Any:
    return [
        {
            "survey": r.survey.title,
            "version": r.version.number,
            "status": r.status,
            "answers": r.answers,
            "started_at": r.started_at.isoformat(),
            "finished_at": r.finished_at.isoformat() if r.finished_at else None,
            "review": r.review,
            "review_reason": r.review_reason,
            "earned": r.earned,
        }
        for r in _responses(person).select_related("survey", "version").order_by("id")
    ]


def _erase_responses(person: Person) -> int:
    return int(_responses(person).delete()[0])


def _purge_responses(tenant: Tenant, cutoff: datetime, batch_size: int, dry_run: bool) -> int:
    """Responses older than the category's period, or than their survey's own shorter one."""
    now = timezone.now()
    older = Q(started_at__lt=cutoff)
    for survey_id, months in (
        Survey.objects.for_tenant(tenant).filter(retention_months__lt=24).values_list("pk", "retention_months")
    ):
        older |= Q(survey_id=survey_id, started_at__lt=now - timedelta(days=months * MONTH_DAYS))
    old = Response.objects.for_tenant(tenant).filter(older)
    # counts responses only: their page timings go with them (a cascade), counted by their own category
    return purge_in_batches(old, batch_size, dry_run, action=lambda batch: batch.delete()[1].get("surveys.Response", 0))


register(
    Category(
        key="surveys.responses",
        name="Your survey answers",
        basis="surveys",
        retention_days=24 * MONTH_DAYS,
        models=(Response,),
        exporter=_export_responses,
        eraser=_erase_responses,
        purger=_purge_responses,
        notes="Kept 24 months at most, less when a survey says so; what a response earned stays in the ledger.",
    )
)


def _invitations(person: Person) -> Any:
    # across tenants: the person's own invitations, in every panel they are in (narrowed by _panelists)
    return SurveyInvitation.objects.unscoped().filter(panelist__in=_panelists(person))


def _purge_invitations(tenant: Tenant, cutoff: datetime, batch_size: int, dry_run: bool) -> int:
    old = SurveyInvitation.objects.for_tenant(tenant).filter(expires_at__lt=cutoff)
    return purge_in_batches(old, batch_size, dry_run)


register(
    Category(
        key="surveys.invitations",
        name="The surveys you were invited to",
        basis="surveys",
        retention_days=12 * MONTH_DAYS,
        models=(SurveyInvitation,),
        exporter=lambda person: [
            {
                "survey": i.survey.title,
                "sent_at": i.sent_at.isoformat() if i.sent_at else None,
                "expires_at": i.expires_at.isoformat(),
            }
            for i in _invitations(person).select_related("survey")
        ],
        eraser=lambda person: int(_invitations(person).delete()[0]),
        purger=_purge_invitations,
        notes="Kept 12 months after they expire, to count who was asked.",
    )
)


def _timings(person: Person) -> Any:
    # across tenants: the timings of the person's own responses (narrowed by _panelists)
    return PageTiming.objects.unscoped().filter(response__panelist__in=_panelists(person))


def _purge_timings(tenant: Tenant, cutoff: datetime, batch_size: int, dry_run: bool) -> int:
    return purge_in_batches(PageTiming.objects.for_tenant(tenant).filter(submitted_at__lt=cutoff), batch_size, dry_run)


register(
    Category(
        key="surveys.timings",
        name="How long you spent on each survey page",
        basis="surveys",
        retention_days=24 * MONTH_DAYS,
        models=(PageTiming,),
        exporter=lambda person: [
            {"response": t.response_id, "page": t.page, "seconds": round(t.seconds, 1)} for t in _timings(person)
        ],
        eraser=lambda person: int(_timings(person).delete()[0]),
        purger=_purge_timings,
        notes="Measured by the server for the quality checks (speeders).",
    )
)


def _staff_export(person: Person) -> Any:
    if person.user is None:
        return []
    # across tenants: what the person, as staff, did in every panel
    surveys = Survey.objects.unscoped().filter(created_by=person.user)
    return [{"survey": s.title, "created_at": s.created_at.isoformat()} for s in surveys]


def _staff_erase(person: Person) -> int:
    if person.scope != "account" or person.user is None:
        return 0
    user = person.user
    n = Survey.objects.unscoped().filter(created_by=user).update(created_by=None)  # across tenants: staff's own
    n += Wave.objects.unscoped().filter(created_by=user).update(created_by=None)  # across tenants: staff's own
    n += SurveyExport.objects.unscoped().filter(created_by=user).update(created_by=None)  # across tenants: as above
    # across tenants: reviews the person made; the decisions stay, unlinked from the reviewer
    n += Response.objects.unscoped().filter(reviewed_by=user).update(reviewed_by=None)
    # across tenants: as above, for appeals
    return n + Response.objects.unscoped().filter(appeal_reviewed_by=user).update(appeal_reviewed_by=None)


register(
    Category(
        key="surveys.staff_actions",
        name="Surveys staff created, sent, exported and reviewed",
        basis="legitimate_interests",
        retention_days=None,
        models=(Survey, Wave, SurveyExport),
        exporter=_staff_export,
        eraser=_staff_erase,
        notes="The surveys and decisions stay; erasure unlinks the person who made them.",
    )
)
