"""Distribution: waves of invitations drawn from the eligible panelists, mailed through the one
contact cap, reminded once, and expiring.

A wave records how its sample was drawn: whom the filters kept (``surveys.targeting``: the screening
answers, the age from the year of birth), then everyone eligible, N at random with a seed, or N
stratified by the quota cells (over screening answers), so that a selection can be explained and repeated.
Invitations are rows first (shown on the panelist's home at once); the emails go from a worker
(``survey_invitations_send_task``). An email the cap holds back stays due and is retried by the
periodic task, as the panel's own invitations are.
"""

from __future__ import annotations

import logging
import random
import secrets
from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from consent.subjects import subject_address
from core.errors import DomainError
from panel.contact import contact_allowed, contact_record
from rewards.money import money
from surveys.models import QuotaCell, Response, Survey, SurveyInvitation, Wave
from surveys.selectors import eligible_panelists, screening_answers, target_fields_get
from surveys.services.responding import survey_reward
from surveys.targeting import filters_clean
from surveys.tasks import survey_invitations_send_task

logger = logging.getLogger(__name__)
MAX_WAVE = 100_000


def _in_cell(answers: dict[str, object], cell: QuotaCell) -> bool:
    first = str(answers.get(cell.question_a)) == cell.value_a
    return first and (not cell.question_b or str(answers.get(cell.question_b)) == cell.value_b)


def _sample(survey: Survey, ids: list[int], method: str, size: int | None, seed: int) -> list[int]:
    rng = random.Random(seed)  # noqa: S311 (a reproducible draw, recorded with its seed; not a secret)
    if method == Wave.Method.ALL or size is None or size >= len(ids):
        return ids
    if method == Wave.Method.RANDOM:
        return sorted(rng.sample(ids, size))
    cells = list(QuotaCell.objects.filter(survey=survey).order_by("pk"))
    answers = screening_answers(tenant=survey.tenant, panelist_ids=ids)
    groups: dict[int | None, list[int]] = defaultdict(list)
    for pk in ids:
        mine = answers.get(pk, {})
        cell = next((c.pk for c in cells if _in_cell(mine, c)), None)
        groups[cell].append(pk)
    total_limit = sum(c.limit for c in cells) or 1
    chosen: list[int] = []
    for cell in cells:  # each cell's share of N, in proportion to its limit
        share = min(len(groups[cell.pk]), round(size * cell.limit / total_limit))
        chosen += rng.sample(groups[cell.pk], share)
    rest = [pk for pk in ids if pk not in set(chosen)]
    chosen += rng.sample(rest, min(len(rest), size - len(chosen))) if len(chosen) < size else []
    return sorted(chosen[:size])


@transaction.atomic
def wave_create(
    *,
    survey: Survey,
    method: str,
    size: int | None,
    filters: Any,
    seed: int | None = None,
    created_by: User | None = None,
) -> Wave:
    """Invite a sample of the eligible panelists not yet invited, and mail them after commit."""
    if survey.status != Survey.Status.LIVE:
        raise DomainError(_("Publish the survey before sending it."), code="survey_not_live", fields={})
    if method not in Wave.Method.values:
        raise DomainError(_("Choose how to draw the sample."), fields={"method": [_("Unknown method.")]})
    if method != Wave.Method.ALL and (not isinstance(size, int) or size < 1 or size > MAX_WAVE):
        raise DomainError(
            _("Say how many panelists to invite (1 to %(n)s).") % {"n": MAX_WAVE},
            fields={"size": [_("A whole number from 1.")]},
        )
    filters = filters_clean(filters, target_fields_get(tenant=survey.tenant))  # refused before anything is written
    seed = seed if seed is not None else secrets.randbelow(2**62)
    invited = set(SurveyInvitation.objects.filter(survey=survey).values_list("panelist_id", flat=True))
    eligible = [pk for pk in eligible_panelists(tenant=survey.tenant, filters=filters) if pk not in invited]
    chosen = _sample(survey, eligible, method, size, seed)
    wave = Wave.objects.create(
        tenant=survey.tenant,
        survey=survey,
        method=method,
        size=size,
        seed=seed,
        filters=filters,
        eligible=len(eligible),
        invited=len(chosen),
        created_by=created_by,
    )
    expires = timezone.now() + timedelta(days=survey.expiry_days)
    SurveyInvitation.objects.bulk_create(
        [
            SurveyInvitation(tenant=survey.tenant, survey=survey, panelist_id=pk, wave=wave, expires_at=expires)
            for pk in chosen
        ],
        batch_size=2000,
    )
    survey_invitations_send_task.delay_on_commit(wave.pk)
    return wave


