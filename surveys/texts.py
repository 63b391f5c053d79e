"""The texts of a survey in each of the panel's languages, edited outside the raw JSON.

SurveyJS keeps a text that has translations as a localisable string: ``{"default": "Do you eat
breakfast?", "fr": "Prenez-vous un petit-déjeuner ?"}``. The panel's first language is ``default``; each
other language is its own key. A text with no translation stays a plain string, and a choice with no
text of its own stays its bare value, so that the JSON stays as simple as what was written.

The authoring page edits them as flat fields, ``<text>.<language>`` (``title.fr``) or, for an item of a
list, ``<list>.<index>.<language>`` (``choices.2.fr``, ``rows.0.en``). Pure: reads and changes a
question or page dict given to it; the authoring service saves the result as a draft.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from surveys.definition import choice_value

DEFAULT = "default"
MAX_TEXT = 2000
# The texts of each kind of element a respondent reads, with what the page calls them.
SCALARS: dict[str, Any] = {
    "title": gettext_lazy("Text"),
    "description": gettext_lazy("Description"),
    "otherText": gettext_lazy("“Other” option"),
    "labelTrue": gettext_lazy("Label of yes"),
    "labelFalse": gettext_lazy("Label of no"),
    "minRateDescription": gettext_lazy("Label of the lowest rating"),
    "maxRateDescription": gettext_lazy("Label of the highest rating"),
    "html": gettext_lazy("Text"),
}
LISTS: dict[str, Any] = {
    "choices": gettext_lazy("Choice"),
    "rows": gettext_lazy("Row"),
    "columns": gettext_lazy("Column"),
}


def _scalars(element: Mapping[str, Any], *, page: bool) -> list[str]:
    if page:
        return ["title", "description"]
    kind = element.get("type")
    if kind == "html":
        return ["html"]
    keys = ["title", "description"]
    if element.get("hasOther") or element.get("showOtherItem"):
        keys.append("otherText")
    if kind == "boolean":
        keys += ["labelTrue", "labelFalse"]
    if kind == "rating":
        keys += ["minRateDescription", "maxRateDescription"]
    return keys


def _lists(element: Mapping[str, Any], *, page: bool) -> list[str]:
    kind = element.get("type")
    if page:
        return []
    if kind in {"radiogroup", "dropdown", "checkbox", "ranking"}:
        return ["choices"]
    return ["rows", "columns"] if kind == "matrix" else []


def text_in(text: Any, language: str, languages: list[str]) -> str:
    """What a localisable string says in ``language`` itself (no fallback): the first language is
    ``default`` (or its own key, when the JSON has one)."""
    if isinstance(text, dict):
        if language == languages[0]:
            return str(text.get(language) or text.get(DEFAULT) or "")
        return str(text.get(language) or "")
    return "" if text is None or language != languages[0] else str(text)


def text_set(text: Any, language: str, value: str, languages: list[str], *, fallback: str = "") -> Any:
    """``text`` with ``language`` changed to ``value`` (removed when empty), kept as simple as it can be:
    a plain string when only the first language has words, None when no language has. A text written
    in other languages only keeps a ``default`` (``fallback``: nothing, or a choice's value), so that
    the first language never reads another language's words."""
    texts: dict[str, Any] = dict(text) if isinstance(text, dict) else ({DEFAULT: text} if text else {})
    keys = [DEFAULT] + ([language] if language in texts else []) if language == languages[0] else [language]
    for key in keys:
        if value:
            texts[key] = value
        else:
            texts.pop(key, None)
    if not any(texts.values()):
        return None
    if set(texts) == {DEFAULT}:
        return texts[DEFAULT]
    return texts if texts.get(DEFAULT) else {DEFAULT: fallback} | {k: v for k, v in texts.items() if k != DEFAULT}


@dataclass(frozen=True)
class TextCell:
    language: str
    name: str  # the form field
    value: str
    placeholder: str


@dataclass(frozen=True)
class TextRow:
    label: str
    cells: list[TextCell]


def text_rows(element: Mapping[str, Any], languages: list[str], *, page: bool = False) -> list[TextRow]:
    """Each text of a question (or page) with what it says in each language, as the form shows them."""
    rows = []
    for key in _scalars(element, page=page):
        cells = [TextCell(lang, f"{key}.{lang}", text_in(element.get(key), lang, languages), "") for lang in languages]
        rows.append(TextRow(str(SCALARS[key]), cells))
    for key in _lists(element, page=page):
        for index, item in enumerate(element.get(key) or []):
            value = str(choice_value(item))
            text = item.get("text") if isinstance(item, dict) else None
            cells = [
                TextCell(lang, f"{key}.{index}.{lang}", text_in(text, lang, languages), value) for lang in languages
            ]
            rows.append(TextRow(f"{LISTS[key]} “{value}”", cells))
    return rows


def _item_with_text(item: Any, language: str, value: str, languages: list[str]) -> Any:
    """A choice (row, column) with its text in ``language`` changed; back to its bare value when it has
    no text left and nothing else."""
    entry = dict(item) if isinstance(item, dict) else {"value": item}
    text = text_set(entry.get("text"), language, value, languages, fallback=str(entry["value"]))
    if text is None or text == str(entry.get("value")):
        entry.pop("text", None)
    else:
        entry["text"] = text
    return entry["value"] if set(entry) == {"value"} else entry


def texts_apply(element: dict[str, Any], texts: Mapping[str, str], languages: list[str], *, page: bool = False) -> None:
    """Write the form's ``<text>.<language>`` and ``<list>.<index>.<language>`` fields into a question
    (or page); a field it does not have, or a language the panel does not use, is refused."""
    scalars, lists = _scalars(element, page=page), _lists(element, page=page)
    problems: list[str] = []
    changes: list[tuple[str, int | None, str, str]] = []
    for field, raw in texts.items():
        parts = field.split(".")
        value = str(raw).strip()
        if parts[-1] not in languages:
            problems.append(_("%(field)s: not one of the panel's languages.") % {"field": field})
        elif len(parts) == 2 and parts[0] in scalars:
            changes.append((parts[0], None, parts[1], value))
        elif (
            len(parts) == 3
            and parts[0] in lists
            and parts[1].isdigit()
            and int(parts[1]) < len(element.get(parts[0]) or [])
        ):
            changes.append((parts[0], int(parts[1]), parts[2], value))
        else:
            problems.append(_("%(field)s: no such text here.") % {"field": field})
        if len(value) > MAX_TEXT:
            problems.append(_("%(field)s: at most %(n)s characters.") % {"field": field, "n": MAX_TEXT})
    if problems:
        raise DomainError(_("Some texts cannot be saved; see the list."), fields={"texts": problems})
    for key, index, language, value in changes:
        if index is None:
            text = text_set(element.get(key), language, value, languages)
            if text is None:
                element.pop(key, None)
            else:
                element[key] = text
        else:
            items = element[key]
            items[index] = _item_with_text(items[index], language, value, languages)
