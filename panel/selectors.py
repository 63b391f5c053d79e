"""Reads of the panel: panelists, invitations, the waitlist and its releases, and what the public and
onboarding pages show. Every read is scoped to one tenant; a row of another tenant is a 404."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, DateTimeField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from accounts.models import User
from consent.models import ConsentDocument, Purpose
from consent.selectors import document_current, panelist_purpose_list, purpose_get, purpose_list
from core.errors import DomainError, NotFound
from panel.errors import InvitationUnusable
from panel.models import Invitation, Panelist, ScreeningQuestion, WaitlistEntry, WaitlistRelease
from panel.offers import offers_for
from panel.tokens import invitation_token, waitlist_token
from tenants.console import OverviewCard
from tenants.http import TenantRequest
from tenants.models import Membership, Tenant
from tenants.roles import Perm
from tenants.selectors import membership_list_for_user

# -- panelists ----------------------------------------------------------------------------------------


def panelist_list(*, tenant: Tenant, status: str | None = None) -> QuerySet[Panelist]:
    qs = Panelist.objects.for_tenant(tenant).order_by("-joined_at", "-id")
    if status:
        qs = qs.filter(status=status)
    return qs


def panelist_get(*, tenant: Tenant, public_id: str) -> Panelist:
    return get_object_or_404(Panelist.objects.for_tenant(tenant), public_id=public_id)


def panelist_get_active(*, tenant: Tenant, user: Any) -> Panelist | None:
    """A signed-in person's active membership of a tenant, or None."""
    if user is None or not user.is_authenticated:
        return None
    return Panelist.objects.for_tenant(tenant).filter(user=user, status=Panelist.Status.ACTIVE).first()


def panelist_public_ids(*, tenant: Tenant, panelist_ids: Iterable[int]) -> dict[int, str]:
    """The pseudonymous id (what the consent log names) of each of these panelists of ``tenant``."""
    return dict(Panelist.objects.for_tenant(tenant).filter(pk__in=list(panelist_ids)).values_list("pk", "public_id"))


def panelist_address(*, tenant: Tenant, public_id: str) -> str | None:
    """The account address of a panelist while the row is linked to a person (None after erasure)."""
    return (
        Panelist.objects.for_tenant(tenant)
        .filter(public_id=public_id, user__isnull=False)
        .values_list("user__email", flat=True)
        .first()
    )


def panelist_for_request(request: TenantRequest) -> Panelist:
    """The panelist behind a page request: the signed-in person's active row in the page's tenant.

    Anyone else (signed out, staff only, left, another panel's member) gets a 404: the page of a panel
    you are not in does not exist for you.
    """
    panelist = panelist_get_active(tenant=request.tenant, user=request.user)
    if panelist is None:
        raise Http404(_("You are not a panelist of this panel."))
    return panelist


@dataclass(frozen=True)
class PersonPlaces:
    """Where a signed-in person belongs: the panels they are in, and the consoles they work in."""

    panels: list[Panelist]
    consoles: list[Membership]

    @property
    def only_place(self) -> str | None:
        """The URL of their one place, when they have exactly one (sign-in goes straight there)."""
        if len(self.panels) + len(self.consoles) != 1:
            return None
        if self.panels:
            return reverse("panelist_home", kwargs={"tenant_slug": self.panels[0].tenant.slug})
        return reverse("console_home", kwargs={"tenant_slug": self.consoles[0].tenant.slug})


def person_places(*, user: Any) -> PersonPlaces:
    if user is None or not user.is_authenticated:
        return PersonPlaces([], [])
    panels = (
        # across tenants: one person's memberships of every panel
        Panelist.objects.unscoped()
        .filter(user=user, status=Panelist.Status.ACTIVE, tenant__is_active=True)
        .select_related("tenant")
        .order_by("tenant__name")
    )
    return PersonPlaces(list(panels), list(membership_list_for_user(user=user)))


def panelist_counts(*, tenant: Tenant) -> dict[str, int]:
    return Panelist.objects.for_tenant(tenant).aggregate(
        total=Count("id"), active=Count("id", filter=Q(status=Panelist.Status.ACTIVE))
    )