def _mail(invitation: SurveyInvitation, *, reminder: bool) -> bool:
    """Mail one invitation (or its reminder) if the cap allows; False when held or unreachable."""
    tenant = invitation.tenant
    address = subject_address(tenant, invitation.panelist.public_id)
    if not address:
        return False
    if not contact_allowed(tenant=tenant, email=address):
        return False
    survey = invitation.survey
    with translation.override(tenant.languages[0]):
        context = {
            "tenant": tenant,
            "survey": survey,
            "reminder": reminder,
            "reward": money(survey_reward(survey), tenant.currency),
            "url": settings.FAIRPANEL_BASE_URL
            + reverse("survey_intro", kwargs={"tenant_slug": tenant.slug, "pk": survey.pk}),
            "expires_at": invitation.expires_at,
        }
        subject = render_to_string("surveys/email/invitation_subject.txt", context).strip()
        body = render_to_string("surveys/email/invitation.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    contact_record(tenant=tenant, email=address, kind="survey_reminder" if reminder else "survey_invitation")
    return True


def _send(invitation_ids: list[int], tenant_id: int, *, reminder: bool) -> int:
    sent = 0
    for pk in invitation_ids:
        with transaction.atomic():
            invitation = (
                SurveyInvitation.objects.select_for_update(skip_locked=True)
                .select_related("survey", "panelist", "tenant")
                .filter(tenant_id=tenant_id, pk=pk)
                .first()
            )
            if invitation is None or (invitation.sent_at if not reminder else invitation.reminded_at):
                continue  # another worker has it, or it went already: a retried task sends nothing twice
            now = timezone.now()
            if _mail(invitation, reminder=reminder):
                if reminder:
                    invitation.reminded_at = now
                else:
                    invitation.sent_at = now
                sent += 1
            elif not reminder:
                invitation.held_at = now
            invitation.save(update_fields=["sent_at", "held_at", "reminded_at"])
    return sent


def wave_invitations_send(*, wave_id: int) -> int:
    """Mail a wave's invitations not yet sent; those over the cap stay due."""
    wave = Wave.objects.unscoped().filter(pk=wave_id).first()  # across tenants: a task names a wave by id only
    if wave is None:
        return 0
    due = SurveyInvitation.objects.filter(wave=wave, sent_at__isnull=True).order_by("pk").values_list("pk", flat=True)
    return _send(list(due), wave.tenant_id, reminder=False)


def survey_invitations_due_send() -> dict[str, int]:
    """Every hour (beat): retry invitations the cap held, and send one reminder to those who have not
    started after the survey's reminder delay; nothing for closed surveys or expired invitations."""
    now = timezone.now()
    # across tenants: the periodic sweep serves every panel
    live = SurveyInvitation.objects.unscoped().filter(survey__status=Survey.Status.LIVE, expires_at__gt=now)
    held = live.filter(sent_at__isnull=True).values_list("pk", "tenant_id")
    started = Response.objects.filter(survey_id=OuterRef("survey_id"), panelist_id=OuterRef("panelist_id"))
    remind = (
        live.filter(sent_at__isnull=False, reminded_at__isnull=True)
        .exclude(Exists(started))
        .values_list("pk", "tenant_id", "sent_at", "survey__reminder_days")
    )
    sent = sum(_send([pk], tenant_id, reminder=False) for pk, tenant_id in held)
    reminded = sum(
        _send([pk], tenant_id, reminder=True)
        for pk, tenant_id, sent_at, days in remind
        if sent_at <= now - timedelta(days=days)
    )
    return {"sent": sent, "reminded": reminded}
