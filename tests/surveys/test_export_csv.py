"""The CSV export is written by PostgreSQL from the same columns the other exports read in Python: every
cell of every kind of question, awkward answers included, reads the same in both, in batches, with
its progress counted and rejected responses left out unless asked for."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from surveys import exports
from surveys.exports import FIXED, _formula_safe, columns_for, csv_chunks
from surveys.models import Response
from surveys.results import pseudonym
from surveys.selectors import version_current
from tests.factories import PanelistFactory
from tests.surveys.helpers import live_survey, panel_with_surveys

pytestmark = pytest.mark.django_db

EVERY_KIND = {
    "pages": [
        {
            "name": "p1",
            "elements": [
                {"type": "radiogroup", "name": "colour", "choices": ["red", "blue"], "hasOther": True},
                {"type": "dropdown", "name": "size", "choices": [1, 2, 3]},
                {"type": "checkbox", "name": "pets", "choices": ["cat", "dog", 7], "hasOther": True},
                {"type": "boolean", "name": "happy"},
                {"type": "rating", "name": "nps", "rateMin": 0, "rateMax": 10},
                {"type": "text", "name": "age", "inputType": "number"},
                {"type": "text", "name": "note"},
                {"type": "comment", "name": "story"},
                {"type": "matrix", "name": "grid", "columns": ["1", "2"], "rows": ["a", "b"]},
                {"type": "ranking", "name": "order", "choices": ["x", "y", "z"]},
            ],
        }
    ]
}

ANSWERS = [
    {},
    {"colour": "red", "size": 2, "pets": ["cat", 7], "happy": True, "nps": 10, "age": 41, "note": "fine",
     "story": 'two\nlines, a comma and "quotes"', "grid": {"a": "1", "b": "2"}, "order": ["z", "x", "y"]},
    {"colour": "other", "colour-Comment": "=HYPERLINK(\"x\")", "pets": ["other"], "pets-Comment": "+1 fish",
     "happy": False, "nps": 0, "age": 2.5, "note": "-minus", "story": "@at", "grid": {"b": "1"}, "order": []},
    {"colour": "", "note": "", "story": "\ttab", "age": -3, "pets": [], "grid": {}, "happy": None},
    {"colour": True, "note": "ünïcödé ✓", "story": "\rcarriage", "size": 1.0, "order": ["y"]},
]  # fmt: skip


def python_rows(survey, responses):
    """The rows as the Python exports (Parquet, SPSS) read them, written by Python's csv module."""
    columns = columns_for(survey.versions.get().definition)
    out = io.StringIO()
    writer = csv.writer(out)
    for r in responses:
        cells = [column.read(r.answers) for column in columns]
        cells = [
            _formula_safe(cell) if column.kind == "text" else cell for column, cell in zip(columns, cells, strict=True)
        ]
        writer.writerow([pseudonym(survey, r.panelist_id), r.status, r.review, r.version.number,
                         r.started_at.isoformat(), r.finished_at.isoformat() if r.finished_at else None,
                         round(r.seconds, 1) if r.seconds is not None else None, *cells])  # fmt: skip
    return list(csv.reader(io.StringIO(out.getvalue())))


def exported(survey, **options):
    text = b"".join(csv_chunks(survey=survey, **options)).decode()
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def test_every_cell_of_every_kind_of_question_reads_as_the_python_exports_read_it() -> None:
    # given responses with every kind of answer, awkward ones included
    tenant = panel_with_surveys()
    survey = live_survey(tenant, EVERY_KIND)
    version = version_current(survey=survey)
    moments = [datetime(2026, 3, 1, 9, 30, tzinfo=UTC), datetime(2026, 3, 1, 9, 31, 7, 250001, tzinfo=UTC)]
    statuses = ["completed", "completed", "screened_out", "quota_full", "completed"]
    responses = []
    for n, (answers, status) in enumerate(zip(ANSWERS, statuses, strict=True)):
        finished = moments[(n + 1) % 2] if n != 3 else None
        responses.append(
            Response.objects.create(
                tenant=tenant, survey=survey, version=version, panelist=PanelistFactory(tenant=tenant), status=status,
                answers=answers, finished_at=finished, seconds=[61.3, None][n % 2],
                review=["", "approved", "held"][n % 3],
            )
        )  # fmt: skip
    Response.objects.for_tenant(tenant).filter(pk__in=[r.pk for r in responses]).update(started_at=moments[0])
    for r in responses:
        r.refresh_from_db()

    # when the CSV is exported
    header, rows = exported(survey)

    # then each row holds what the Python exports read, cell for cell
    assert header == FIXED + [column.name for column in columns_for(EVERY_KIND)]
    assert rows == python_rows(survey, responses)
    assert rows[2][header.index("colour__other_text")] == '\'=HYPERLINK("x")'
    assert rows[1][header.index("pets__7")] == "1"
    assert rows[1][header.index("story")] == 'two\nlines, a comma and "quotes"'


def test_the_rows_come_in_batches_with_their_progress_and_rejected_ones_only_when_asked(monkeypatch) -> None:
    tenant = panel_with_surveys()
    survey = live_survey(tenant, EVERY_KIND)
    version = version_current(survey=survey)
    for n in range(7):
        Response.objects.create(tenant=tenant, survey=survey, version=version, panelist=PanelistFactory(tenant=tenant),
                                status="completed" if n else "started", answers={"note": f"n{n}"},
                                review="rejected" if n == 6 else "approved")  # fmt: skip
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 2)
    told: list[int] = []

    _header, rows = exported(survey, progress=told.append)

    assert [row[FIXED.index("status")] for row in rows] == ["completed"] * 5
    assert told == [2, 4, 5]
    header, rows = exported(survey, include_rejected=True)
    assert [row[header.index("note")] for row in rows] == [f"n{n}" for n in range(1, 7)]
