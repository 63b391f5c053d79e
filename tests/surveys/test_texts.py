"""The texts of a survey in each of the panel's languages, outside the raw JSON: a question's title,
description and choices (a matrix's rows and columns), a page's title, written as SurveyJS localisable
strings, kept when the question is edited in the first language, and shown by the preview in each."""

from __future__ import annotations

import pytest

from surveys.definition import definition_problems
from surveys.selectors import version_latest
from surveys.services.authoring import page_texts_update, question_texts_update, question_update, survey_create
from surveys.texts import text_set
from tenants.roles import Role
from tests.surveys.helpers import panel_with_surveys
from tests.surveys.samples import breakfast

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
LANGUAGES = ["en", "fr"]


def questions(survey) -> dict[str, dict]:
    definition = version_latest(survey=survey).definition
    return {q["name"]: q for page in definition["pages"] for q in page["elements"]}


def test_a_localisable_string_stays_as_simple_as_what_it_says() -> None:
    assert text_set("Hello", "fr", "Bonjour", LANGUAGES) == {"default": "Hello", "fr": "Bonjour"}
    assert text_set({"default": "Hello", "fr": "Bonjour"}, "fr", "", LANGUAGES) == "Hello"
    assert text_set({"default": "Hello", "fr": "Bonjour"}, "en", "Hi", LANGUAGES) == {"default": "Hi", "fr": "Bonjour"}
    assert text_set({"en": "Hello", "default": "Hello"}, "en", "Hi", LANGUAGES) == {"en": "Hi", "default": "Hi"}
    assert text_set("Hello", "en", "", LANGUAGES) is None
    assert text_set({"default": "Hello", "fr": "Bonjour"}, "en", "", LANGUAGES) == {"default": "", "fr": "Bonjour"}
    assert text_set(None, "fr", "Oui", LANGUAGES, fallback="yes") == {"default": "yes", "fr": "Oui"}


def test_each_text_of_a_question_and_a_page_is_written_in_each_language() -> None:
    tenant = panel_with_surveys()
    survey = survey_create(tenant=tenant, title="Breakfast", definition=breakfast())

    question_texts_update(survey=survey, name="region", texts={
        "title.fr": "Où habitez-vous ?", "description.fr": "Votre région", "description.en": "Your region",
        "choices.0.fr": "Nord", "choices.1.en": "The south", "choices.1.fr": "Sud",
    })  # fmt: skip
    question_texts_update(survey=survey, name="grid", texts={"rows.0.fr": "Goût", "columns.2.fr": "Très bien"})
    question_texts_update(survey=survey, name="eats", texts={"title.fr": "", "choices.0.fr": ""})
    question_texts_update(survey=survey, name="again", texts={"labelTrue.fr": "Oui", "labelFalse.fr": "Non"})
    page_texts_update(survey=survey, page="habits", texts={"title.en": "Your habits", "title.fr": "Vos habitudes"})

    q = questions(survey)
    assert q["region"]["title"] == {"default": "Where do you live?", "fr": "Où habitez-vous ?"}
    assert q["region"]["description"] == {"default": "Your region", "fr": "Votre région"}
    assert q["region"]["choices"] == [
        {"value": "north", "text": {"default": "north", "fr": "Nord"}},
        {"value": "south", "text": {"default": "The south", "fr": "Sud"}},
    ]
    assert q["grid"]["rows"][0] == {"value": "taste", "text": {"default": "taste", "fr": "Goût"}}
    assert q["grid"]["columns"][2] == {"value": "3", "text": {"default": "3", "fr": "Très bien"}}
    assert q["eats"]["title"] == "Do you eat breakfast?"  # its French removed: a plain string again
    assert q["eats"]["choices"][0] == {"value": "yes", "text": "Yes"}
    assert q["again"]["labelTrue"] == {"default": "", "fr": "Oui"}  # English keeps its own "Yes"
    assert version_latest(survey=survey).definition["pages"][1]["title"] == {"default": "Your habits",
                                                                              "fr": "Vos habitudes"}  # fmt: skip
    assert definition_problems(version_latest(survey=survey).definition, languages=LANGUAGES) == []


def test_editing_a_question_in_the_first_language_keeps_its_other_languages() -> None:
    tenant = panel_with_surveys()
    survey = survey_create(tenant=tenant, title="Breakfast", definition=breakfast())

    question_update(survey=survey, name="eats", fields={"title": "Breakfast today?", "choices": "yes\nno\nsometimes"})

    eats = questions(survey)["eats"]
    assert eats["title"] == {"default": "Breakfast today?", "fr": "Prenez-vous un petit-déjeuner ?"}
    assert eats["choices"] == [
        {"value": "yes", "text": {"default": "Yes", "fr": "Oui"}},
        {"value": "no", "text": {"default": "No", "fr": "Non"}},
        "sometimes",
    ]


def test_a_text_the_element_does_not_have_or_a_language_the_panel_does_not_use_is_refused() -> None:
    tenant = panel_with_surveys()
    survey = survey_create(tenant=tenant, title="Breakfast", definition=breakfast())
    before = version_latest(survey=survey).definition

    with pytest.raises(Exception, match="Some texts cannot be saved") as refused:
        question_texts_update(survey=survey, name="eats", texts={"title.de": "Frühstück?", "choices.7.fr": "x",
                                                                 "rows.0.fr": "y", "title.fr": "z" * 2001})  # fmt: skip

    assert refused.value.fields == {"texts": [  # type: ignore[attr-defined]
        "title.de: not one of the panel's languages.", "choices.7.fr: no such text here.",
        "rows.0.fr: no such text here.", "title.fr: at most 2000 characters.",
    ]}  # fmt: skip
    assert version_latest(survey=survey).definition == before


def test_the_authoring_page_writes_the_texts_and_the_preview_shows_each_language(make_staff) -> None:
    tenant = panel_with_surveys()
    survey = survey_create(tenant=tenant, title="Breakfast", definition=breakfast())
    manager = make_staff(tenant=tenant, role=Role.MANAGER)
    url = f"/t/{tenant.slug}/console/surveys/{survey.pk}"

    page = manager.client.get(f"{url}/").content.decode()
    saved = manager.client.post(f"{url}/questions/region/texts/", {"title.en": "Where do you live?",
                                "title.fr": "Où habitez-vous ?", "choices.0.fr": "Nord"}, headers=HTMX)  # fmt: skip
    page_saved = manager.client.post(f"{url}/pages/screen/texts/", {"title.fr": "Pour commencer",
                                                                    "title.en": "To begin"})  # fmt: skip
    refused = manager.client.post(f"{url}/pages/nowhere/texts/", {"title.fr": "x"}, headers=HTMX)
    french = manager.client.get(f"{url}/preview/screen/?lang=fr").content.decode()
    english = manager.client.get(f"{url}/preview/screen/?lang=en").content.decode()

    assert 'name="title.fr" value="Prenez-vous un petit-déjeuner ?"' in page  # what the French says already
    assert 'name="choices.1.fr" value="Non"' in page
    assert saved.status_code == 200
    assert 'name="title.fr" value="Où habitez-vous ?"' in saved.content.decode()
    assert page_saved.status_code == 302
    assert refused.status_code == 400
    assert "Pour commencer" in french
    assert "Où habitez-vous ?" in french
    assert ">Nord<" in french or "Nord</option>" in french
    assert "To begin" in english
    assert "Where do you live?" in english
    assert "Nord" not in english
