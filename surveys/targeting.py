"""Targeting: the filters that say which panelists a survey is sent to, checked and matched.

A panelist is eligible when they are active in the panel, their consent to ``surveys`` is active on its
current major version (``surveys.selectors.eligible_panelists``), and their profile matches every filter.

**The profile is the screening answers.** A panelist's attributes are the answers they gave to the
panel's screening questions when they joined from the waitlist (``panel.WaitlistEntry.answers``,
reached through the invitation they accepted). The panelist row itself holds no attribute, and we keep
it so: the date of birth asked at onboarding is only checked against the panel's minimum age and not
kept, so the panel holds nothing about a person beyond what its operator chose to ask as a screening
question, under the waitlist's consent. Hence:

- every screening question is a filter: any of its choices, or a number range;
- the **age band** is computed from the year of birth (the screening question keyed ``birth_year``):
  the age reached this year, in the panel's time zone. A panel that asks the age itself (a question
  keyed ``age``) is filtered on that answer instead;
- a **region** (or a country, or any other attribute) is a screening choice question;
- a panelist who has no answer to a filtered question (one who joined by a direct invitation, not from
  the waitlist) does not match it.

Filters combine: every filter must match (and); within one filter any of its values may (or). They are
written ``{key: [value, ...]}``, a value being a choice, a number, or a range ``low..high`` (either end
may be left open: ``55..``), in the API, in the console's form and in each wave's record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.translation import gettext as _

from core.errors import DomainError
from panel.models import ScreeningQuestion

AGE = "age"
BIRTH_YEAR = "birth_year"
CHOICE, NUMBER = ScreeningQuestion.Kind.CHOICE.value, ScreeningQuestion.Kind.NUMBER.value
_NUMBER = re.compile(r"-?\d{1,9}")
MAX_VALUES = 200


class FormData(Protocol):
    def get(self, key: str, default: Any = ...) -> Any: ...
    def getlist(self, key: str) -> list[Any]: ...


@dataclass(frozen=True)
class TargetField:
    """One attribute panelists can be filtered on, as the console offers it."""

    key: str
    label: str
    kind: str  # "choice" or "number"
    choices: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    minimum: int | None = None
    maximum: int | None = None


def target_fields(questions: list[ScreeningQuestion], language: str) -> list[TargetField]:
    """What a panel can filter on: the age (when it asks the year of birth), then each screening question."""
    keys = {question.key for question in questions}
    fields = []
    if BIRTH_YEAR in keys and AGE not in keys:
        fields.append(TargetField(AGE, _("Age (from the year of birth)"), NUMBER, minimum=0, maximum=130))
    for question in questions:
        is_choice = question.kind == CHOICE
        fields.append(
            TargetField(
                key=question.key,
                label=question.label_in(language),
                kind=CHOICE if is_choice else NUMBER,
                choices=question.choices_in(language) if is_choice else [],
                minimum=question.minimum,
                maximum=question.maximum,
            )
        )
    return fields


def _range(value: str) -> tuple[str, str] | None:
    """``low..high``, ``low..``, ``..high`` or one number as (low, high); None when it is not one."""
    low, dots, high = value.partition("..")
    if not dots:
        low = high = value
    if (low and not _NUMBER.fullmatch(low)) or (high and not _NUMBER.fullmatch(high)) or not (low or high):
        return None
    if low and high and int(low) > int(high):
        return None
    return low, high


def filters_clean(raw: Any, fields: list[TargetField]) -> dict[str, list[str]]:
    """The filters as ``{key: [value, ...]}``, each key a field of the panel and each value one of its
    choices or a number range; anything else is refused with the list of what and where."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise DomainError(_("Send the filters as an object of lists."), fields={"filters": [_("A JSON object.")]})
    by_key = {f.key: f for f in fields}
    problems: list[str] = []
    clean: dict[str, list[str]] = {}
    for key, values in raw.items():
        target = by_key.get(str(key))
        if target is None:
            known = ", ".join(by_key) or _("none: the panel asks no screening question")
            problems.append(_("“%(key)s” is not something panelists can be filtered on (%(known)s).")
                            % {"key": key, "known": known})  # fmt: skip
            continue
        values = values if isinstance(values, list) else [values]
        texts = [str(v).strip() for v in values if isinstance(v, str | int) and not isinstance(v, bool)]
        if len(texts) != len(values) or len(texts) > MAX_VALUES:
            problems.append(_("%(key)s: give a list of values.") % {"key": key})
            continue
        texts = [text for text in texts if text]
        if target.kind == CHOICE:
            allowed = {value for value, _label in target.choices}
            wrong = [text for text in texts if text not in allowed]
            if wrong:
                problems.append(_("%(key)s: “%(value)s” is not one of its answers (%(allowed)s).")
                                % {"key": key, "value": wrong[0], "allowed": ", ".join(sorted(allowed))})  # fmt: skip
                continue
        else:
            wrong = [text for text in texts if _range(text) is None]
            if wrong:
                problems.append(_("%(key)s: “%(value)s” is not a number or a range like 18..34.")
                                % {"key": key, "value": wrong[0]})  # fmt: skip
                continue
        if texts:
            clean[target.key] = texts
    if problems:
        raise DomainError(_("Some filters cannot be used; see the list."), fields={"filters": problems})
    return clean


