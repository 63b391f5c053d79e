"""CSV files in and out, the same way everywhere.

In: an uploaded file over ``CSV_UPLOAD_MAX_BYTES`` is refused before a byte of it is read; a smaller
one is decoded and parsed as a stream, so a broken file is refused (with the line at fault) without
being held in memory; an import is all or nothing, and names its bad lines.
Out: ``csv_line_writer`` yields each line as text, for streamed responses. A cell that a spreadsheet
would run as a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is
written with a leading apostrophe, so that opening an export cannot run what a panelist or an operator
typed; plain numbers (``-2.50``) are left as they are, so amounts stay numbers.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterable, Iterator
from typing import IO

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from core.errors import DomainError

MAX_ROWS = 50_000  # the most data rows an import reads
MAX_REPORTED = 100  # the most bad lines an import names


class CsvRefused(DomainError):
    code = "csv_invalid"
    status_code = 400


def csv_lines(upload: IO[bytes]) -> Iterator[str]:
    # Decode incrementally: the first bad byte stops the import with its line, nothing is buffered.
    reader = codecs.getreader("utf-8-sig")(upload, "strict")
    line = 0
    try:
        for text in reader:
            line += 1
            yield text
    except UnicodeDecodeError:
        raise CsvRefused(
            _("The file is not UTF-8 text (at line %(line)s). Save it as CSV UTF-8 and try again.")
            % {"line": line + 1},
            fields={"file": [_("Not UTF-8.")]},
        ) from None


def csv_rows(upload: IO[bytes]) -> Iterator[list[str]]:
    """The rows of an uploaded CSV; a file too large, or one the csv module cannot read, is refused,
    never a 500."""
    size = getattr(upload, "size", None)
    limit = settings.CSV_UPLOAD_MAX_BYTES
    if size is not None and size > limit:
        raise CsvRefused(
            _("The file is %(size).1f MB; a CSV file may be %(limit).1f MB at most: split it.")
            % {"size": size / 1e6, "limit": limit / 1e6},
            fields={"file": [_("Too large.")]},
        )
    try:
        yield from csv.reader(csv_lines(upload))
    except csv.Error as exc:
        raise CsvRefused(
            _("The file is not a readable CSV file: %(reason)s.") % {"reason": exc}, fields={"file": [_("Not CSV.")]}
        ) from None


def csv_header(rows: Iterator[list[str]], needed: list[str]) -> dict[str, int]:
    """Read the header line: the column index of each name. Refused when a needed column is missing."""
    header = [h.strip().lower() for h in next(rows, None) or []]
    missing = [name for name in needed if name not in header]
    if missing:
        raise CsvRefused(
            _("The first line must name the columns %(needed)s; missing: %(missing)s.")
            % {"needed": ", ".join(repr(n) for n in needed), "missing": ", ".join(repr(n) for n in missing)},
            fields={"file": [_("No '%(name)s' column.") % {"name": name} for name in missing]},
        )
    return {name: header.index(name) for name in header}


def csv_cell(row: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return row[index].strip() if index is not None and index < len(row) else ""


def csv_too_many() -> CsvRefused:
    return CsvRefused(
        _("The file has more than %(n)s rows: split it.") % {"n": number_format(MAX_ROWS, force_grouping=True)},
        fields={"file": [_("Too many rows.")]},
    )


def csv_refuse_if(problems: dict[str, list[str]]) -> None:
    """All or nothing: any bad line refuses the whole file, naming (up to ``MAX_REPORTED``) lines."""
    if problems:
        raise CsvRefused(_("Nothing was imported: %(n)s line(s) need fixing.") % {"n": len(problems)}, fields=problems)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[-+]?[0-9]+(\.[0-9]+)?")


def csv_cell_safe(value: object) -> object:
    """A cell as a spreadsheet can open it safely: text that would start a formula gets a leading
    apostrophe (OWASP's advice on CSV injection); numbers and plain text are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


class _SafeWriter:
    def __init__(self) -> None:
        self._writer = csv.writer(_Echo())

    def writerow(self, row: Iterable[object]) -> str:
        return str(self._writer.writerow([csv_cell_safe(cell) for cell in row]))


def csv_line_writer() -> _SafeWriter:
    """A CSV writer whose ``writerow`` returns the line (with formula-safe cells), for streamed responses."""
    return _SafeWriter()
