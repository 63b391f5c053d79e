"""Exports of a survey's responses: one row per response, a column per question (a column per choice for
a multiple choice, per row for a matrix, per item for a ranking), with a codebook. Streamed: rows are
read from the database in chunks and written as they come, so memory stays flat however many there are.

Respondents appear only by a pseudonymous id per survey (``results.pseudonym``): never an address,
never an id that links them across surveys. Rejected responses are left out unless asked for.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
from django.db import connection
from psycopg import sql

from surveys.definition import choice_text, choice_value, questions_of, rating_values
from surveys.models import Survey
from surveys.results import _iter_rows, pseudonym_maker
from surveys.selectors import version_latest

CHOSEN = (("1", "chosen"), ("0", "not chosen"))
FIXED_LABELS = {
    "respondent": "Pseudonymous respondent id (this survey only)",
    "status": "Final status",
    "review": "Quality review",
    "version": "Survey version answered",
    "started_at": "Started (UTC)",
    "finished_at": "Finished (UTC)",
    "seconds": "Total seconds on pages",
}
FIXED = list(FIXED_LABELS)
PROGRESS_EVERY = 5000


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    kind: str  # "number" or "text"
    values: tuple[tuple[str, str], ...]  # value labels, for the codebook and SPSS
    how: str  # how the cell comes from the answer: value, chosen, yes_no, cell (of a matrix), rank
    key: str  # the answer it reads: a question's name, or "<name>-Comment"
    item: Any = None  # the choice (chosen, rank) or the matrix row (cell), as the definition has it

    def read(self, answers: Mapping[str, Any]) -> Any:
        """The cell, from a response's answers (the CSV's cells come from ``_cell_sql``, the same way)."""
        value = answers.get(self.key)
        if self.how == "value":
            return value
        if self.how == "chosen":
            return None if value is None else int(str(self.item) in map(str, value))
        if self.how == "yes_no":
            return None if value is None else int(bool(value))
        if self.how == "cell":
            return (value or {}).get(str(self.item))
        return _rank(value, str(self.item))


def _formula_safe(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula is written with a leading quote."""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return value


def columns_for(definition: dict[str, Any], language: str = "en") -> list[Column]:
    columns: list[Column] = []
    for q in questions_of(definition):
        name, kind = str(q.get("name")), q.get("type")
        title = choice_text({"value": name, "text": q.get("title")}, language)
        choices = tuple((str(choice_value(c)), choice_text(c, language)) for c in q.get("choices", []))
        if kind in {"radiogroup", "dropdown"}:
            columns.append(Column(name, title, "text", choices, "value", name))
        elif kind == "checkbox":
            for choice, (value, text) in zip([*map(choice_value, q.get("choices", [])), "other"],
                                             (*choices, ("other", "other")), strict=True):  # fmt: skip
                columns.append(Column(f"{name}__{value}", f"{title}: {text}", "number", CHOSEN, "chosen", name, choice))
        elif kind == "boolean":
            columns.append(Column(name, title, "number", (("1", "yes"), ("0", "no")), "yes_no", name))
        elif kind == "rating":
            columns.append(Column(name, title, "number", tuple((str(v), str(v)) for v in rating_values(q)), "value",
                                  name))  # fmt: skip
        elif kind == "matrix":
            cols = tuple((str(choice_value(c)), choice_text(c, language)) for c in q.get("columns", []))
            for row in q.get("rows", []):
                rv = str(choice_value(row))
                columns.append(Column(f"{name}__{rv}", f"{title}: {choice_text(row, language)}", "text", cols, "cell",
                                      name, rv))  # fmt: skip
        elif kind == "ranking":
            for value, text in choices:
                columns.append(Column(f"{name}__{value}", f"{title}: {text} (rank)", "number", (), "rank", name, value))
        elif kind in {"text", "comment"}:
            number = kind == "text" and q.get("inputType") == "number"
            columns.append(Column(name, title, "number" if number else "text", (), "value", name))
        if kind in {"radiogroup", "dropdown", "checkbox"} and (q.get("hasOther") or q.get("showOtherItem")):
            columns.append(Column(f"{name}__other_text", f"{title}: other", "text", (), "value", f"{name}-Comment"))
    return columns


