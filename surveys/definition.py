"""A survey's definition: SurveyJS JSON, checked in three steps before it is saved or published.

1. The pinned SurveyJS JSON schema (``schema/surveyjs-1.12.schema.json``) through ``jsonschema``:
   the shape of the format.
2. What Fairpanel supports of it: the question types and properties below. Anything else is listed
   with where it is (``pages[0].elements[2]: type 'file' is not supported``), never silently dropped.
3. The logic: unique names, every expression parses, every ``{reference}`` names a question (or a
   matrix row) of the survey, and no question or page depends on itself through the logic (a cycle).

``definition_problems`` returns the list of problems (empty when the definition is good); the
publish service refuses a definition with any. The rest of this module reads a checked definition:
its pages and questions, texts in a language, piping, and choices.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from surveys.expressions import ExpressionError, parse, references

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "surveyjs-1.12.schema.json"
MAX_DEFINITION_BYTES = 500_000

SURVEY_PROPERTIES = {"title", "description", "locale", "pages", "triggers", "completedHtml", "showProgressBar",
                     "showQuestionNumbers", "elements"}  # fmt: skip
PAGE_PROPERTIES = {"name", "title", "description", "elements", "visibleIf", "enableIf", "requiredIf", "questionsOrder"}
COMMON = {"type", "name", "title", "description", "visibleIf", "enableIf", "requiredIf", "isRequired",
          "requiredErrorText", "correctAnswer", "attentionCheck"}  # fmt: skip
CHOICE = {"choices", "choicesOrder", "choicesVisibleIf", "hasOther", "showOtherItem", "otherText", "colCount"}
QUESTION_PROPERTIES: dict[str, set[str]] = {
    "radiogroup": COMMON | CHOICE,
    "dropdown": COMMON | CHOICE | {"placeholder"},
    "checkbox": COMMON | CHOICE,
    "boolean": COMMON | {"labelTrue", "labelFalse"},
    "rating": COMMON | {"rateMin", "rateMax", "rateStep", "rateValues", "minRateDescription", "maxRateDescription"},
    "text": COMMON | {"inputType", "min", "max", "maxLength", "placeholder", "validators"},
    "comment": COMMON | {"maxLength", "placeholder", "validators", "rows"},
    "matrix": COMMON | {"rows", "columns", "isAllRowRequired"},
    "ranking": COMMON | {"choices", "choicesOrder"},
    "html": {"type", "name", "html", "visibleIf"},
}
INPUT_TYPES = {"text", "number", "date", "email"}
VALIDATOR_TYPES = {"numeric": {"minValue", "maxValue"}, "text": {"minLength", "maxLength", "allowDigits"},
                   "regex": {"regex"}, "email": set()}  # fmt: skip
TRIGGER_TYPES = {"complete"}
CHOICE_ITEM_PROPERTIES = {"value", "text", "visibleIf"}
EXPRESSION_PROPERTIES = ("visibleIf", "enableIf", "requiredIf")
NAME = re.compile(r"^[A-Za-z_][\w\-]{0,63}$")
# How long an answer may be when the definition sets no maxLength: long enough for any survey answer,
# short enough that one response cannot fill the database.
DEFAULT_MAX_TEXT = 5000


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))


def _path(parts: Iterator[Any] | Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def pages_of(definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The pages; a survey written with top-level ``elements`` has them as one page."""
    if "pages" in definition:
        return [page for page in definition["pages"] if isinstance(page, dict)]
    return [{"name": "page1", "elements": definition.get("elements", [])}]