def panel_overview(tenant: Tenant) -> list[OverviewCard]:
    """The panel's figures on the console overview (registered with tenants in ``ready()``)."""
    counts = panelist_counts(tenant=tenant)
    return [
        OverviewCard(_("Active panelists"), counts["active"], Perm.CONSOLE_VIEW),
        OverviewCard(_("Panel capacity"), tenant.panel_capacity, Perm.CONSOLE_VIEW),
    ]


def panel_remaining_capacity(*, tenant: Tenant) -> int:
    """Room left in the panel: its capacity less the active panelists and the live invitations."""
    active = Panelist.objects.for_tenant(tenant).filter(status=Panelist.Status.ACTIVE).count()
    waiting = (
        Invitation.objects.for_tenant(tenant)
        .filter(status=Invitation.Status.PENDING, expires_at__gt=timezone.now())
        .count()
    )
    return max(0, tenant.panel_capacity - active - waiting)


# -- invitations --------------------------------------------------------------------------------------


def invitation_list(*, tenant: Tenant) -> QuerySet[Invitation]:
    return Invitation.objects.for_tenant(tenant).order_by("-created_at", "-id")


def invitation_get(*, tenant: Tenant, pk: int) -> Invitation:
    return get_object_or_404(Invitation.objects.for_tenant(tenant).select_related("tenant"), pk=pk)


def invitation_funnel(*, tenant: Tenant) -> dict[str, int]:
    now = timezone.now()
    pending = Q(status=Invitation.Status.PENDING)
    return Invitation.objects.for_tenant(tenant).aggregate(
        sent=Count("id"),
        accepted=Count("id", filter=Q(status=Invitation.Status.ACCEPTED)),
        pending=Count("id", filter=pending & Q(expires_at__gt=now)),
        expired=Count("id", filter=pending & Q(expires_at__lte=now)),
        revoked=Count("id", filter=Q(status=Invitation.Status.REVOKED)),
    )


def invitation_get_by_token(*, tenant: Tenant, token: str, for_update: bool = False) -> Invitation:
    """The usable invitation behind ``token`` in ``tenant``; a clear refusal otherwise.

    ``for_update`` locks the row (inside the caller's transaction), so that two signups racing on one
    token make one panelist.
    """
    invalid = InvitationUnusable(_("This invitation link is not valid. Ask the panel for a new one."))
    pk, _sep, digest = token.partition(".")
    if not re.fullmatch(r"[0-9]{1,18}", pk) or not digest:
        raise invalid
    qs = Invitation.objects.for_tenant(tenant).filter(pk=int(pk)).select_related("tenant")
    invitation = (qs.select_for_update() if for_update else qs).first()
    if invitation is None or not constant_time_compare(invitation_token(invitation), token):
        raise invalid  # unknown, forged, or another panel's: all look the same
    if invitation.status == Invitation.Status.ACCEPTED:
        raise InvitationUnusable(_("This invitation has already been used. Sign in instead."), code="invitation_used")
    if invitation.status == Invitation.Status.REVOKED:
        raise InvitationUnusable(_("This invitation was withdrawn by the panel."), code="invitation_revoked")
    if invitation.is_expired:
        raise InvitationUnusable(
            _("This invitation has expired. Ask the panel for a new one."), code="invitation_expired"
        )
    return invitation


def invitee_has_account(*, invitation: Invitation) -> bool:
    """Whether the invited address already signs in to Fairpanel (then the join page asks to sign in)."""
    return User.objects.filter(email__iexact=invitation.email).exists()


MAX_REMINDERS = 2


def invitations_due(*, now: datetime | None = None) -> tuple[list[int], list[int]]:
    """What the periodic run sends: invitations never sent (deferred by the cap) and reminders due."""
    now = now or timezone.now()
    # across tenants: the hourly run sends what is due in every panel
    live = Invitation.objects.unscoped().filter(status=Invitation.Status.PENDING, expires_at__gt=now)
    unsent = list(live.filter(sent_at__isnull=True).order_by("id").values_list("id", flat=True)[:5000])
    # The gap is the tenant's own: computed in the database, so the run scales with what is due.
    due_at = ExpressionWrapper(
        Coalesce("last_reminded_at", "sent_at") + F("tenant__reminder_gap_days") * timedelta(days=1),
        output_field=DateTimeField(),
    )
    reminders = list(
        live.filter(sent_at__isnull=False, reminders_sent__lt=MAX_REMINDERS)
        .annotate(due_at=due_at)
        .filter(due_at__lte=now)
        .order_by("id")
        .values_list("id", flat=True)[:5000]
    )
    return unsent, reminders


