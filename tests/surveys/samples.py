"""Survey definitions the tests share: a breakfast survey with a screen-out, logic, piping, a matrix
and a quota question, in English and French."""

from __future__ import annotations

import copy
from typing import Any

BREAKFAST: dict[str, Any] = {
    "title": {"default": "Breakfast", "fr": "Petit-déjeuner"},
    "pages": [
        {
            "name": "screen",
            "elements": [
                {
                    "type": "radiogroup",
                    "name": "eats",
                    "title": {"default": "Do you eat breakfast?", "fr": "Prenez-vous un petit-déjeuner ?"},
                    "isRequired": True,
                    "choices": [
                        {"value": "yes", "text": {"default": "Yes", "fr": "Oui"}},
                        {"value": "no", "text": {"default": "No", "fr": "Non"}},
                    ],
                },
                {
                    "type": "dropdown",
                    "name": "region",
                    "title": "Where do you live?",
                    "isRequired": True,
                    "choices": ["north", "south"],
                },
            ],
        },
        {
            "name": "habits",
            "elements": [
                {
                    "type": "checkbox",
                    "name": "foods",
                    "title": "What do you eat?",
                    "isRequired": True,
                    "hasOther": True,
                    "choices": ["bread", "cereal", "fruit"],
                },
                {
                    "type": "rating",
                    "name": "nps",
                    "title": "How likely are you to recommend breakfast?",
                    "rateMin": 0,
                    "rateMax": 10,
                },
                {
                    "type": "text",
                    "name": "cups",
                    "title": "How many cups of coffee a day?",
                    "inputType": "number",
                    "min": 0,
                    "max": 20,
                    "visibleIf": "{foods} notcontains 'fruit'",
                },
                {"type": "comment", "name": "why", "title": "Why {nps}?", "maxLength": 200},
            ],
        },
        {
            "name": "more",
            "visibleIf": "{nps} >= 7",
            "elements": [
                {"type": "boolean", "name": "again", "title": "Would you answer again?"},
                {
                    "type": "matrix",
                    "name": "grid",
                    "title": "Rate each",
                    "columns": ["1", "2", "3"],
                    "rows": ["taste", "price", "speed", "smell", "look"],
                },
                {"type": "html", "name": "thanks", "html": "<p>Thanks!</p>"},
            ],
        },
    ],
    "triggers": [{"type": "complete", "expression": "{eats} = 'no'"}],
}


def breakfast() -> dict[str, Any]:
    return copy.deepcopy(BREAKFAST)


def one_question(name: str = "q1") -> dict[str, Any]:
    return {
        "pages": [{"name": "p1", "elements": [{"type": "boolean", "name": name, "title": "Yes?", "isRequired": True}]}]
    }
