"""Targeting and distribution: the eligible count before sending, samples with a recorded seed, the
contact cap, reminders and expiry; a real worker mails a wave."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from panel.contact import email_hash
from panel.models import ContactLog
from surveys.models import SurveyInvitation
from surveys.selectors import survey_progress
from surveys.services.distribution import survey_invitations_due_send, wave_create, wave_invitations_send
from surveys.services.responding import response_start
from tests.surveys.helpers import consenting_panelist, live_survey, panel_with_surveys


@pytest.mark.django_db
def test_a_random_sample_is_repeatable_from_its_recorded_seed() -> None:
    tenant = panel_with_surveys()
    for _n in range(12):
        consenting_panelist(tenant)
    first, second = live_survey(tenant), live_survey(tenant)

    a = wave_create(survey=first, method="random", size=5, filters={}, seed=42)
    b = wave_create(survey=second, method="random", size=5, filters={}, seed=42)

    picked = lambda wave: sorted(SurveyInvitation.objects.filter(wave=wave).values_list("panelist_id", flat=True))  # noqa: E731
    assert (a.eligible, a.invited, a.seed) == (12, 5, 42)
    assert picked(a) == picked(b)
    again = wave_create(survey=first, method="all", size=None, filters={})
    assert again.invited == 7  # a second wave reaches only those not invited yet


@pytest.mark.django_db
def test_emails_go_through_the_contact_cap_held_ones_are_retried_and_one_reminder_is_sent() -> None:
    tenant = panel_with_surveys()
    tenant.contact_cap = 1
    tenant.save()
    capped = consenting_panelist(tenant)
    assert capped.user is not None
    ContactLog.objects.create(tenant=tenant, email_hash=email_hash(capped.user.email), kind="earlier message")
    free = consenting_panelist(tenant)
    survey = live_survey(tenant, reminder_days=0)
    wave = wave_create(survey=survey, method="all", size=None, filters={})

    assert wave_invitations_send(wave_id=wave.pk) == 1
    progress = survey_progress(survey=survey)
    assert (progress.invited, progress.sent, progress.held) == (2, 1, 1)
    assert len(mail.outbox) == 1
    assert "A survey for you: Breakfast" in mail.outbox[0].subject

    # the cap frees up; the free panelist has not started: the sweep sends the held one and a reminder
    ContactLog.objects.for_tenant(tenant).update(sent_at=timezone.now() - timedelta(days=30))
    assert survey_invitations_due_send() == {"sent": 1, "reminded": 1}
    response_start(survey=survey, panelist=free)
    assert survey_invitations_due_send() == {"sent": 0, "reminded": 0}


@pytest.mark.django_db
def test_an_expired_invitation_cannot_start_the_survey() -> None:
    tenant = panel_with_surveys()
    panelist = consenting_panelist(tenant)
    survey = live_survey(tenant)
    wave_create(survey=survey, method="all", size=None, filters={})
    SurveyInvitation.objects.for_tenant(tenant).update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(Exception, match="expired"):
        response_start(survey=survey, panelist=panelist)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_mails_the_invitations_of_a_wave(celery_worker_process) -> None:
    tenant = panel_with_surveys()
    for _n in range(3):
        consenting_panelist(tenant)
    survey = live_survey(tenant)

    wave_create(survey=survey, method="all", size=None, filters={})

    deadline = time.monotonic() + 30
    while survey_progress(survey=survey).sent < 3:
        assert time.monotonic() < deadline, celery_worker_process.log.read_text()[-3000:]
        time.sleep(0.3)
    assert ContactLog.objects.for_tenant(tenant).filter(kind="survey_invitation").count() == 3
