"""The expression evaluator against a table: each row is an expression, the answers, and what it
must give; malformed expressions must be refused with a reason, never evaluated."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from surveys.expressions import ExpressionError, evaluate, parse, references

ANSWERS: dict[str, Any] = {
    "age": 34,
    "age_text": "34",
    "name": "Ada",
    "fruit": "apple",
    "fruits": ["apple", "pear"],
    "nps": 9,
    "zero": 0,
    "agree": True,
    "blank": "",
    "none_chosen": [],
    "grid": {"taste": "good", "price": "bad"},
    "price": 2.5,
}

TABLE: list[tuple[str, Any]] = [
    # comparisons, symbols and words
    ("{age} = 34", True),
    ("{age} == 34", True),
    ("{age} equal 34", True),
    ("{age} != 34", False),
    ("{age} <> 35", True),
    ("{age} notequal 35", True),
    ("{age} < 40", True),
    ("{age} less 30", False),
    ("{age} > 18", True),
    ("{age} greater 40", False),
    ("{age} <= 34", True),
    ("{age} lessorequal 33", False),
    ("{age} >= 34", True),
    ("{age} greaterorequal 35", False),
    ("{age_text} = 34", True),  # a number typed as text equals the number
    ("{fruit} = 'apple'", True),
    ("{fruit} = 'APPLE'", True),  # SurveyJS compares text without case
    ('{fruit} = "pear"', False),
    ("{name} < 'B'", True),
    ("{agree} = true", True),
    ("{agree} = false", False),
    ("{missing} = 'x'", False),
    ("{missing} != 'x'", True),
    ("{missing} < 3", False),
    ("{missing} > 3", False),
    # and, or, not
    ("{age} > 18 and {fruit} = 'apple'", True),
    ("{age} > 18 && {fruit} = 'pear'", False),
    ("{age} < 18 or {fruit} = 'apple'", True),
    ("{age} < 18 || {fruit} = 'pear'", False),
    ("not {agree}", False),
    ("!({age} < 18)", True),
    ("not ({age} > 18 and {nps} >= 9)", False),
    ("{age} > 18 or {age} < 10 and {nps} = 0", True),  # and binds tighter than or
    ("({age} > 18 or {age} < 10) and {nps} = 0", False),
    # contains, notcontains, anyof, allof
    ("{fruits} contains 'apple'", True),
    ("{fruits} contains 'kiwi'", False),
    ("{fruits} notcontains 'kiwi'", True),
    ("{name} contains 'd'", True),
    ("{name} notcontains 'z'", True),
    ("{fruits} anyof ['kiwi', 'pear']", True),
    ("{fruits} anyof ['kiwi', 'plum']", False),
    ("{fruits} allof ['apple', 'pear']", True),
    ("{fruits} allof ['apple', 'kiwi']", False),
    ("{fruit} anyof ['apple', 'kiwi']", True),
    ("{none_chosen} anyof ['apple']", False),
    ("{missing} contains 'a'", False),
    # empty, notempty
    ("{blank} empty", True),
    ("{none_chosen} empty", True),
    ("{missing} empty", True),
    ("{name} empty", False),
    ("{name} notempty", True),
    ("{missing} notempty", False),
    ("{zero} notempty", True),  # 0 is an answer
    # arithmetic
    ("{age} + 1 = 35", True),
    ("{age} - 4", Decimal(30)),
    ("{age} * 2 > 60", True),
    ("{age} / 2", Decimal(17)),
    ("{age} % 5", Decimal(4)),
    ("{price} * 2", Decimal("5.0")),
    ("1 + 2 * 3", Decimal(7)),
    ("(1 + 2) * 3", Decimal(9)),
    ("-{age} < 0", True),
    ("{age} / {zero}", None),  # division by zero is empty, not an error
    ("{missing} + 1", Decimal(1)),
    ("{name} + ' Lovelace'", "Ada Lovelace"),
    # matrix rows
    ("{grid.taste} = 'good'", True),
    ("{grid.price} = 'good'", False),
    ("{grid.missing} empty", True),
    # literals
    ("true", True),
    ("null empty", True),
    ("[1, 2] contains 2", True),
]

MALFORMED = [
    "",
    "   ",
    "{age} =",
    "= 3",
    "{age} = = 3",
    "({age} > 3",
    "{age} > 3)",
    "{age} > 3 and",
    "{} = 1",
    "{age",
    "'unclosed",
    "{age} === 3",
    "{age} > 1 < 3",
    "eval('1')",
    "__import__('os')",
    "{age} ; drop",
    "[1, 2",
    "{age} $ 3",
    "x" * 3000,
]


@pytest.mark.parametrize(("text", "expected"), TABLE, ids=[row[0] for row in TABLE])
def test_an_expression_gives_what_the_table_says(text: str, expected: Any) -> None:
    assert evaluate(parse(text), ANSWERS) == expected


@pytest.mark.parametrize("text", MALFORMED, ids=[repr(t[:20]) for t in MALFORMED])
def test_a_malformed_expression_is_refused_with_a_reason(text: str) -> None:
    with pytest.raises(ExpressionError) as refused:
        parse(text)
    assert str(refused.value)


def test_the_table_is_at_least_sixty_cases() -> None:
    assert len(TABLE) + len(MALFORMED) >= 60


def test_references_lists_every_question_an_expression_reads() -> None:
    tree = parse("{age} > 18 and ({grid.taste} = 'good' or {fruits} anyof ['a']) and not {agree}")

    assert references(tree) == {"age", "grid.taste", "fruits", "agree"}
