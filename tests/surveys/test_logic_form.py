"""Logic through a small form: a question, an operator and a value make the SurveyJS expression, which
the evaluator that answers surveys then runs; the form offers a question's own answers, joins the new
condition to the one already there, and refuses what would not work before anything is written."""

from __future__ import annotations

import pytest

from core.errors import DomainError
from surveys.definition import definition_problems
from surveys.expressions import check
from surveys.logic import builder_state, condition_build, condition_join, subjects_of
from surveys.selectors import version_latest
from surveys.services.authoring import question_condition_add, survey_create, survey_definition_save
from tenants.roles import Role
from tests.surveys.helpers import panel_with_surveys
from tests.surveys.samples import breakfast

HTMX = {"HX-Request": "true"}


def subject(ref: str):
    definition = breakfast()
    definition["pages"][0]["elements"].append({"type": "text", "name": "note", "title": "A note"})
    return next(s for s in subjects_of(definition, exclude="", language="en") if s.ref == ref)


@pytest.mark.parametrize(
    ("ref", "op", "values", "expression", "answers", "holds"),
    [
        ("eats", "equals", ["yes"], "{eats} = 'yes'", {"eats": "yes"}, True),
        ("eats", "notequals", ["yes"], "{eats} != 'yes'", {"eats": "yes"}, False),
        ("nps", "greaterorequal", ["9"], "{nps} >= 9", {"nps": 9}, True),
        ("nps", "less", ["7"], "{nps} < 7", {"nps": 9}, False),
        ("nps", "greater", ["7"], "{nps} > 7", {}, False),
        ("cups", "lessorequal", ["2.5"], "{cups} <= 2.5", {"cups": 2}, True),
        ("foods", "contains", ["bread"], "{foods} contains 'bread'", {"foods": ["bread", "fruit"]}, True),
        ("foods", "anyof", ["bread", "cereal"], "{foods} anyof ['bread', 'cereal']", {"foods": ["fruit"]}, False),
        ("again", "equals", ["true"], "{again} = true", {"again": True}, True),
        ("grid.taste", "equals", ["3"], "{grid.taste} = '3'", {"grid": {"taste": "3"}}, True),
        ("why", "notempty", [], "{why} notempty", {"why": "good"}, True),
        ("why", "empty", ["ignored"], "{why} empty", {}, True),
        ("note", "equals", ["it's 'fine'"], "{note} = 'it\\'s \\'fine\\''", {"note": "it's 'fine'"}, True),
        ("note", "anyof", ["a, b"], "{note} anyof ['a', 'b']", {"note": "b"}, True),
    ],
)
def test_the_form_writes_expressions_the_evaluator_runs(ref, op, values, expression, answers, holds) -> None:
    built = condition_build(subject(ref), op, values)

    assert built == expression
    assert check(built, answers) is holds


@pytest.mark.parametrize(
    ("ref", "op", "values", "refusal"),
    [
        ("eats", "equals", ["maybe"], "“maybe” is not one of the answers of eats."),
        ("nps", "equals", ["11"], "“11” is not one of the answers of nps."),
        ("cups", "greater", ["two"], "“two” is not a number."),
        ("why", "equals", [""], "Give a value to compare with."),
        ("why", "between", ["1"], "Choose an operator."),
    ],
)
def test_the_form_refuses_a_value_the_question_does_not_offer(ref, op, values, refusal) -> None:
    with pytest.raises(DomainError) as refused:
        condition_build(subject(ref), op, values)

    assert refused.value.detail == refusal


def test_a_new_condition_is_joined_to_the_one_already_there() -> None:
    assert condition_join("", "{a} = 1", "and") == "{a} = 1"
    assert condition_join("{b} = 2", "{a} = 1", "and") == "{b} = 2 and {a} = 1"
    assert condition_join("{b} = 2 or {c} = 3", "{a} = 1", "and") == "({b} = 2 or {c} = 3) and {a} = 1"
    assert condition_join("{b} = 2", "{a} = 1", "or") == "{b} = 2 or {a} = 1"
    assert condition_join("{b} = 2", "{a} = 1", "replace") == "{a} = 1"


