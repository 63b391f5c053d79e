"""A panelist's export includes their own answers; erasure deletes the answers and timings while what
they earned stays in the ledger; seed_demo shows surveys with real responses."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from consent.registry import Person, category_get
from rewards.models import LedgerTransaction
from surveys.models import PageTiming, Response, Survey
from tests.surveys.helpers import complete_breakfast, consenting_panelist, invite, live_survey, panel_with_surveys

pytestmark = pytest.mark.django_db


def test_the_export_has_the_answers_and_erasure_deletes_them_keeping_the_ledger() -> None:
    tenant = panel_with_surveys()
    survey = live_survey(tenant)
    panelist = consenting_panelist(tenant)
    invite(survey, panelist)
    response = complete_breakfast(survey, panelist)
    person = Person(user=panelist.user, tenant=tenant, subject=panelist.public_id, scope="tenant")

    exported = category_get("surveys.responses").exporter(person)
    assert exported[0]["answers"]["region"] == "north"
    assert category_get("surveys.timings").exporter(person)

    category_get("surveys.timings").eraser(person)
    category_get("surveys.invitations").eraser(person)
    assert category_get("surveys.responses").eraser(person) == 1

    assert not Response.objects.for_tenant(tenant).exists()
    assert not PageTiming.objects.for_tenant(tenant).exists()
    assert LedgerTransaction.objects.for_tenant(tenant).filter(idempotency_key=f"survey:{response.pk}").exists()


def test_responses_older_than_the_surveys_retention_are_purged() -> None:
    tenant = panel_with_surveys()
    survey = live_survey(tenant, retention_months=1)
    panelist = consenting_panelist(tenant)
    invite(survey, panelist)
    complete_breakfast(survey, panelist)
    Response.objects.for_tenant(tenant).update(started_at=timezone.now() - timedelta(days=45))
    purger = category_get("surveys.responses").purger
    assert purger is not None

    assert purger(tenant, timezone.now() - timedelta(days=720), 100, True) == 1
    assert purger(tenant, timezone.now() - timedelta(days=720), 100, False) == 1
    assert not Response.objects.for_tenant(tenant).exists()


def test_seed_demo_shows_a_live_survey_with_responses() -> None:
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # again: nothing twice

    survey = Survey.objects.unscoped().get(title="Breakfast habits")  # across tenants: the demo's only survey
    assert survey.status == "live"
    assert Response.objects.filter(survey=survey, status="completed").count() >= 2
    assert Response.objects.filter(survey=survey, review="held").count() == 1