def filters_from_form(data: FormData, fields: list[TargetField]) -> dict[str, list[str]]:
    """The console's targeting form as filters: ``f_<key>`` ticked for a choice (several may be),
    ``f_<key>_min`` and ``f_<key>_max`` for a number; what is left empty does not filter."""
    raw: dict[str, list[str]] = {}
    for target in fields:
        if target.kind == CHOICE:
            ticked = [str(v) for v in data.getlist(f"f_{target.key}") if str(v)]
            if ticked:
                raw[target.key] = ticked
            continue
        low = str(data.get(f"f_{target.key}_min", "") or "").strip()
        high = str(data.get(f"f_{target.key}_max", "") or "").strip()
        if low or high:
            raw[target.key] = [f"{low}..{high}"]
    return filters_clean(raw, fields)


def _number(answer: Any) -> int | None:
    if isinstance(answer, bool):
        return None
    try:
        return int(answer)
    except (TypeError, ValueError):
        return None


def answers_match(answers: Mapping[str, Any], filters: Mapping[str, list[str]], *, year: int) -> bool:
    """Whether one panelist's screening answers pass every filter; ``year`` is this year, for the age."""
    for key, accepted in filters.items():
        answer = answers.get(key)
        if key == AGE and answer is None and _number(answers.get(BIRTH_YEAR)) is not None:
            answer = year - int(answers[BIRTH_YEAR])
        if answer is None:
            return False
        number = _number(answer)
        ok = False
        for value in accepted:
            bounds = _range(value) if ".." in value else None
            ok = str(answer) == value or (
                bounds is not None
                and number is not None
                and (not bounds[0] or number >= int(bounds[0]))
                and (not bounds[1] or number <= int(bounds[1]))
            )
            if ok:
                break
        if not ok:
            return False
    return True


def _words(value: str, labels: Mapping[str, str]) -> str:
    bounds = _range(value) if ".." in value else None
    if value in labels or bounds is None:
        return labels.get(value, value)
    low, high = bounds
    if low and high:
        return _("%(low)s to %(high)s") % {"low": low, "high": high}
    return _("%(low)s or more") % {"low": low} if low else _("up to %(high)s") % {"high": high}


def filters_describe(filters: Mapping[str, list[str]], fields: list[TargetField]) -> str:
    """The filters in words, for the waves' table: ``Age: 25 to 54 · Region: North, South``."""
    by_key = {f.key: f for f in fields}
    parts = []
    for key, values in filters.items():
        target = by_key.get(key)
        labels = dict(target.choices) if target else {}
        parts.append(f"{target.label if target else key}: {', '.join(_words(v, labels) for v in values)}")
    return " · ".join(parts)