@pytest.mark.django_db
def test_conditions_are_added_to_a_question_and_a_broken_one_is_refused_with_nothing_written() -> None:
    tenant = panel_with_surveys()
    survey = survey_create(tenant=tenant, title="Breakfast", definition=breakfast())

    def rules() -> dict[str, object]:
        why = next(q for q in version_latest(survey=survey).definition["pages"][1]["elements"] if q["name"] == "why")
        return {key: why.get(key) for key in ("visibleIf", "enableIf", "requiredIf")}

    question_condition_add(survey=survey, name="why", target="visibleIf", ref="nps", op="greaterorequal", values=["9"],
                           join="and", language="en")  # fmt: skip
    question_condition_add(survey=survey, name="why", target="visibleIf", ref="eats", op="equals", values=["yes"],
                           join="or", language="en")  # fmt: skip
    question_condition_add(survey=survey, name="why", target="requiredIf", ref="foods", op="anyof",
                           values=["bread", "fruit"], join="and", language="en")  # fmt: skip
    assert rules() == {
        "visibleIf": "{nps} >= 9 or {eats} = 'yes'",
        "enableIf": None,
        "requiredIf": "{foods} anyof ['bread', 'fruit']",
    }
    assert definition_problems(version_latest(survey=survey).definition, languages=["en", "fr"]) == []

    # a question may not name itself; an unknown rule is refused; a broken condition already there stays
    for target, ref in (("visibleIf", "why"), ("hiddenIf", "nps")):
        with pytest.raises(Exception, match="Choose"):
            question_condition_add(survey=survey, name="why", target=target, ref=ref, op="notempty", values=[],
                                   join="and", language="en")  # fmt: skip
    definition = version_latest(survey=survey).definition
    next(q for q in definition["pages"][1]["elements"] if q["name"] == "why")["enableIf"] = "{nps} >"
    survey_definition_save(survey=survey, definition=definition)
    with pytest.raises(Exception, match="The condition would not work"):
        question_condition_add(survey=survey, name="why", target="enableIf", ref="nps", op="notempty", values=[],
                               join="and", language="en")  # fmt: skip
    assert rules()["enableIf"] == "{nps} >"
    question_condition_add(survey=survey, name="why", target="enableIf", ref="nps", op="notempty", values=[],
                           join="replace", language="en")  # fmt: skip
    assert rules()["enableIf"] == "{nps} notempty"


def test_the_form_offers_the_answers_of_the_question_picked_and_says_whether_the_expression_works() -> None:
    definition = breakfast()

    first = builder_state(definition, question="why", language="en", data={})
    picked = builder_state(definition, question="why", language="fr",
                           data={"ref": ["eats"], "op": ["equals"], "value": ["no"]})  # fmt: skip
    switched = builder_state(definition, question="why", language="en",
                             data={"ref": ["nps"], "op": ["equals"], "value": ["no"]})  # fmt: skip
    several = builder_state(definition, question="why", language="en",
                            data={"ref": ["foods"], "op": ["anyof"], "value": ["bread", "cake", "fruit"]})  # fmt: skip

    assert [s.ref for s in first.subjects][:3] == ["eats", "region", "foods"]
    assert "why" not in [s.ref for s in first.subjects]
    assert (first.subject.ref, first.expression, first.check.ok) == ("eats", "{eats} = 'yes'", True)  # type: ignore[union-attr]
    assert picked.subject.values == [("yes", "Oui"), ("no", "Non")]  # type: ignore[union-attr]
    assert picked.expression == "{eats} = 'no'"
    assert (switched.values, switched.expression) == (["0"], "{nps} = 0")  # "no" is not a rating: its first one
    assert several.expression == "{foods} anyof ['bread', 'fruit']"


@pytest.mark.django_db
def test_the_authoring_page_builds_a_condition_live_and_adds_it(make_staff) -> None:
    tenant = panel_with_surveys()
    survey = survey_create(tenant=tenant, title="Breakfast", definition=breakfast())
    manager = make_staff(tenant=tenant, role=Role.MANAGER)
    url = f"/t/{tenant.slug}/console/surveys/{survey.pk}/questions/why"

    page = manager.client.get(f"/t/{tenant.slug}/console/surveys/{survey.pk}/").content.decode()
    form = manager.client.post(f"{url}/logic/form/", {"target": "visibleIf", "ref": "nps", "op": "greater",
                                                      "value": "6"}, headers=HTMX).content.decode()  # fmt: skip
    added = manager.client.post(f"{url}/logic/", {"target": "visibleIf", "ref": "nps", "op": "greater",
                                                  "value": "6"}, headers=HTMX)  # fmt: skip
    refused = manager.client.post(f"{url}/logic/", {"target": "visibleIf", "ref": "nps", "op": "greater",
                                                    "value": "eleven"}, headers=HTMX)  # fmt: skip
    unknown = manager.client.post(f"/t/{tenant.slug}/console/surveys/{survey.pk}/questions/nope/logic/form/")

    assert page.count('data-testid="logic-builder"') == 9  # one per question
    assert '<option value="10">10</option>' in form  # the rating's values are offered
    assert '<code data-testid="logic-expression">{nps} &gt; 6</code>' in form
    assert 'data-ok="true"' in form
    assert added.status_code == 200
    assert "shown if <code>{nps} &gt; 6</code>" in added.content.decode()
    assert refused.status_code == 400
    assert "“eleven” is not one of the answers of nps." in refused.content.decode()
    assert unknown.status_code == 404
    why = next(q for q in version_latest(survey=survey).definition["pages"][1]["elements"] if q["name"] == "why")
    assert why["visibleIf"] == "{nps} > 6"
