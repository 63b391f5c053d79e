"""Creating, importing, publishing and closing surveys; published versions are frozen by the database."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction
from django.http import Http404

from core.errors import DomainError
from surveys.errors import DefinitionInvalid
from surveys.models import QuotaCell, Survey, SurveyVersion
from surveys.selectors import survey_get, version_current, version_draft
from surveys.services.authoring import (
    quota_add,
    survey_close,
    survey_create,
    survey_definition_save,
    survey_publish,
    survey_settings_update,
)
from tests.factories import TenantFactory
from tests.surveys.samples import breakfast, one_question

pytestmark = pytest.mark.django_db


def test_a_survey_is_created_as_a_draft_and_publishing_freezes_its_version() -> None:
    tenant = TenantFactory.create()
    survey = survey_create(tenant=tenant, title="Breakfast", definition=breakfast())

    version = survey_publish(survey=survey)

    survey.refresh_from_db()
    assert survey.status == Survey.Status.LIVE
    assert version.published_at is not None
    assert version_current(survey=survey) == version
    assert version_draft(survey=survey) is None


def test_the_database_refuses_to_change_or_delete_a_published_version() -> None:
    survey = survey_create(tenant=TenantFactory.create(), title="Breakfast", definition=breakfast())
    version = survey_publish(survey=survey)

    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        SurveyVersion.objects.filter(tenant=survey.tenant, pk=version.pk).update(definition={})
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        SurveyVersion.objects.filter(tenant=survey.tenant, pk=version.pk).delete()


def test_editing_a_published_survey_makes_a_new_draft_and_keeps_the_published_one() -> None:
    survey = survey_create(tenant=TenantFactory.create(), title="Breakfast", definition=breakfast())
    first = survey_publish(survey=survey)
    changed = breakfast()
    changed["pages"][0]["elements"][0]["title"] = "Breakfast today?"

    draft = survey_definition_save(survey=survey, definition=changed)

    assert draft.number == 2
    assert draft.published_at is None
    first.refresh_from_db()
    assert first.definition == breakfast()
    assert version_current(survey=survey) == first
    assert survey_publish(survey=survey).number == 2


def test_an_import_with_unsupported_types_is_refused_with_the_list_and_nothing_written() -> None:
    tenant = TenantFactory.create()
    definition = one_question()
    definition["pages"][0]["elements"].append({"type": "signaturepad", "name": "sign"})

    with pytest.raises(DefinitionInvalid) as refused:
        survey_create(tenant=tenant, title="Bad", definition=definition)

    assert refused.value.fields == {
        "definition": ["pages[0].elements[1]: question type 'signaturepad' is not supported"]
    }
    assert Survey.objects.for_tenant(tenant).count() == 0


def test_publishing_a_draft_with_a_logic_cycle_or_unknown_reference_is_refused() -> None:
    definition = one_question("a")
    definition["pages"][0]["elements"].append({"type": "boolean", "name": "b", "visibleIf": "{zz} = true"})
    survey = survey_create(tenant=TenantFactory.create(), title="Draft", definition=definition)

    with pytest.raises(DefinitionInvalid) as refused:
        survey_publish(survey=survey)

    assert refused.value.fields["definition"] == [
        "pages[0].elements[1].visibleIf: '{zz}' names no question of this survey"
    ]
    survey.refresh_from_db()
    assert survey.status == Survey.Status.DRAFT
    assert version_current(survey=survey) is None


def test_a_closed_survey_cannot_be_published_or_changed() -> None:
    survey = survey_create(tenant=TenantFactory.create(), title="Breakfast", definition=breakfast())
    survey_publish(survey=survey)
    survey_close(survey=survey)

    with pytest.raises(DomainError, match="closed"):
        survey_definition_save(survey=survey, definition=breakfast())
    with pytest.raises(DomainError, match="closed"):
        survey_publish(survey=survey)


def test_a_quota_names_questions_of_the_survey() -> None:
    survey = survey_create(tenant=TenantFactory.create(), title="Breakfast", definition=breakfast())

    cell = quota_add(survey=survey, question_a="region", value_a="north", question_b="eats", value_b="yes", limit=3)

    assert cell.label == "region = north and eats = yes"
    with pytest.raises(DomainError) as refused:
        quota_add(survey=survey, question_a="country", value_a="FR", limit=3)
    assert refused.value.fields == {"question_a": ["Unknown question."]}
    with pytest.raises(DomainError):
        quota_add(survey=survey, question_a="region", value_a="south", limit=0)
    assert QuotaCell.objects.filter(survey=survey).count() == 1


def test_settings_are_checked_before_they_are_saved() -> None:
    survey = survey_create(tenant=TenantFactory.create(), title="Breakfast")

    with pytest.raises(DomainError) as refused:
        survey_settings_update(survey=survey, values={"retention_months": 36})
    assert "retention_months" in refused.value.fields
    with pytest.raises(DomainError) as no_rid:
        survey_settings_update(survey=survey, values={"entry_url": "https://tool.example/s/1"})
    assert no_rid.value.fields == {"entry_url": ["Add {rid}."]}

    survey_settings_update(survey=survey, values={"retention_months": 6, "reward": 80})
    survey.refresh_from_db()
    assert (survey.retention_months, survey.reward) == (6, 80)


def test_another_tenants_survey_is_a_404() -> None:
    survey = survey_create(tenant=TenantFactory.create(), title="Mine")

    with pytest.raises(Http404):
        survey_get(tenant=TenantFactory.create(), pk=survey.pk)