def _rank(value: Any, item: str) -> int | None:
    if not isinstance(value, list):
        return None
    names = [str(v) for v in value]
    return names.index(item) + 1 if item in names else None


Progress = Callable[[int], None] | None  # told the number of rows read so far, every few thousand


def _records(survey: Survey, columns: list[Column], include_rejected: bool, progress: Progress = None
             ) -> Iterator[list[Any]]:  # fmt: skip
    keyed = pseudonym_maker(survey)
    for n, (panelist_id, status, review, version, started, finished, seconds, answers) in enumerate(
        _iter_rows(survey, include_rejected), start=1
    ):
        if progress is not None and n % PROGRESS_EVERY == 0:
            progress(n)
        yield [
            keyed(panelist_id), status, review, version, started.isoformat(),
            finished.isoformat() if finished else None, round(seconds, 1) if seconds is not None else None,
            *(column.read(answers or {}) for column in columns),
        ]  # fmt: skip


def csv_chunks(*, survey: Survey, include_rejected: bool = False, language: str = "en", progress: Progress = None
               ) -> Iterator[bytes]:  # fmt: skip
    """The CSV, a few thousand rows per chunk. PostgreSQL writes the rows (``COPY ... TO STDOUT``),
    each cell computed from the answers in SQL as ``Column.read`` computes it (``_cell_sql``): no row
    is decoded, built or quoted in Python. Batches of PROGRESS_EVERY responses by id, each copied
    whole before it is handed on, so that memory stays flat and the connection is free for the
    progress updates between them."""
    columns = columns_for(version_latest(survey=survey).definition, language)
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(FIXED + [c.name for c in columns])
    yield header.getvalue().encode()
    where = "r.tenant_id = {} AND r.survey_id = {} AND r.status IN ('completed', 'screened_out', 'quota_full')"
    where += "" if include_rejected else " AND r.review <> 'rejected'"
    done = last = 0
    with connection.cursor() as cursor:
        literal = _literals(cursor.connection)
        cells = ", ".join([*_fixed_sql(survey, literal), *(_cell_sql(column, literal) for column in columns)])
        responses = where.format(literal(survey.tenant_id), literal(survey.pk))
        while True:
            cursor.execute(
                f"SELECT max(id), count(*) FROM (SELECT r.id FROM surveys_response r WHERE {responses}"  # noqa: S608 (literals quoted by the driver)
                f" AND r.id > {literal(last)} ORDER BY r.id LIMIT {PROGRESS_EVERY}) batch"
            )
            high, rows = cursor.fetchone()
            if not rows:
                return
            chunk = bytearray()
            with cursor.copy(
                f"COPY (SELECT {cells} FROM surveys_response r JOIN surveys_surveyversion v ON v.id = r.version_id"  # noqa: S608
                f" WHERE {responses} AND r.id > {literal(last)} AND r.id <= {literal(high)} ORDER BY r.id)"
                " TO STDOUT (FORMAT csv)"
            ) as copy:
                for data in copy:
                    chunk += data
            done, last = done + rows, high
            if progress is not None:
                progress(done)
            yield bytes(chunk)


def _literals(raw: Any) -> Callable[[Any], str]:
    """Values as SQL literals, quoted by the driver (a COPY statement takes no bound parameters)."""
    return lambda value: sql.Literal(value).as_string(raw)


def _fixed_sql(survey: Survey, literal: Callable[[Any], str]) -> list[str]:
    # the respondent's pseudonym (``results.pseudonym``): HMAC-SHA256 of the panelist's id under the
    # survey's secret, spelled with PostgreSQL's sha256 and the key's outer and inner pads
    key = survey.secret.encode()
    key = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
    outer, inner = literal(bytes(b ^ 0x5C for b in key)), literal(bytes(b ^ 0x36 for b in key))
    return [
        f"'r_' || left(encode(sha256({outer} || sha256({inner} || convert_to(r.panelist_id::text, 'UTF8'))),"
        " 'hex'), 16)",
        "r.status",
        "NULLIF(r.review, '')",
        "v.number",
        _iso_sql("r.started_at"),
        _iso_sql("r.finished_at"),
        # a tie (exactly x.x5 seconds) rounds away from zero here and to even in Python's round()
        "round(r.seconds::numeric, 1)",
    ]


