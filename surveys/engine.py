"""How a published definition behaves for one respondent: which pages and questions the logic shows,
the choices in the order the respondent saw, piping, and the server-side check of a submitted page.

Pure functions over the definition and the answers: the services call them under the response's row
lock, the preview calls them with no response at all. Nothing here trusts the browser: the logic is
re-evaluated from the stored answers plus the page's own, answers to hidden questions are discarded,
and every value is checked against the question it answers.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.emails import email_clean
from surveys.definition import (
    DEFAULT_MAX_TEXT,
    choice_text,
    choice_value,
    localized,
    page_name,
    pages_of,
    piped,
    question_title,
    questions_of,
    rating_values,
)
from surveys.expressions import check, evaluate, parse, truthy

CHOICE_TYPES = {"radiogroup", "dropdown", "checkbox"}
OTHER = "other"


class FormData(Protocol):
    def get(self, key: str, default: Any = ...) -> Any: ...
    def getlist(self, key: str) -> list[Any]: ...


class JsonAnswers:
    """A page's answers sent as JSON (the API) read as the form fields a page posts: a list is a multiple
    choice (or, for a ranking, the items in rank order), an object a matrix's row -> column, ``true`` and
    ``false`` a boolean, and ``"<name>-Comment"`` the text of an "other" answer."""

    def __init__(self, answers: Mapping[str, Any]) -> None:
        self.fields: dict[str, list[str]] = {}
        for name, value in answers.items():
            if value is None:
                continue
            if isinstance(value, dict):
                for row, column in value.items():
                    self.fields[f"{name}.{row}"] = [_scalar(column)]
            elif isinstance(value, list):
                self.fields[name] = [_scalar(item) for item in value]
                for rank, item in enumerate(value, start=1):
                    self.fields.setdefault(f"{name}.{_scalar(item)}", [str(rank)])
            else:
                self.fields[str(name)] = [_scalar(value)]

    def get(self, key: str, default: Any = None) -> Any:
        values = self.fields.get(key)
        return values[-1] if values else default

    def getlist(self, key: str) -> list[Any]:
        return list(self.fields.get(key, []))


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


# -- logic ----------------------------------------------------------------------------------------------


def _shown(element: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    return "visibleIf" not in element or check(element["visibleIf"], answers)


def visible_pages(definition: Mapping[str, Any], answers: Mapping[str, Any]) -> list[str]:
    """The names of the pages the logic shows, in order (a page with no visible question is skipped)."""
    names = []
    for index, page in enumerate(pages_of(definition)):
        if _shown(page, answers) and any(_shown(q, answers) for q in page.get("elements", [])):
            names.append(page_name(page, index))
    return names


def page_get(definition: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    for index, page in enumerate(pages_of(definition)):
        if page_name(page, index) == name:
            return page
    return None


def is_required(question: Mapping[str, Any], page: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    if question.get("type") == "html":
        return False
    if question.get("isRequired"):
        return True
    return any(
        key in element and check(element[key], answers) for element in (question, page) for key in ["requiredIf"]
    )


def is_enabled(question: Mapping[str, Any], page: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    return all("enableIf" not in element or check(element["enableIf"], answers) for element in (question, page))


def visible_choices(question: Mapping[str, Any], answers: Mapping[str, Any], order: Mapping[str, Any]) -> list[Any]:
    """The choices the logic shows, in the order this respondent saw (recorded when they started)."""
    choices = list(question.get("choices", []))
    recorded = order.get(str(question.get("name")))
    if recorded:
        by_value = {str(choice_value(c)): c for c in choices}
        choices = [by_value[v] for v in recorded if v in by_value] + [
            c for c in choices if str(choice_value(c)) not in set(recorded)
        ]
    elif question.get("choicesOrder") in {"asc", "desc"}:
        choices.sort(key=lambda c: str(choice_text(c, "default")), reverse=question["choicesOrder"] == "desc")
    shown = []
    rule = question.get("choicesVisibleIf")
    for choice in choices:
        if isinstance(choice, dict) and "visibleIf" in choice and not check(choice["visibleIf"], answers):
            continue
        if rule and not truthy(evaluate(parse(rule), {**answers, "item": choice_value(choice)})):
            continue
        shown.append(choice)
    return shown


def has_other(question: Mapping[str, Any]) -> bool:
    return bool(question.get("hasOther") or question.get("showOtherItem"))


def randomise(definition: Mapping[str, Any], rng: random.Random) -> dict[str, list[str]]:
    """The order of each randomised choice list (by question name) and page (``page:<name>``)."""
    order: dict[str, list[str]] = {}
    for index, page in enumerate(pages_of(definition)):
        if page.get("questionsOrder") == "random":
            names = [str(q.get("name")) for q in page.get("elements", [])]
            rng.shuffle(names)
            order[f"page:{page_name(page, index)}"] = names
        for question in page.get("elements", []):
            if question.get("choicesOrder") == "random":
                values = [str(choice_value(c)) for c in question.get("choices", [])]
                rng.shuffle(values)
                order[str(question.get("name"))] = values
    return order


def page_questions(page: Mapping[str, Any], answers: Mapping[str, Any], order: Mapping[str, Any], name: str):  # type: ignore[no-untyped-def]
    questions = [q for q in page.get("elements", []) if _shown(q, answers)]
    recorded = order.get(f"page:{name}")
    if recorded:
        rank = {n: i for i, n in enumerate(recorded)}
        questions.sort(key=lambda q: rank.get(str(q.get("name")), len(rank)))
    return questions


def discard_hidden(definition: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers without those to questions the logic now hides (or whose page it hides), repeated
    until nothing changes, since a discarded answer may hide another question."""
    kept = dict(answers)
    while True:
        pages = set(visible_pages(definition, kept))
        shown: set[str] = set()
        for index, page in enumerate(pages_of(definition)):
            if page_name(page, index) in pages:
                shown |= {str(q.get("name")) for q in page.get("elements", []) if _shown(q, kept)}
        others = {str(q.get("name")) for q in questions_of(definition) if has_other(q)}
        after = {}
        for key, value in kept.items():
            base = key.removesuffix("-Comment")
            if base not in shown:
                continue
            if key != base and (base not in others or not _other_chosen(kept.get(base))):
                continue
            after[key] = value
        if after == kept:
            return after
        kept = after


