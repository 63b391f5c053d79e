"""CSV in and out: a file over the limit is refused unread; exported cells never run as formulas."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from core.csvfiles import CsvRefused, csv_line_writer, csv_rows


class Unreadable(io.BytesIO):
    """An upload whose bytes must not be read: the size alone decides."""

    size = 20_000_000

    def read(self, *args: object) -> bytes:
        raise AssertionError("the file was read")


def test_a_file_over_the_limit_is_refused_before_it_is_read() -> None:
    with pytest.raises(CsvRefused) as refused:
        next(csv_rows(Unreadable()))

    assert refused.value.fields == {"file": ["Too large."]}
    assert "20.0 MB" in refused.value.detail


@override_settings(CSV_UPLOAD_MAX_BYTES=1000)
def test_the_limit_comes_from_the_settings() -> None:
    small = SimpleUploadedFile("a.csv", b"email\na@example.test\n")
    large = SimpleUploadedFile("b.csv", b"email\n" + b"a@example.test\n" * 100)

    assert list(csv_rows(small)) == [["email"], ["a@example.test"]]
    with pytest.raises(CsvRefused):
        list(csv_rows(large))


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tstarts with a tab", "'\tstarts with a tab"),
        ("\rstarts with a return", "'\rstarts with a return"),
        ("-2.50", "-2.50"),  # an amount stays a number
        ("+10", "+10"),
        ("plain text", "plain text"),
        ("a=b", "a=b"),  # only the first character matters
        (1250, "1250"),
    ],
)
def test_exported_cells_that_start_a_formula_are_neutralised(cell: object, written: str) -> None:
    line = csv_line_writer().writerow(["id", cell])

    assert next(csv.reader([line])) == ["id", written]
