"""The results of a survey, read in SQL over the responses' JSON answers (one grouped query per chart,
so a chart over 100,000 responses is one index scan and a hash aggregate, never a Python loop).

By default only completed responses count, and rejected ones are left out. A filter keeps the
responses whose answer to one question is (or, for a multiple choice, contains) one value.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.db.models.fields.json import KT

from surveys.definition import choice_text, choice_value, questions_of, rating_values
from surveys.models import QuotaCell, Response, Survey
from surveys.selectors import version_latest

CHOICE_TYPES = {"radiogroup", "dropdown", "boolean", "rating"}


def pseudonym(survey: Survey, panelist_id: int) -> str:
    """A respondent's id in this survey's results: the same person has another id in every survey."""
    return pseudonym_maker(survey)(panelist_id)


def pseudonym_maker(survey: Survey) -> Callable[[int], str]:
    """``pseudonym`` for many respondents of one survey: the key is set up once, copied per respondent."""
    keyed = hmac.new(survey.secret.encode(), digestmod=hashlib.sha256)

    def make(panelist_id: int) -> str:
        mac = keyed.copy()
        mac.update(str(panelist_id).encode())
        return "r_" + mac.hexdigest()[:16]

    return make


def responses_for_results(survey: Survey, *, filter_question: str = "", filter_value: str = "",
                          include_rejected: bool = False) -> Any:  # fmt: skip
    rows = Response.objects.filter(survey=survey, status=Response.Status.COMPLETED)
    if not include_rejected:
        rows = rows.exclude(review=Response.Review.REJECTED)
    if filter_question and filter_value:
        variants: list[Any] = [filter_value]
        if filter_value.lstrip("-").isdigit():
            variants.append(int(filter_value))
        if filter_value in {"true", "false"}:
            variants.append(filter_value == "true")
        match = Q()
        for value in variants:
            match |= Q(answers__contains={filter_question: value}) | Q(answers__contains={filter_question: [value]})
        rows = rows.filter(match)
    return rows


@dataclass
class Chart:
    name: str
    title: str
    kind: str  # bars, histogram, heatmap, text
    bars: list[tuple[str, int, int]] = field(default_factory=list)  # label, count, percent of the largest
    rows: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    cells: list[list[tuple[int, str]]] = field(default_factory=list)  # count, opacity "0.05" to "1.00"
    answered: int = 0


def _bars(counts: dict[str, int], labels: list[tuple[str, str]]) -> list[tuple[str, int, int]]:
    top = max(counts.values(), default=0) or 1
    known = [(text, counts.get(value, 0)) for value, text in labels]
    extra = [(value, n) for value, n in counts.items() if value not in {v for v, _t in labels}]
    return [(text, n, round(100 * n / top)) for text, n in known + extra]


def chart_for(question: dict[str, Any], rows: Any, language: str) -> Chart | None:
    name, kind = str(question.get("name")), question.get("type")
    title = choice_text({"text": question.get("title"), "value": name}, language)
    if kind in CHOICE_TYPES:
        counts = {
            str(v): n
            for v, n in rows.annotate(v=KT(f"answers__{name}")).values_list("v").annotate(n=Count("pk"))
            if v is not None
        }
        if kind == "rating":
            labels = [(str(v), str(v)) for v in rating_values(question)]
            return Chart(name, title, "histogram", _bars(counts, labels), answered=sum(counts.values()))
        if kind == "boolean":
            labels = [("true", "true"), ("false", "false")]
        else:
            labels = [(str(choice_value(c)), choice_text(c, language)) for c in question.get("choices", [])]
        return Chart(name, title, "bars", _bars(counts, labels), answered=sum(counts.values()))
    if kind in {"checkbox", "ranking"}:
        counts = {}
        for value in [str(choice_value(c)) for c in question.get("choices", [])] + (
            ["other"] if kind == "checkbox" else []
        ):
            target = rows.filter(answers__contains={name: [value]})
            if kind == "ranking":  # how often each item was ranked first
                target = rows.annotate(first=KT(f"answers__{name}__0")).filter(first=value)
            counts[value] = target.count()
        labels = [(str(choice_value(c)), choice_text(c, language)) for c in question.get("choices", [])]
        return Chart(name, title, "bars", _bars(counts, labels), answered=rows.filter(answers__has_key=name).count())
    if kind == "matrix":
        row_values = [str(choice_value(r)) for r in question.get("rows", [])]
        col_values = [str(choice_value(c)) for c in question.get("columns", [])]
        grid = []
        for row in row_values:
            counts = dict(rows.annotate(v=KT(f"answers__{name}__{row}")).values_list("v").annotate(n=Count("pk")))
            grid.append([counts.get(col, 0) for col in col_values])
        top = max((n for line in grid for n in line), default=0) or 1
        return Chart(
            name, title, "heatmap",
            rows=[choice_text(r, language) for r in question.get("rows", [])],
            columns=[choice_text(c, language) for c in question.get("columns", [])],
            cells=[[(n, f"{max(n / top, 0.05):.2f}") for n in line] for line in grid],
            answered=rows.filter(answers__has_key=name).count(),
        )  # fmt: skip
    if kind == "text" and question.get("inputType") == "number":
        values = [
            float(v) for v in rows.annotate(v=KT(f"answers__{name}")).values_list("v", flat=True) if v is not None
        ]
        if not values:
            return Chart(name, title, "histogram")
        low, high = min(values), max(values)
        width = (high - low) / 10 or 1
        buckets: dict[str, int] = {}
        labels = []
        for i in range(10 if high > low else 1):
            label = f"{low + i * width:g} to {low + (i + 1) * width:g}"
            labels.append((label, label))
            buckets[label] = sum(
                1 for v in values if low + i * width <= v < low + (i + 1) * width or (i == 9 and v == high)
            )
        return Chart(name, title, "histogram", _bars(buckets, labels), answered=len(values))
    if kind in {"text", "comment"}:
        return Chart(name, title, "text", answered=rows.filter(answers__has_key=name).count())
    return None


@dataclass
class Results:
    statuses: dict[str, int]
    quotas: list[QuotaCell]
    charts: list[Chart]
    total: int


def results_get(*, survey: Survey, language: str, filter_question: str = "", filter_value: str = "",
                include_rejected: bool = False) -> Results:  # fmt: skip
    rows = responses_for_results(survey, filter_question=filter_question, filter_value=filter_value,
                                 include_rejected=include_rejected)  # fmt: skip
    definition = version_latest(survey=survey).definition
    statuses = dict(Response.objects.filter(survey=survey).values_list("status").annotate(n=Count("pk")))
    charts = [chart for q in questions_of(definition) if (chart := chart_for(q, rows, language)) is not None]
    return Results(statuses, list(QuotaCell.objects.filter(survey=survey).order_by("pk")), charts, rows.count())


@dataclass
class CrossTab:
    column_labels: list[str]
    table: list[tuple[str, list[tuple[int, int]]]]  # row label, (count, column percent) per column
    column_totals: list[int]


def crosstab_get(*, survey: Survey, row: str, column: str, include_rejected: bool = False) -> CrossTab | None:
    """Counts and column percentages of two single-answer questions."""
    questions = {str(q.get("name")): q for q in questions_of(version_latest(survey=survey).definition)}
    if row not in questions or column not in questions:
        return None
    rows = responses_for_results(survey, include_rejected=include_rejected)
    pairs = (
        rows.annotate(a=KT(f"answers__{row}"), b=KT(f"answers__{column}")).values_list("a", "b").annotate(n=Count("pk"))
    )
    counts = {(a, b): n for a, b, n in pairs if a is not None and b is not None}

    def values(name: str) -> list[str]:
        question = questions[name]
        if question.get("type") == "rating":
            return [str(v) for v in rating_values(question)]
        if question.get("type") == "boolean":
            return ["true", "false"]
        return [str(choice_value(c)) for c in question.get("choices", [])] or sorted({str(k) for k in counts})

    row_values, column_values = values(row), values(column)
    totals = [sum(counts.get((r, c), 0) for r in row_values) for c in column_values]
    cells = [
        [(counts.get((r, c), 0), round(100 * counts.get((r, c), 0) / totals[j]) if totals[j] else 0)
         for j, c in enumerate(column_values)]
        for r in row_values
    ]  # fmt: skip
    return CrossTab(column_values, list(zip(row_values, cells, strict=True)), totals)


def _exported(survey: Survey, include_rejected: bool) -> Any:
    """The responses an export holds: every finished one, rejected ones only when asked for."""
    rows = Response.objects.filter(survey=survey, status__in=["completed", "screened_out", "quota_full"])
    return rows if include_rejected else rows.exclude(review=Response.Review.REJECTED)


def export_row_count(*, survey: Survey, include_rejected: bool = False) -> int:
    return int(_exported(survey, include_rejected).count())


def _iter_rows(survey: Survey, include_rejected: bool) -> Iterator[tuple[Any, ...]]:
    rows = _exported(survey, include_rejected)
    fields = ("panelist_id", "status", "review", "version__number", "started_at", "finished_at", "seconds", "answers")
    yield from rows.order_by("pk").values_list(*fields).iterator(chunk_size=5000)