def invitations_unsent(*, invitation_ids: list[int]) -> list[int]:
    """Which of these invitations have not been mailed yet (a redelivered batch skips the others)."""
    return list(
        # across tenants: a worker loads the rows its message names
        Invitation.objects.unscoped()
        .filter(pk__in=invitation_ids, sent_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# -- the waitlist -------------------------------------------------------------------------------------


def screening_question_list(*, tenant: Tenant) -> list[ScreeningQuestion]:
    return list(ScreeningQuestion.objects.for_tenant(tenant).order_by("position"))


def waitlist_entry_get_by_token(*, tenant: Tenant, token: str, purpose: str) -> WaitlistEntry:
    public_id, _sep, _digest = token.partition(".")
    entry = WaitlistEntry.objects.for_tenant(tenant).filter(public_id=public_id[:32]).first()
    if entry is None or not constant_time_compare(waitlist_token(entry, purpose), token):
        raise NotFound(_("This link is not valid, or you have left the waitlist."), code="link_invalid")
    return entry


def waitlist_entry_status(*, tenant: Tenant, token: str) -> tuple[WaitlistEntry, str]:
    """The entry behind a status link and what to tell its person: waiting, invited or expired."""
    entry = waitlist_entry_get_by_token(tenant=tenant, token=token, purpose="status")
    if entry.status != WaitlistEntry.Status.INVITED:
        return entry, "waiting"
    invitation = (
        Invitation.objects.for_tenant(tenant).filter(pk=entry.invitation_id).first() if entry.invitation_id else None
    )
    if invitation is not None and invitation.state == "expired":
        return entry, "expired"
    return entry, "invited"


def waitlist_pool(*, tenant: Tenant, filters: dict[str, str]) -> QuerySet[WaitlistEntry]:
    """Who can be released: waiting, matching the filters, and neither holding a live invitation nor
    a panelist already (those are left waiting, never picked again and again)."""
    now = timezone.now()
    live_invitation = Invitation.objects.filter(
        tenant=tenant, status=Invitation.Status.PENDING, expires_at__gt=now, email=OuterRef("email")
    )
    member = Panelist.objects.filter(
        tenant=tenant, status=Panelist.Status.ACTIVE, user__email__iexact=OuterRef("email")
    )
    qs = (
        WaitlistEntry.objects.for_tenant(tenant)
        .filter(status=WaitlistEntry.Status.WAITING)
        .exclude(Exists(live_invitation))
        .exclude(Exists(member))
    )
    kinds = dict(ScreeningQuestion.objects.for_tenant(tenant).values_list("key", "kind"))
    for key, value in filters.items():
        if not value or key not in kinds:
            continue
        if kinds[key] == ScreeningQuestion.Kind.NUMBER:
            if not re.fullmatch(r"-?[0-9]{1,9}", value):
                message = _("Enter a whole number.")
                raise DomainError(message, fields={key: [message]})
            qs = qs.filter(**{f"answers__{key}": int(value)})
        else:
            qs = qs.filter(**{f"answers__{key}": value})
    return qs


def waitlist_answer_counts(
    *, pool: QuerySet[WaitlistEntry], questions: list[ScreeningQuestion]
) -> dict[str, list[tuple[str, int]]]:
    """For each screening question, how many of ``pool`` gave each answer, most given first.

    Counted by the database (one GROUP BY per question), however long the list is.
    """
    counts: dict[str, list[tuple[str, int]]] = {}
    for question in questions:
        rows = (
            pool.order_by()
            .annotate(answer=KeyTextTransform(question.key, "answers"))
            .values("answer")
            .annotate(n=Count("id"))
            .order_by("-n", "answer")
        )
        counts[question.key] = [(str(row["answer"]), row["n"]) for row in rows]
    return counts


def waitlist_status_counts(*, tenant: Tenant) -> dict[str, int]:
    rows = WaitlistEntry.objects.for_tenant(tenant).order_by().values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


@dataclass(frozen=True)
class WaitlistOverview:
    questions: list[ScreeningQuestion]
    filters: dict[str, str]
    pool: QuerySet[WaitlistEntry]  # ordered first come, first served
    by_attribute: dict[str, list[tuple[str, int]]]
    status_counts: dict[str, int]
    capacity: int
    releases: QuerySet[WaitlistRelease]
    filter_error: DomainError | None


def waitlist_overview(*, tenant: Tenant, params: dict[str, str]) -> WaitlistOverview:
    """What the operators' waitlist page shows, for the filters in ``params`` (``f_<question key>``).

    A filter that cannot be read is dropped and reported in ``filter_error``, so the page still shows.
    """
    questions = screening_question_list(tenant=tenant)
    filters = {q.key: params[f"f_{q.key}"] for q in questions if params.get(f"f_{q.key}")}
    filter_error = None
    try:
        pool = waitlist_pool(tenant=tenant, filters=filters)
    except DomainError as exc:
        filter_error, filters = exc, {}
        pool = waitlist_pool(tenant=tenant, filters=filters)
    return WaitlistOverview(
        questions=questions,
        filters=filters,
        pool=pool.order_by("confirmed_at", "id"),
        by_attribute=waitlist_answer_counts(pool=pool, questions=questions),
        status_counts=waitlist_status_counts(tenant=tenant),
        capacity=panel_remaining_capacity(tenant=tenant),
        releases=WaitlistRelease.objects.for_tenant(tenant).select_related("created_by")[:20],
        filter_error=filter_error,
    )


def waitlist_question_items(*, overview: WaitlistOverview, language: str) -> list[dict[str, Any]]:
    """Each screening question as the console shows it in ``language``: its label, its answers as
    (value, label), the filter chosen, and how many of the pool gave each answer, by the answer's label."""
    items = []
    for question in overview.questions:
        is_choice = question.kind == ScreeningQuestion.Kind.CHOICE
        counts = overview.by_attribute.get(question.key, [])
        items.append({
            "q": question,
            "label": question.label_in(language),
            "choices": question.choices_in(language) if is_choice else [],
            "filter": overview.filters.get(question.key, ""),
            "counts": [(question.choice_label(value, language) if is_choice else value, n) for value, n in counts],
        })  # fmt: skip
    return items


@dataclass(frozen=True)
class ReleaseProgress:
    release: WaitlistRelease
    sent: int  # mailed by the Celery batches so far
    withdrawn: int  # revoked (or accepted by another way) before they were mailed: never to be sent

    @property
    def done(self) -> bool:
        return self.sent + self.withdrawn >= self.release.released


def release_progress(*, tenant: Tenant, pk: int) -> ReleaseProgress:
    """How far the mailing of one release's invitations has got; those revoked before they were
    mailed count as finished, so the progress ends."""
    release = get_object_or_404(WaitlistRelease.objects.for_tenant(tenant), pk=pk)
    counts = release.invitations.aggregate(
        sent=Count("id", filter=Q(sent_at__isnull=False)),
        withdrawn=Count("id", filter=Q(sent_at__isnull=True) & ~Q(status=Invitation.Status.PENDING)),
    )
    return ReleaseProgress(release, counts["sent"], counts["withdrawn"])


# -- what the public and onboarding pages show ---------------------------------------------------------


@dataclass(frozen=True)
class PurposeOffer:
    purpose: Purpose
    name: str
    description: str
    document: ConsentDocument | None


def join_purposes(*, tenant: Tenant, language: str) -> list[PurposeOffer]:
    """The purposes a new panelist is asked about, each with its current text in ``language``."""
    offers = [
        PurposeOffer(p, p.name_in(language), p.description_in(language), document_current(purpose=p, language=language))
        for p in panelist_purpose_list(tenant=tenant)
    ]
    return [offer for offer in offers if offer.document is not None]


def landing_context(*, tenant: Tenant, language: str) -> dict[str, Any]:
    """The public landing page: each program with what it collects, keeps and pays; the waitlist form."""
    offers = offers_for(tenant=tenant, language=language)
    programs = [
        {
            "name": p.name_in(language),
            "description": p.description_in(language),
            "days": p.retention_days,
            "key": p.key,
            "data": p.data_categories,
            "pays": offers.get(p.key, ""),
        }
        for p in purpose_list(tenant=tenant)
        if p.key != "waitlist"
    ]
    return {
        "programs": programs,
        "questions": [
            {"q": q, "label": q.label_in(language), "choices": q.choices_in(language)}
            for q in screening_question_list(tenant=tenant)
        ],
        "waitlist_doc": document_current(purpose=purpose_get(tenant=tenant, key="waitlist"), language=language),
    }
