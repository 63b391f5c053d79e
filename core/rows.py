"""Model rows read by hand-written SQL, for the few hot paths where compiling an ORM query costs more
than running it (a device's upload, the consent gate in front of it).

``columns(Model, "alias")`` lists a model's concrete columns in a fixed order; ``instance(Model, row,
start)`` builds the model from those columns of a cursor row, through each field's own converters, as
the ORM would."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


@cache
def _fields(model: type[models.Model]) -> tuple[tuple[str, str, tuple[Any, ...]], ...]:
    return tuple(
        (field.attname, str(field.column), tuple(field.get_db_converters(connection)))
        for field in model._meta.concrete_fields
    )


def columns(model: type[models.Model], alias: str) -> str:
    """``alias."col", ...`` for every concrete field of ``model``, in the order ``instance`` reads."""
    return ", ".join(f'{alias}."{column}"' for _name, column, _conv in _fields(model))


def width(model: type[models.Model]) -> int:
    return len(_fields(model))


def instance(model: type[M], row: Sequence[Any], start: int = 0) -> M:
    """The model of ``row[start:start + width(model)]``, as loaded from the database."""
    fields = _fields(model)
    values = []
    for offset, (_name, _column, converters) in enumerate(fields):
        value = row[start + offset]
        for converter in converters:
            value = converter(value, None, connection)
        values.append(value)
    return model.from_db(connection.alias, [name for name, _column, _conv in fields], values)
