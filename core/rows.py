"""Model rows read by hand-written SQL, for the few hot paths where compiling an ORM query costs more
than running it (a device's upload, the consent gate in front of it, a survey page's submit).

``columns(Model, "alias")`` lists a model's concrete columns in a fixed order; ``instance(Model, row,
start)`` builds the model from those columns of a cursor row, through each field's own converters, as
the ORM would. ``prepared_cursor()`` runs such statements as prepared statements, planned once per
connection."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any, TypeVar

import psycopg
from django.db import connection, models
from django.db.backends.utils import CursorWrapper

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


# PostgreSQL plans a statement each time it runs, unless it is prepared: for a hot statement of a few
# index lookups, planning is most of its cost (a survey page's lock and read: 1.0 ms of server CPU
# planned each time, 0.25 ms prepared). Django turns psycopg's preparation off and binds parameters
# on the client, so that connection poolers in transaction mode keep working; these cursors bind on
# the server and prepare a statement once it ran PREPARE_AFTER times on a connection (a pooler must
# then be one that tracks prepared statements, as PgBouncer does from 1.21). Parameters are sent with
# types: a value PostgreSQL cannot place (a text in a SELECT list) needs a cast in the statement.
PREPARE_AFTER = 5


@contextmanager
def prepared_cursor() -> Iterator[CursorWrapper]:
    """A cursor of the default connection (in its transaction) whose statements are prepared after a
    few runs. While queries are logged (DEBUG, a test counting them) it is Django's own cursor, which
    logs each statement's text: a prepared one would be logged without it."""
    with connection.cursor() as django_cursor:  # the connection, its health check, the thread check
        if connection.queries_logged:
            yield django_cursor
            return
        raw = django_cursor.cursor.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = PREPARE_AFTER  # Django's own cursors bind on the client: they never prepare
    server: Any = psycopg.Cursor(raw)  # the stubs expect Django's wrapper here; Django wraps the driver's cursor
    with connection.make_cursor(server) as cursor:
        yield cursor