def _other_chosen(value: Any) -> bool:
    return value == OTHER or (isinstance(value, list) and OTHER in value)


def screened_out(definition: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    return any(
        trigger.get("type") == "complete" and check(trigger.get("expression", ""), answers)
        for trigger in definition.get("triggers", [])
    )


def next_page(definition: Mapping[str, Any], answers: Mapping[str, Any], after: str) -> str | None:
    pages = visible_pages(definition, answers)
    all_names = [page_name(p, i) for i, p in enumerate(pages_of(definition))]
    position = all_names.index(after) if after in all_names else -1
    for name in all_names[position + 1 :]:
        if name in pages:
            return name
    return None


# -- what a page shows ----------------------------------------------------------------------------------


@dataclass
class QuestionView:
    name: str
    type: str
    title: str
    description: str
    required: bool
    enabled: bool
    input_type: str = "text"
    choices: list[tuple[str, str]] = field(default_factory=list)
    other: bool = False
    other_text: str = ""
    rows: list[tuple[str, str]] = field(default_factory=list)
    columns: list[tuple[str, str]] = field(default_factory=list)
    html: str = ""
    label_true: str = ""
    label_false: str = ""
    min: Any = None
    max: Any = None
    max_length: int = DEFAULT_MAX_TEXT
    min_description: str = ""
    max_description: str = ""
    value: Any = None
    other_value: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def selected(self) -> list[str]:
        if self.value is None:
            return []
        return [str(v) for v in self.value] if isinstance(self.value, list) else [str(self.value)]

    @property
    def uses_fieldset(self) -> bool:
        return self.type in {"radiogroup", "checkbox", "boolean", "rating", "matrix", "ranking"}

    @property
    def rank_of(self) -> dict[str, int]:
        return {str(v): i + 1 for i, v in enumerate(self.value)} if isinstance(self.value, list) else {}


def _labels(definition: Mapping[str, Any], language: str) -> dict[str, dict[str, str]]:
    return {
        str(q.get("name")): {str(choice_value(c)): choice_text(c, language) for c in q.get("choices", [])}
        for q in questions_of(definition)
    }


def page_view(
    definition: Mapping[str, Any],
    name: str,
    answers: Mapping[str, Any],
    order: Mapping[str, Any],
    language: str,
    errors: Mapping[str, list[str]] | None = None,
) -> list[QuestionView]:
    """The questions of one page as the respondent sees them, with their answers so far."""
    page = page_get(definition, name) or {}
    labels = _labels(definition, language)
    views = []
    for question in page_questions(page, answers, order, name):
        qname, kind = str(question.get("name")), str(question.get("type"))
        view = QuestionView(
            name=qname,
            type=kind,
            title=piped(question_title(question, language), answers, labels),
            description=piped(localized(question.get("description"), language), answers, labels),
            required=is_required(question, page, answers),
            enabled=is_enabled(question, page, answers),
            input_type=str(question.get("inputType", "text")),
            value=answers.get(qname),
            other_value=str(answers.get(f"{qname}-Comment", "")),
            errors=list((errors or {}).get(qname, [])),
            max_length=int(question.get("maxLength") or DEFAULT_MAX_TEXT),
            min=question.get("min"),
            max=question.get("max"),
        )
        if kind in CHOICE_TYPES or kind == "ranking":
            view.choices = [
                (str(choice_value(c)), choice_text(c, language)) for c in visible_choices(question, answers, order)
            ]
            view.other = has_other(question) and kind != "ranking"
            view.other_text = localized(question.get("otherText"), language) or _("Other (please say)")
        elif kind == "rating":
            view.choices = [(str(v), str(v)) for v in rating_values(question)]
            view.min_description = localized(question.get("minRateDescription"), language)
            view.max_description = localized(question.get("maxRateDescription"), language)
        elif kind == "boolean":
            view.label_true = localized(question.get("labelTrue"), language) or _("Yes")
            view.label_false = localized(question.get("labelFalse"), language) or _("No")
        elif kind == "matrix":
            view.rows = [(str(choice_value(r)), choice_text(r, language)) for r in question.get("rows", [])]
            view.columns = [(str(choice_value(c)), choice_text(c, language)) for c in question.get("columns", [])]
        elif kind == "html":
            view.html = piped(localized(question.get("html"), language), answers, labels)
        views.append(view)
    return views


# -- checking a submitted page --------------------------------------------------------------------------


class _Refused(Exception):
    pass


def _number(raw: str) -> int | float:
    try:
        number = Decimal(raw.strip().replace(",", "."))
    except InvalidOperation:
        raise _Refused(_("Enter a number.")) from None
    if not number.is_finite():
        raise _Refused(_("Enter a number."))
    return int(number) if number == number.to_integral_value() else float(number)


def _text(raw: str, limit: int) -> str:
    value = raw.strip()
    if len(value) > limit:
        raise _Refused(_("At most %(n)s characters, please (this has %(m)s).") % {"n": limit, "m": len(value)})
    return value


def _validators(question: Mapping[str, Any], value: Any, language: str) -> None:
    for validator in question.get("validators", []):
        custom = localized(validator.get("text"), language)
        kind = validator.get("type")
        if kind == "numeric" and isinstance(value, int | float):
            low, high = validator.get("minValue"), validator.get("maxValue")
            if (low is not None and value < low) or (high is not None and value > high):
                raise _Refused(custom or _("Enter a number from %(min)s to %(max)s.") % {"min": low, "max": high})
        elif kind == "text" and isinstance(value, str):
            low, high = validator.get("minLength"), validator.get("maxLength")
            if (low is not None and len(value) < low) or (high is not None and len(value) > high):
                raise _Refused(
                    custom or _("Write %(min)s to %(max)s characters.") % {"min": low or 0, "max": high or "…"}
                )
        elif kind == "regex" and isinstance(value, str):
            if not re.search(str(validator.get("regex", "")), value):
                raise _Refused(custom or _("This answer is not in the expected form."))
        elif kind == "email" and isinstance(value, str):
            try:
                email_clean(value)
            except ValidationError:
                raise _Refused(custom or _("Enter a valid email address.")) from None


def _choice(raw: str, allowed: list[Any], other: bool) -> Any:
    for choice in allowed:
        if str(choice_value(choice)) == raw:
            return choice_value(choice)
    if other and raw == OTHER:
        return OTHER
    raise _Refused(_("Choose one of the answers shown."))


def _clean_one(question: Mapping[str, Any], data: FormData, answers: Mapping[str, Any], order: Mapping[str, Any],
               language: str) -> tuple[Any, str | None]:  # fmt: skip
    """The value of one question from the form (None: not answered), and its other text."""
    name, kind = str(question.get("name")), question.get("type")
    limit = int(question.get("maxLength") or DEFAULT_MAX_TEXT)
    if kind not in {"checkbox", "matrix", "ranking"} and len(data.getlist(name)) > 1:
        raise _Refused(_("Give one answer."))
    if kind in {"radiogroup", "dropdown"}:
        raw = str(data.get(name, "") or "")
        value = _choice(raw, visible_choices(question, answers, order), has_other(question)) if raw else None
    elif kind == "checkbox":
        raws = [str(v) for v in data.getlist(name) if str(v)]
        if len(raws) != len(set(raws)):
            raise _Refused(_("Each answer can be chosen once."))
        allowed = visible_choices(question, answers, order)
        value = [_choice(raw, allowed, has_other(question)) for raw in raws] or None
    elif kind == "boolean":
        raw = str(data.get(name, "") or "")
        if raw not in {"", "true", "false"}:
            raise _Refused(_("Answer yes or no."))
        value = None if raw == "" else raw == "true"
    elif kind == "rating":
        raw = str(data.get(name, "") or "")
        value = _choice(raw, rating_values(question), False) if raw else None
    elif kind in {"text", "comment"}:
        raw = str(data.get(name, "") or "")
        if len(raw) > limit + 100 or len(raw) > 100_000:
            raise _Refused(_("At most %(n)s characters, please (this has %(m)s).") % {"n": limit, "m": len(raw)})
        value = _text(raw, limit) or None
        if value is not None and kind == "text":
            value = _typed_text(question, value)
        if value is not None:
            _validators(question, value, language)
    elif kind == "matrix":
        columns = [str(choice_value(c)) for c in question.get("columns", [])]
        cells = {}
        for row in question.get("rows", []):
            raw = str(data.get(f"{name}.{choice_value(row)}", "") or "")
            if raw and raw not in columns:
                raise _Refused(_("Choose one of the columns shown."))
            if raw:
                cells[str(choice_value(row))] = _choice(raw, question["columns"], False)
        if question.get("isAllRowRequired") and cells and len(cells) < len(question.get("rows", [])):
            raise _Refused(_("Answer every row."))
        value = cells or None
    elif kind == "ranking":
        choices = visible_choices(question, answers, order)
        ranks = {str(choice_value(c)): str(data.get(f"{name}.{choice_value(c)}", "") or "").strip() for c in choices}
        if not any(ranks.values()):
            value = None
        else:
            wanted = {str(n) for n in range(1, len(choices) + 1)}
            if set(ranks.values()) != wanted or len(set(ranks.values())) != len(ranks):
                raise _Refused(_("Give each item a different rank from 1 to %(n)s.") % {"n": len(choices)})
            value = [choice_value(c) for c in sorted(choices, key=lambda c: int(ranks[str(choice_value(c))]))]
    else:
        return None, None
    other_text = None
    if _other_chosen(value):
        other_text = _text(str(data.get(f"{name}-Comment", "") or ""), limit)
        if not other_text:
            raise _Refused(_("Say what your other answer is."))
    return value, other_text


def _typed_text(question: Mapping[str, Any], value: str) -> Any:
    input_type = question.get("inputType", "text")
    low, high = question.get("min"), question.get("max")
    if input_type == "number":
        number = _number(value)
        if (low not in (None, "") and number < float(low)) or (high not in (None, "") and number > float(high)):
            raise _Refused(_("Enter a number from %(min)s to %(max)s.") % {"min": low, "max": high})
        return number
    if input_type == "date":
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise _Refused(_("Enter a date as YYYY-MM-DD.")) from None
        if (low and day.isoformat() < str(low)) or (high and day.isoformat() > str(high)):
            raise _Refused(_("Enter a date from %(min)s to %(max)s.") % {"min": low, "max": high})
        return day.isoformat()
    if input_type == "email":
        try:
            return email_clean(value)
        except ValidationError:
            raise _Refused(_("Enter a valid email address.")) from None
    return value


def page_clean(
    definition: Mapping[str, Any],
    name: str,
    data: FormData,
    answers: Mapping[str, Any],
    order: Mapping[str, Any],
    language: str,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The answers after this page (hidden answers discarded), and the errors by question name.

    Visibility and ``requiredIf`` are evaluated with the page's own answers, as the respondent saw
    them change; a disabled question keeps its earlier answer."""
    page = page_get(definition, name) or {}
    merged = dict(answers.items())
    errors: dict[str, list[str]] = {}
    questions = [q for q in page.get("elements", []) if q.get("type") != "html"]
    for question in questions:
        qname = str(question.get("name"))
        if not is_enabled(question, page, answers):
            continue
        try:
            value, other_text = _clean_one(question, data, merged, order, language)
        except _Refused as refused:
            errors[qname] = [str(refused)]
            continue
        merged.pop(qname, None)
        merged.pop(f"{qname}-Comment", None)
        if value is not None:
            merged[qname] = value
        if other_text:
            merged[f"{qname}-Comment"] = other_text
    merged = discard_hidden(definition, merged)
    for question in page_questions(page, merged, order, name):
        qname = str(question.get("name"))
        if qname not in errors and is_required(question, page, merged) and qname not in merged:
            errors[qname] = [
                localized(question.get("requiredErrorText"), language) or _("Please answer this question.")
            ]
    return merged, errors


def typed_answers(
    definition: Mapping[str, Any], name: str, data: FormData, answers: Mapping[str, Any]
) -> dict[str, Any]:
    """The answers with this page's fields as typed (unchecked), to show a refused page again."""
    typed = dict(answers)
    for question in (page_get(definition, name) or {}).get("elements", []):
        qname, kind = str(question.get("name")), question.get("type")
        if kind == "checkbox":
            typed[qname] = [str(v) for v in data.getlist(qname)]
        elif kind == "matrix":
            typed[qname] = {
                str(choice_value(r)): data.get(f"{qname}.{choice_value(r)}", "") for r in question.get("rows", [])
            }
        elif kind == "ranking":
            ranks = {
                str(choice_value(c)): str(data.get(f"{qname}.{choice_value(c)}", ""))
                for c in question.get("choices", [])
            }
            typed[qname] = [v for v, _r in sorted(ranks.items(), key=lambda item: item[1] or "~")]
        elif kind != "html":
            typed[qname] = data.get(qname, "")
        if has_other(question):
            typed[f"{qname}-Comment"] = data.get(f"{qname}-Comment", "")
    return typed