def questions_of(definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [q for page in pages_of(definition) for q in page.get("elements", []) if isinstance(q, dict)]


def page_name(page: Mapping[str, Any], index: int) -> str:
    return str(page.get("name") or f"page{index + 1}")


def _supported(definition: Mapping[str, Any]) -> Iterator[Problem]:
    for key in sorted(set(definition) - SURVEY_PROPERTIES):
        yield Problem(key, "this survey property is not supported")
    for t, trigger in enumerate(definition.get("triggers", [])):
        if trigger.get("type") not in TRIGGER_TYPES:
            yield Problem(f"triggers[{t}]", f"trigger type '{trigger.get('type')}' is not supported (only 'complete')")
        for key in sorted(set(trigger) - {"type", "expression"}):
            yield Problem(f"triggers[{t}].{key}", "this trigger property is not supported")
    base = "pages" if "pages" in definition else "elements"
    for p, page in enumerate(pages_of(definition)):
        where_page = f"pages[{p}]"
        for key in sorted(set(page) - PAGE_PROPERTIES):
            yield Problem(f"{where_page}.{key}", "this page property is not supported")
        for e, question in enumerate(page.get("elements", [])):
            where = f"{where_page}.elements[{e}]" if base == "pages" else f"elements[{e}]"
            kind = question.get("type")
            if kind not in QUESTION_PROPERTIES:
                yield Problem(where, f"question type '{kind}' is not supported")
                continue
            for key in sorted(set(question) - QUESTION_PROPERTIES[kind]):
                yield Problem(f"{where}.{key}", f"property '{key}' is not supported on a {kind} question")
            if kind == "text" and question.get("inputType", "text") not in INPUT_TYPES:
                yield Problem(f"{where}.inputType", f"inputType '{question.get('inputType')}' is not supported")
            for v, validator in enumerate(question.get("validators", [])):
                allowed = VALIDATOR_TYPES.get(validator.get("type", ""))
                if allowed is None:
                    yield Problem(f"{where}.validators[{v}]", f"validator '{validator.get('type')}' is not supported")
                    continue
                for key in sorted(set(validator) - allowed - {"type", "text"}):
                    yield Problem(f"{where}.validators[{v}].{key}", "this validator property is not supported")
                if validator.get("type") == "regex":
                    try:
                        re.compile(str(validator.get("regex", "")))
                    except re.error as exc:
                        yield Problem(f"{where}.validators[{v}].regex", f"not a regular expression: {exc}")
            for c, choice in enumerate(question.get("choices", [])):
                if isinstance(choice, dict):
                    for key in sorted(set(choice) - CHOICE_ITEM_PROPERTIES):
                        yield Problem(f"{where}.choices[{c}].{key}", "this choice property is not supported")


def _logic(definition: Mapping[str, Any], languages: list[str]) -> Iterator[Problem]:
    names: dict[str, str] = {}
    columns: dict[str, set[str]] = {}
    page_names: set[str] = set()
    for p, page in enumerate(pages_of(definition)):
        pname = page_name(page, p)
        if pname in page_names:
            yield Problem(f"pages[{p}].name", f"page name '{pname}' is used twice")
        page_names.add(pname)
        for e, question in enumerate(page.get("elements", [])):
            where = f"pages[{p}].elements[{e}]"
            name = str(question.get("name", ""))
            if not NAME.match(name):
                yield Problem(f"{where}.name", "a name starts with a letter and has letters, digits, '_' or '-' only")
            elif name in names or name in page_names:
                yield Problem(f"{where}.name", f"name '{name}' is used twice")
            names[name] = where
            if question.get("type") == "matrix":
                columns[name] = {str(choice_value(row)) for row in question.get("rows", []) or []}
                if not question.get("rows") or not question.get("columns"):
                    yield Problem(where, "a matrix needs rows and columns")
            if question.get("type") in {"radiogroup", "dropdown", "checkbox", "ranking"}:
                values = [str(choice_value(c)) for c in question.get("choices", [])]
                if not values:
                    yield Problem(f"{where}.choices", "a choice question needs choices")
                if len(values) != len(set(values)):
                    yield Problem(f"{where}.choices", "two choices have the same value")
                if (question.get("hasOther") or question.get("showOtherItem")) and "other" in values:
                    yield Problem(f"{where}.choices", "'other' is the value of the other option; rename the choice")
            for text_key in ("title", "description"):
                text = question.get(text_key)
                if isinstance(text, dict):
                    for locale in sorted(set(text) - {"default", *languages}):
                        yield Problem(f"{where}.{text_key}.{locale}", f"'{locale}' is not one of the panel's languages")
    # every expression parses and names questions that exist; the graph of dependencies has no cycle
    graph: dict[str, set[str]] = {}

    def refs_of(text: Any, where: str, node: str, *, item: bool = False) -> Iterator[Problem]:
        try:
            tree = parse(text)
        except ExpressionError as exc:
            yield Problem(where, f"the expression does not parse: {exc}")
            return
        for ref in sorted(references(tree)):
            head, _sep, column = ref.partition(".")
            if item and ref == "item":
                continue
            if head not in names:
                yield Problem(where, f"'{{{ref}}}' names no question of this survey")
            elif column and column not in columns.get(head, set()):
                yield Problem(where, f"'{{{ref}}}': '{column}' is not a row of '{head}'")
            else:
                graph.setdefault(node, set()).add(head)

    for p, page in enumerate(pages_of(definition)):
        pnode = f"page:{page_name(page, p)}"
        for key in EXPRESSION_PROPERTIES:
            if key in page:
                yield from refs_of(page[key], f"pages[{p}].{key}", pnode)
        for e, question in enumerate(page.get("elements", [])):
            where = f"pages[{p}].elements[{e}]"
            node = str(question.get("name", ""))
            graph.setdefault(node, set()).add(pnode)  # a question is shown only when its page is
            for key in EXPRESSION_PROPERTIES:
                if key in question:
                    yield from refs_of(question[key], f"{where}.{key}", node)
            if "choicesVisibleIf" in question:
                yield from refs_of(question["choicesVisibleIf"], f"{where}.choicesVisibleIf", node, item=True)
            for c, choice in enumerate(question.get("choices", [])):
                if isinstance(choice, dict) and "visibleIf" in choice:
                    yield from refs_of(choice["visibleIf"], f"{where}.choices[{c}].visibleIf", node)
    for t, trigger in enumerate(definition.get("triggers", [])):
        if "expression" not in trigger:
            yield Problem(f"triggers[{t}]", "a complete trigger needs an expression")
        else:
            yield from refs_of(trigger["expression"], f"triggers[{t}].expression", f"trigger:{t}")
    if cycle := _cycle(graph):
        yield Problem("logic", "the logic goes round in a cycle: " + " → ".join(cycle))


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of the dependency graph (as a path that comes back to its start), or []."""
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, set())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        path.pop()
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return [name.removeprefix("page:") for name in found]
    return []


def definition_problems(definition: Any, *, languages: list[str], logic: bool = True) -> list[Problem]:
    """Everything wrong with a definition, in the order a reader would fix it; [] when it is good.

    ``logic=False`` checks the shape and what we support only (a draft may be unfinished)."""
    if not isinstance(definition, dict):
        return [Problem("", "a survey definition is a JSON object")]
    if len(json.dumps(definition)) > MAX_DEFINITION_BYTES:
        return [Problem("", f"a survey definition has at most {MAX_DEFINITION_BYTES} bytes")]
    shape = sorted(_validator().iter_errors(definition), key=lambda error: list(error.absolute_path))
    if shape:
        return [Problem(_path(error.absolute_path) or "survey", error.message[:300]) for error in shape[:50]]
    supported = list(_supported(definition))
    if supported or not logic:
        return supported
    if not questions_of(definition):
        return [Problem("pages", "a survey needs at least one question")]
    return list(_logic(definition, languages))


def definition_parse(text: str | bytes) -> Any:
    """A JSON text as a definition; ``ValueError`` with the place of a syntax error."""
    if len(text) > MAX_DEFINITION_BYTES:
        raise ValueError(f"a survey definition has at most {MAX_DEFINITION_BYTES} bytes")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None


# -- reading a checked definition -----------------------------------------------------------------------


def choice_value(choice: Any) -> Any:
    return choice.get("value") if isinstance(choice, dict) else choice


def localized(text: Any, language: str) -> str:
    """A localisable string in ``language``, else its default, else the first text it has."""
    if isinstance(text, dict):
        return str(text.get(language) or text.get("default") or text.get("en") or next(iter(text.values()), ""))
    return "" if text is None else str(text)


def choice_text(choice: Any, language: str) -> str:
    if isinstance(choice, dict):
        return localized(choice.get("text"), language) or str(choice.get("value"))
    return str(choice)


_PIPE = re.compile(r"\{([A-Za-z_][\w\-]*(?:\.[\w\-]+)?)\}")


def piped(text: str, answers: Mapping[str, Any], labels: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """``{question}`` in a text replaced by its answer (the choice's text for a choice question)."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        value = answers.get(name)
        if value is None:
            return ""
        names = labels.get(name, {}) if labels else {}
        if isinstance(value, list):
            return ", ".join(names.get(str(v), str(v)) for v in value)
        return names.get(str(value), str(value))

    return _PIPE.sub(one, text)


def question_title(question: Mapping[str, Any], language: str) -> str:
    return localized(question.get("title"), language) or str(question.get("name", ""))


def rating_values(question: Mapping[str, Any]) -> list[Any]:
    if question.get("rateValues"):
        return [choice_value(v) for v in question["rateValues"]]
    low, high, step = question.get("rateMin", 1), question.get("rateMax", 5), question.get("rateStep", 1) or 1
    values: list[Any] = []
    value = low
    while value <= high and len(values) < 101:
        values.append(value)
        value += step
    return values


def personal_data_warnings(definition: Mapping[str, Any]) -> list[str]:
    """Questions that ask for personal data: an email, a phone number, a name or an address."""
    asks = re.compile(r"\b(e-?mail|phone|telephone|téléphone|name|nom|address|adresse)\b", re.IGNORECASE)
    found = []
    for question in questions_of(definition):
        if question.get("type") not in {"text", "comment"}:
            continue
        title = (
            " ".join(localized(question.get("title"), language) for language in ("default", "en", "fr"))
            + " "
            + str(question.get("name", ""))
        )
        if question.get("inputType") in {"email", "tel"} or asks.search(title):
            found.append(str(question.get("name")))
    return found