def _iso_sql(column: str) -> str:
    # datetime.isoformat() of the UTC time: microseconds only when there are some
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN date_part('microseconds', {utc})::bigint"
        f" % 1000000 <> 0 THEN to_char({utc}, '.US') ELSE '' END || '+00:00'"
    )


def _cell_sql(column: Column, literal: Callable[[Any], str]) -> str:
    """``column.read`` in SQL, written as Python's csv module writes what it returns."""
    container, key = "r.answers", literal(column.key)
    if column.how == "cell":  # a matrix's row (no row of anything but an object)
        container, key = f"(r.answers -> {key})", literal(str(column.item))
    answer = f"({container} -> {key})"
    if column.how == "chosen":  # the choice as the definition types it, as the answers store it
        choice = literal(json.dumps([column.item]))
        return f"CASE jsonb_typeof({answer}) WHEN 'null' THEN NULL ELSE ({answer} @> {choice})::int END"
    if column.how == "yes_no":  # Python's truth of the value
        return (
            f"CASE jsonb_typeof({answer}) WHEN 'boolean' THEN ({answer} = 'true')::int"
            f" WHEN 'number' THEN ({answer} <> '0')::int WHEN 'string' THEN ({answer} <> '\"\"')::int"
            f" WHEN 'array' THEN ({answer} <> '[]')::int WHEN 'object' THEN ({answer} <> '{{}}')::int END"
        )
    if column.how == "rank":
        return (
            f"CASE jsonb_typeof({answer}) WHEN 'array' THEN (SELECT min(o) FROM jsonb_array_elements_text({answer})"  # noqa: S608
            f" WITH ORDINALITY e(x, o) WHERE x = {literal(str(column.item))}) END"
        )
    # a JSON number as its digits, a boolean as True or False, an empty text as nothing; in a text
    # column, a text that a spreadsheet would run as a formula with a leading quote (``_formula_safe``)
    value, text = f"({container} ->> {key})", f"NULLIF({container} ->> {key}, '')"
    if column.kind == "text":
        starts = ", ".join(["'='", "'+'", "'-'", "'@'", "E'\\t'", "E'\\r'"])
        text = f"CASE WHEN left({text}, 1) IN ({starts}) THEN '''' || {text} ELSE {text} END"
    return (
        f"CASE jsonb_typeof({answer}) WHEN 'string' THEN {text} WHEN 'boolean' THEN initcap({value}) ELSE {value} END"
    )


def codebook_chunks(*, survey: Survey, language: str = "en") -> Iterator[bytes]:
    """One row per variable and value: what each column means and what its codes stand for."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["variable", "label", "type", "value", "value_label"])
    for name, label in FIXED_LABELS.items():
        writer.writerow([name, label, "text", "", ""])
    for column in columns_for(version_latest(survey=survey).definition, language):
        writer.writerow([column.name, _formula_safe(column.label), column.kind, "", ""])
        for value, text in column.values:
            writer.writerow([column.name, "", "", value, _formula_safe(text)])
    yield buffer.getvalue().encode()


def parquet_write(*, survey: Survey, sink: Any, include_rejected: bool = False, batch: int = 5000,
                  progress: Progress = None) -> int:  # fmt: skip
    """Parquet, written a batch at a time; returns the number of rows."""
    columns = columns_for(version_latest(survey=survey).definition)
    schema = pa.schema(
        [pa.field(name, pa.float64() if name in {"version", "seconds"} else pa.string()) for name in FIXED]
        + [pa.field(c.name, pa.float64() if c.kind == "number" else pa.string()) for c in columns]
    )
    names = FIXED + [c.name for c in columns]
    numeric = {name for name in names if schema.field(name).type == pa.float64()}
    written = 0
    with pq.ParquetWriter(sink, schema) as writer:
        chunk: list[list[Any]] = []
        for record in _records(survey, columns, include_rejected, progress):
            chunk.append(record)
            if len(chunk) >= batch:
                writer.write_table(_table(chunk, names, numeric, schema))
                written += len(chunk)
                chunk = []
        if chunk:
            writer.write_table(_table(chunk, names, numeric, schema))
            written += len(chunk)
    return written


def _table(chunk: list[list[Any]], names: list[str], numeric: set[str], schema: pa.Schema) -> pa.Table:
    data = {}
    for i, name in enumerate(names):
        cells = [row[i] for row in chunk]
        data[name] = [_float(v) for v in cells] if name in numeric else [None if v is None else str(v) for v in cells]
    return pa.table(data, schema=schema)


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def definition_json(*, survey: Survey) -> bytes:
    return json.dumps(version_latest(survey=survey).definition, indent=2, ensure_ascii=False).encode()


# -- SPSS ------------------------------------------------------------------------------------------------

SPSS_RESERVED = {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}


def spss_name(name: str, taken: set[str]) -> str:
    """A valid SPSS variable name (a letter first, then letters, digits, ``_`` or ``.``; 64 bytes at most;
    unique whatever the case), as close to the column's name as it can be."""
    clean = "".join(c if c.isascii() and (c.isalnum() or c in "_.") else "_" for c in name).rstrip(".")
    if not clean or not clean[0].isalpha() or clean.upper() in SPSS_RESERVED:
        clean = "v_" + clean
    clean, candidate, n = clean[:60], clean[:60], 1
    while candidate.upper() in taken:
        n += 1
        candidate = f"{clean}_{n}"
    taken.add(candidate.upper())
    return candidate


