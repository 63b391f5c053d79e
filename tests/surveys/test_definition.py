"""A definition is checked against the pinned SurveyJS schema, then against what we support, then for
its logic; each problem is listed with where it is."""

from __future__ import annotations

import json

import pytest

from surveys.definition import SCHEMA_PATH, definition_parse, definition_problems, personal_data_warnings
from tests.surveys.samples import breakfast, one_question

LANGS = ["en", "fr"]


def problems(definition: object, logic: bool = True) -> list[str]:
    return [str(p) for p in definition_problems(definition, languages=LANGS, logic=logic)]


def test_the_pinned_schema_is_a_json_schema_of_surveyjs_version_1_12() -> None:
    schema = json.loads(SCHEMA_PATH.read_text())

    assert schema["$schema"].endswith("2020-12/schema")
    assert "1.12" in schema["title"]


def test_the_breakfast_survey_has_no_problem() -> None:
    assert problems(breakfast()) == []


def test_json_that_is_not_a_survey_is_refused_by_the_schema() -> None:
    assert problems([1, 2]) == ["a survey definition is a JSON object"]
    assert problems({"pages": "nope"}) == ["pages: 'nope' is not of type 'array'"]
    assert problems({"pages": [{"elements": [{"name": "q"}]}]}) == [
        "pages[0].elements[0]: 'type' is a required property"
    ]


def test_text_that_is_not_json_is_refused_with_the_place_of_the_error() -> None:
    with pytest.raises(ValueError, match="line 1, column 2"):
        definition_parse("{nope")


def test_unsupported_types_and_properties_are_listed_with_where_they_are() -> None:
    definition = breakfast()
    definition["pages"][0]["elements"].append({"type": "file", "name": "photo"})
    definition["pages"][1]["elements"][0]["choicesByUrl"] = {"url": "https://example.test"}
    definition["pages"][1]["elements"][2]["inputType"] = "color"
    definition["cookieName"] = "x"
    definition["triggers"].append({"type": "setvalue", "expression": "{eats} = 'yes'", "setToName": "x"})

    assert problems(definition) == [
        "cookieName: this survey property is not supported",
        "triggers[1]: trigger type 'setvalue' is not supported (only 'complete')",
        "triggers[1].setToName: this trigger property is not supported",
        "pages[0].elements[2]: question type 'file' is not supported",
        "pages[1].elements[0].choicesByUrl: property 'choicesByUrl' is not supported on a checkbox question",
        "pages[1].elements[2].inputType: inputType 'color' is not supported",
    ]


def test_a_reference_to_an_unknown_question_is_a_problem() -> None:
    definition = breakfast()
    definition["pages"][1]["elements"][2]["visibleIf"] = "{food} notcontains 'fruit'"
    definition["pages"][2]["elements"][2]["visibleIf"] = "{grid.taste} = 1 and {grid.colour} = 2"

    assert problems(definition) == [
        "pages[1].elements[2].visibleIf: '{food}' names no question of this survey",
        "pages[2].elements[2].visibleIf: '{grid.colour}': 'colour' is not a row of 'grid'",
    ]


def test_an_expression_that_does_not_parse_is_a_problem_at_publish_but_not_in_a_draft() -> None:
    definition = breakfast()
    definition["pages"][2]["visibleIf"] = "{nps} >= "

    assert problems(definition) == ["pages[2].visibleIf: the expression does not parse: the expression ends too early"]
    assert problems(definition, logic=False) == []


def test_a_logic_cycle_is_a_problem_naming_the_cycle() -> None:
    definition = one_question("a")
    definition["pages"][0]["elements"] += [
        {"type": "boolean", "name": "b", "visibleIf": "{c} = true"},
        {"type": "boolean", "name": "c", "visibleIf": "{b} = true"},
    ]

    assert problems(definition) == ["logic: the logic goes round in a cycle: b → c → b"]


def test_a_page_whose_visibility_reads_its_own_question_is_a_cycle() -> None:
    definition = one_question("a")
    definition["pages"][0]["visibleIf"] = "{a} = true"

    assert problems(definition) == ["logic: the logic goes round in a cycle: a → p1 → a"]


def test_names_must_be_unique_and_texts_in_the_panels_languages() -> None:
    definition = one_question("a")
    definition["pages"][0]["elements"].append({"type": "boolean", "name": "a", "title": {"de": "Ja?"}})

    assert problems(definition) == [
        "pages[0].elements[1].name: name 'a' is used twice",
        "pages[0].elements[1].title.de: 'de' is not one of the panel's languages",
    ]


def test_an_empty_survey_cannot_be_published() -> None:
    assert problems({"pages": [{"name": "p1", "elements": []}]}) == ["pages: a survey needs at least one question"]


def test_questions_asking_for_personal_data_are_named() -> None:
    definition = one_question("a")
    definition["pages"][0]["elements"] += [
        {"type": "text", "name": "contact", "inputType": "email"},
        {"type": "text", "name": "q2", "title": "What is your name?"},
        {"type": "comment", "name": "q3", "title": {"default": "Where?", "fr": "Votre adresse ?"}},
        {"type": "text", "name": "q4", "title": "How old?"},
    ]

    assert personal_data_warnings(definition) == ["contact", "q2", "q3"]
