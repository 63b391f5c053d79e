"""The quality checks a response meets at completion, as pure functions (thresholds per survey).

- Speeder: total time under the survey's share (default half) of the median complete, once there
  are 30 completes; or under the operator's minimum.
- Straight-lining: the same column in every row of a matrix of 5 rows or more.
- Attention checks: a question marked ``attentionCheck`` with its ``correctAnswer``; one failure
  flags the response, two reject it (Prolific's rule; the panelist may appeal to a person).
- Gibberish in open answers: an offline heuristic (no vowels, long consonant runs, one key held
  down, keyboard rows, one word repeated).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from surveys.definition import choice_value, questions_of

MEDIAN_AFTER = 30
ATTENTION_REJECT = 2


@dataclass(frozen=True)
class Verdict:
    flags: list[str] = field(default_factory=list)
    attention_failures: int = 0

    @property
    def rejected(self) -> bool:
        return self.attention_failures >= ATTENTION_REJECT

    @property
    def held(self) -> bool:
        return bool(self.flags)


def is_speeder(seconds: float, *, median: float | None, completes: int, percent: int, min_seconds: int) -> bool:
    if min_seconds and seconds < min_seconds:
        return True
    return median is not None and completes >= MEDIAN_AFTER and seconds < median * percent / 100


def straightlined(definition: Mapping[str, Any], answers: Mapping[str, Any], min_rows: int) -> list[str]:
    """The matrices of at least ``min_rows`` rows answered in one column throughout."""
    found = []
    for question in questions_of(definition):
        if question.get("type") != "matrix" or len(question.get("rows", [])) < min_rows:
            continue
        cells = answers.get(str(question.get("name")))
        rows = [str(choice_value(r)) for r in question.get("rows", [])]
        if isinstance(cells, dict) and all(r in cells for r in rows) and len({str(cells[r]) for r in rows}) == 1:
            found.append(str(question.get("name")))
    return found


def attention_failures(definition: Mapping[str, Any], answers: Mapping[str, Any]) -> list[str]:
    failed = []
    for question in questions_of(definition):
        if not question.get("attentionCheck") or "correctAnswer" not in question:
            continue
        expected, given = question["correctAnswer"], answers.get(str(question.get("name")))
        if isinstance(expected, list):
            ok = isinstance(given, list) and sorted(map(str, given)) == sorted(map(str, expected))
        else:
            ok = given is not None and str(given).lower() == str(expected).lower()
        if not ok:
            failed.append(str(question.get("name")))
    return failed


_VOWELS = re.compile(r"[aeiouyàâäéèêëïîôöùûü]", re.IGNORECASE)
_CONSONANT_RUN = re.compile(r"[bcdfghjklmnpqrstvwxz]{6,}", re.IGNORECASE)
_KEYBOARD = ("qwer", "wert", "asdf", "sdfg", "zxcv", "xcvb", "azer", "qsdf", "wxcv", "hjkl", "uiop")


def is_gibberish(text: str) -> bool:
    """A heuristic for keyboard mashing in an open answer; short answers ("ok", "no") are never flagged."""
    letters = "".join(ch for ch in text.lower() if ch.isalpha())
    if len(letters) < 8:
        return False
    if len(set(letters)) <= 2:
        return True
    if not _VOWELS.search(letters) or len(_VOWELS.findall(letters)) / len(letters) < 0.12:
        return True
    if _CONSONANT_RUN.search(text):
        return True
    if sum(letters.count(row) for row in _KEYBOARD) * 4 >= len(letters) * 0.5:
        return True
    words = text.lower().split()
    return len(words) >= 4 and len(set(words)) == 1


def open_texts(definition: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, str]:
    texts = {}
    for question in questions_of(definition):
        name = str(question.get("name"))
        if (
            question.get("type") == "comment"
            or (question.get("type") == "text" and question.get("inputType", "text") == "text")
        ) and isinstance(answers.get(name), str):
            texts[name] = answers[name]
        if isinstance(answers.get(f"{name}-Comment"), str):
            texts[f"{name}-Comment"] = answers[f"{name}-Comment"]
    return texts


def verdict(
    definition: Mapping[str, Any],
    answers: Mapping[str, Any],
    *,
    seconds: float,
    median: float | None,
    completes: int,
    percent: int = 50,
    min_seconds: int = 0,
    straightline_rows: int = 5,
) -> Verdict:
    flags = []
    if is_speeder(seconds, median=median, completes=completes, percent=percent, min_seconds=min_seconds):
        flags.append("speeder")
    flags += [f"straightlining:{name}" for name in straightlined(definition, answers, straightline_rows)]
    failed = attention_failures(definition, answers)
    flags += [f"attention:{name}" for name in failed]
    flags += [f"gibberish:{name}" for name, text in open_texts(definition, answers).items() if is_gibberish(text)]
    return Verdict(flags=flags, attention_failures=len(failed))