def _codes(column: Column) -> dict[str, int] | None:
    """A labelled text column (a single choice, a matrix row) is coded as numbers: the choice's own value
    when every value is a whole number, its position (from 1) otherwise."""
    if column.kind != "text" or not column.values:
        return None
    values = [value for value, _text in column.values]
    if all(value.lstrip("-").isdigit() for value in values):
        return {value: int(value) for value in values}
    return {value: index for index, value in enumerate(values, start=1)}


def sav_write(*, survey: Survey, path: str, include_rejected: bool = False, language: str = "en",
              progress: Progress = None) -> int:  # fmt: skip
    """An SPSS ``.sav`` file with a variable label per column and value labels for every coded answer.

    pyreadstat writes a whole data frame at once, so the rows are gathered column by column (numbers
    as floats, texts as strings) rather than as Python rows; large exports go to a worker. Returns the
    number of rows."""
    import pandas as pd  # type: ignore[import-untyped]
    import pyreadstat

    columns = columns_for(version_latest(survey=survey).definition, language)
    taken: set[str] = set()
    names = [spss_name(name, taken) for name in FIXED] + [spss_name(c.name, taken) for c in columns]
    codes = [None] * len(FIXED) + [_codes(c) for c in columns]
    numeric = [name in {"version", "seconds"} for name in FIXED] + [c.kind == "number" for c in columns]
    labels: dict[str, dict[int | float, str]] = {}
    for name, column, mapping in zip(names[len(FIXED) :], columns, codes[len(FIXED) :], strict=True):
        if mapping is not None:
            labels[name] = {mapping[value]: text for value, text in column.values}
        elif column.values and column.kind == "number":
            labels[name] = {int(value): text for value, text in column.values if value.lstrip("-").isdigit()}
    data: list[list[Any]] = [[] for _name in names]
    rows = 0
    for record in _records(survey, columns, include_rejected, progress):
        for i, value in enumerate(record):
            mapping = codes[i]
            if value is None:
                data[i].append(None)
            elif mapping is not None:
                text = str(value)
                if text not in mapping:  # an answer outside the list ("other"): a code of its own
                    mapping[text] = max(mapping.values(), default=0) + 1
                    labels[names[i]][mapping[text]] = text
                data[i].append(mapping[text])
            elif numeric[i]:
                data[i].append(_float(value))
            else:
                data[i].append(str(value))
        rows += 1
    frame = pd.DataFrame(
        {
            name: pd.Series(cells, dtype="float64" if codes[i] is not None or numeric[i] else "object")
            for i, (name, cells) in enumerate(zip(names, data, strict=True))
        }
    )
    pyreadstat.write_sav(
        frame,
        path,
        file_label=survey.title[:64],
        column_labels=dict(zip(names, [*FIXED_LABELS.values(), *(c.label[:250] for c in columns)], strict=True)),
        variable_value_labels=labels,
        variable_measure=dict.fromkeys(labels, "nominal"),
    )
    return rows
