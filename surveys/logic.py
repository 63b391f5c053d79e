"""The authoring page's logic: conditions built from a small form, and any expression checked as it is
typed, by the same evaluator that runs it (``surveys.expressions``).

The form picks a question (or a row of a matrix), an operator and a value (the question's own answers
when it has them) and writes the SurveyJS expression for ``visibleIf``, ``enableIf`` or ``requiredIf``:
``{eats} = 'yes'``, ``{nps} >= 9``, ``{foods} anyof ['bread', 'eggs']``, ``{why} notempty``. Joined to
the condition already there with ``and`` or ``or``, or replacing it; the raw expression stays editable.

Pure: reads a definition, builds texts; writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError, NotFound
from surveys.definition import choice_text, choice_value, question_title, questions_of, rating_values
from surveys.expressions import ExpressionError, parse, references

TARGETS = {
    "visibleIf": gettext_lazy("Show only if"),
    "enableIf": gettext_lazy("Enable only if"),
    "requiredIf": gettext_lazy("Required only if"),
}
OPERATORS = {
    "equals": ("=", gettext_lazy("equals")),
    "notequals": ("!=", gettext_lazy("does not equal")),
    "greater": (">", gettext_lazy("is greater than")),
    "less": ("<", gettext_lazy("is less than")),
    "greaterorequal": (">=", gettext_lazy("is at least")),
    "lessorequal": ("<=", gettext_lazy("is at most")),
    "contains": ("contains", gettext_lazy("contains")),
    "anyof": ("anyof", gettext_lazy("is any of")),
    "empty": ("empty", gettext_lazy("is empty")),
    "notempty": ("notempty", gettext_lazy("is not empty")),
}
NO_VALUE = {"empty", "notempty"}
JOINS = ("and", "or", "replace")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
MAX_VALUE = 500


@dataclass(frozen=True)
class Subject:
    """What a condition can name: a question, or one row of a matrix (``grid.taste``)."""

    ref: str
    label: str
    numeric: bool = False
    values: list[tuple[str, str]] = field(default_factory=list)  # (value, label) when it has answers to pick
    typed: dict[str, Any] = field(default_factory=dict)  # each value as the JSON has it (1, not "1")


def subjects_of(definition: Mapping[str, Any], *, exclude: str, language: str) -> list[Subject]:
    """Every question a condition on ``exclude`` may name (not itself, nor information text)."""
    found: list[Subject] = []
    for question in questions_of(definition):
        name, kind = str(question.get("name", "")), question.get("type")
        if name == exclude or kind == "html":
            continue
        label = f"{name}: {question_title(question, language)}"[:80]
        if kind in {"radiogroup", "dropdown", "checkbox", "ranking"}:
            items = question.get("choices", [])
            found.append(Subject(name, label, values=[(str(choice_value(c)), choice_text(c, language)) for c in items],
                                 typed={str(choice_value(c)): choice_value(c) for c in items}))  # fmt: skip
        elif kind == "boolean":
            found.append(Subject(name, label, values=[("true", _("Yes")), ("false", _("No"))],
                                 typed={"true": True, "false": False}))  # fmt: skip
        elif kind == "rating":
            values = rating_values(question)
            found.append(Subject(name, label, numeric=True, values=[(str(v), str(v)) for v in values],
                                 typed={str(v): v for v in values}))  # fmt: skip
        elif kind == "matrix":
            columns = question.get("columns", [])
            for row in question.get("rows", []):
                found.append(Subject(f"{name}.{choice_value(row)}", f"{label} · {choice_text(row, language)}"[:80],
                                     values=[(str(choice_value(c)), choice_text(c, language)) for c in columns],
                                     typed={str(choice_value(c)): choice_value(c) for c in columns}))  # fmt: skip
        else:
            found.append(Subject(name, label, numeric=question.get("inputType") == "number"))
    return found


def _literal(subject: Subject, raw: str) -> str:
    """One value as the expression writes it: a number, true or false, or a quoted text."""
    value: Any = subject.typed.get(raw, raw)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if subject.numeric:
        if not _NUMBER.fullmatch(raw.strip()):
            raise DomainError(
                _("“%(value)s” is not a number.") % {"value": raw[:40]}, fields={"value": [_("A number.")]}
            )
        return raw.strip()
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def condition_build(subject: Subject, op: str, values: list[str]) -> str:
    """The expression of one condition; a value the question does not offer is refused."""
    if op not in OPERATORS:
        raise DomainError(_("Choose an operator."), fields={"op": [_("Unknown operator.")]})
    symbol = OPERATORS[op][0]
    ref = "{" + subject.ref + "}"
    if op in NO_VALUE:
        return f"{ref} {symbol}"
    if op == "anyof" and not subject.values:  # typed: "a, b, c"
        values = [part.strip() for value in values for part in value.split(",")]
    values = [v for v in values if v.strip()] if op == "anyof" else values[:1]
    if not values or not values[0].strip():
        raise DomainError(_("Give a value to compare with."), fields={"value": [_("Required.")]})
    if any(len(v) > MAX_VALUE for v in values):
        raise DomainError(
            _("A value has at most %(n)s characters.") % {"n": MAX_VALUE}, fields={"value": [_("Shorten it.")]}
        )
    offered = {value for value, _label in subject.values}
    if offered and (wrong := [v for v in values if v not in offered]):
        message = _("“%(value)s” is not one of the answers of %(ref)s.") % {"value": wrong[0][:40], "ref": subject.ref}
        raise DomainError(message, fields={"value": [_("Choose one of its answers.")]})
    if op == "anyof":
        return f"{ref} anyof [{', '.join(_literal(subject, v) for v in values)}]"
    return f"{ref} {symbol} {_literal(subject, values[0])}"


def condition_join(current: str, condition: str, join: str) -> str:
    """The new condition with the one already there: both (``and``), either (``or``), or instead."""
    current = (current or "").strip()
    if not current or join == "replace":
        return condition
    if join == "and":
        return (
            f"({current}) and {condition}"
            if re.search(r"\bor\b|\|\|", current, re.IGNORECASE)
            else f"{current} and {condition}"
        )
    return f"{current} or {condition}"


@dataclass(frozen=True)
class Check:
    ok: bool
    message: str


def expression_check(definition: Mapping[str, Any], text: str) -> Check:
    """Does an expression parse, and does it name only questions (and matrix rows) of this survey?"""
    if not (text or "").strip():
        return Check(True, _("No condition: always."))
    try:
        tree = parse(text)
    except ExpressionError as exc:
        return Check(False, str(exc))
    names = {str(q.get("name")) for q in questions_of(definition)}
    unknown = sorted(r for r in references(tree) if r.partition(".")[0] not in names)
    if unknown:
        return Check(False, _("Unknown question: %(names)s") % {"names": ", ".join(unknown)})
    return Check(True, _("Valid."))


@dataclass(frozen=True)
class Builder:
    """The logic form of one question as it stands: what is chosen, the expression it makes (joined to
    the one already there) and whether that expression works."""

    question: str
    target: str
    subjects: list[Subject]
    subject: Subject | None
    op: str
    values: list[str]
    join: str
    current: str
    expression: str
    check: Check

    @property
    def targets(self) -> list[tuple[str, str]]:
        return [(key, str(label)) for key, label in TARGETS.items()]

    @property
    def operators(self) -> list[tuple[str, str]]:
        return [(key, str(label)) for key, (_symbol, label) in OPERATORS.items()]

    @property
    def needs_value(self) -> bool:
        return self.op not in NO_VALUE

    @property
    def joins(self) -> list[tuple[str, str]]:
        return [("and", _("and (both must hold)")), ("or", _("or (either may hold)")), ("replace", _("instead"))]


def _first(data: Mapping[str, list[str]], key: str, allowed: Any, default: str) -> str:
    value = (data.get(key) or [""])[0]
    return value if value in allowed else default


def builder_state(
    definition: Mapping[str, Any], *, question: str, language: str, data: Mapping[str, list[str]]
) -> Builder:
    """The logic form of ``question`` for what ``data`` chose (nothing yet: the first choices)."""
    found = next((q for q in questions_of(definition) if str(q.get("name")) == question), None)
    if found is None:
        raise NotFound(_("'%(name)s' names no question of this survey.") % {"name": question}, code="no_question")
    subjects = subjects_of(definition, exclude=question, language=language)
    target = _first(data, "target", TARGETS, "visibleIf")
    by_ref = {s.ref: s for s in subjects}
    subject = by_ref.get((data.get("ref") or [""])[0]) or (subjects[0] if subjects else None)
    op = _first(data, "op", OPERATORS, "equals")
    values = [v for v in data.get("value", []) if isinstance(v, str)]
    offered = [value for value, _label in subject.values] if subject else []
    if offered and op == "anyof":
        values = [v for v in values if v in offered]
    elif offered and (not values or values[0] not in offered):
        values = offered[:1]  # another question was picked: its first answer
    join = _first(data, "join", JOINS, "and")
    current = str(found.get(target) or "")
    expression, check = "", Check(False, _("There is no other question to compare with yet."))
    if subject is not None:
        try:
            expression = condition_join(current, condition_build(subject, op, values), join)
            check = expression_check(definition, expression)
        except DomainError as exc:
            check = Check(False, exc.detail)
    return Builder(question, target, subjects, subject, op, values, join, current, expression, check)
