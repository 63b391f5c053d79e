"""Two database roles: the owner, which runs migrations and owns every table, trigger and function, and
the runtime role, which the web processes and the workers connect as.

Whoever holds the runtime role's password (the application, or anyone who takes it over) cannot
rewrite the evidence:

- on a table whose model declares ``runtime_privileges`` it gets only those: the consent log, its
  seals and its receipts, and the ledger's entries and transactions are read and appended to, never
  updated, deleted or truncated; of the consent chain head it may move only ``last_seq`` and
  ``last_hash``. Every other table gets SELECT, INSERT, UPDATE and DELETE;
- it owns nothing, so it can neither alter nor disable a trigger (and it is no superuser, so it
  cannot switch them off with ``session_replication_role`` either);
- it deletes consent evidence only through ``consent_evidence_purge()``, a SECURITY DEFINER function
  owned by the owner role that keeps the purge's rules itself.

Settings: ``DATABASE_URL`` names the runtime role, ``DATABASE_OWNER_URL`` the owner (kept as
``DATABASES["default"]["OWNER"]``). ``migrate`` and ``flush`` (``core/management/commands``) connect
as the owner; ``migrate`` then grants the runtime role its privileges (``runtime_privileges_grant``)
every time it runs, so that a table a new migration adds is covered the moment it exists. With only
``DATABASE_URL`` (a developer's machine) both are one role: nothing is granted, and the triggers are
the only guard. ``scripts/db_roles.sql`` creates the two roles.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

from django.apps import apps
from django.db.backends.base.base import BaseDatabaseWrapper

CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
# While a connection is the owner's, the runtime role's credentials wait here.
RUNTIME_KEY = "RUNTIME"
# Tables that belong to no model: the migration history is written by migrate, as the owner, only.
OTHER_TABLES = {"django_migrations": "SELECT"}


class RoleProblem(Exception):
    """The runtime role could rewrite what it must not: a deployment to fix before it runs."""


def use_owner(connection: BaseDatabaseWrapper) -> bool:
    """Reconnect ``connection`` as the owner role. False, and nothing changes, with one role, or when
    the connection is the owner's already."""
    settings_dict = connection.settings_dict
    owner = settings_dict.get("OWNER")
    if not owner or RUNTIME_KEY in settings_dict:
        return False
    connection.close()
    settings_dict[RUNTIME_KEY] = {key: settings_dict.get(key) for key in CREDENTIALS}
    settings_dict.update(owner)
    return True


def use_runtime(connection: BaseDatabaseWrapper) -> None:
    """Reconnect ``connection`` as the runtime role again (after ``use_owner``)."""
    runtime = connection.settings_dict.pop(RUNTIME_KEY, None)
    if runtime is not None:
        connection.close()
        connection.settings_dict.update(runtime)


@contextlib.contextmanager
def as_owner(connection: BaseDatabaseWrapper) -> Iterator[None]:
    switched = use_owner(connection)
    try:
        yield
    finally:
        if switched:
            use_runtime(connection)


def runtime_role(connection: BaseDatabaseWrapper) -> str | None:
    """The runtime role's name while ``connection`` is the owner's; None with one role."""
    runtime = connection.settings_dict.get(RUNTIME_KEY)
    return str(runtime["USER"]) if runtime else None


def narrowed_privileges() -> dict[str, str]:
    """Each table the runtime role gets less than full DML on, with what it gets."""
    declared = {
        model._meta.db_table: privileges
        for model in apps.get_models()
        if (privileges := getattr(model, "runtime_privileges", None))
    }
    return OTHER_TABLES | declared


def runtime_privileges_grant(connection: BaseDatabaseWrapper, *, role: str) -> None:
    """Give the runtime role what it may do, and take away what it may not. Run as the owner, after the
    migrations (idempotent); refuses a runtime role that could rewrite the evidence anyway."""
    quoted = connection.ops.quote_name(role)
    with connection.cursor() as cursor:
        runtime_role_check(cursor, role)
        statements = [
            f"GRANT USAGE ON SCHEMA public TO {quoted}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
            # Trigger functions cannot be called directly; consent_evidence_purge() is the one that matters.
            f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {quoted}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {quoted}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {quoted}",
        ]
        for table, privileges in sorted(narrowed_privileges().items()):
            table = connection.ops.quote_name(table)
            # REVOKE ALL takes the column privileges too, so a narrowing is exact each time it runs.
            statements += [f"REVOKE ALL ON {table} FROM {quoted}", f"GRANT {privileges} ON {table} TO {quoted}"]
        for statement in statements:
            cursor.execute(statement)


def runtime_role_check(cursor: Any, role: str) -> None:
    """Refuse a runtime role that could rewrite the evidence whatever it is granted: one that does not
    exist, a superuser, a member of the owner role, or one that owns tables (and so their triggers)."""
    cursor.execute(
        "SELECT rolsuper, rolname = current_user, pg_has_role(%s, current_user, 'USAGE') FROM pg_roles"
        " WHERE rolname = %s",
        [role, role],
    )
    row = cursor.fetchone()
    if row is None:
        raise RoleProblem(
            f"The runtime role '{role}' (DATABASE_URL) does not exist: create it with scripts/db_roles.sql."
        )
    superuser, itself, member = row
    if superuser or itself or member:
        what = "a superuser" if superuser else "the owner role itself" if itself else "a member of the owner role"
        raise RoleProblem(
            f"The runtime role '{role}' (DATABASE_URL) is {what}: it could rewrite the consent log and the ledger."
            " Give the application a role of its own (scripts/db_roles.sql)."
        )
    cursor.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = %s",
        [role],
    )
    (owned,) = cursor.fetchone()
    if owned:
        raise RoleProblem(
            f"The runtime role '{role}' (DATABASE_URL) owns {owned} tables or other objects, so it could disable their"
            f" triggers: give them to the owner role (REASSIGN OWNED BY {role} TO <owner>; see README)."
        )


def database_url(settings_dict: dict[str, Any], *, credentials: dict[str, Any] | None = None) -> str:
    """A ``postgres://`` URL for the database of ``settings_dict``, with its own credentials or others
    (e.g. the owner's): what a child process (a Celery worker in the tests) is given."""
    values = {key: settings_dict.get(key) for key in CREDENTIALS} | (credentials or {})
    user = quote(str(values["USER"] or ""), safe="")
    password = quote(str(values["PASSWORD"] or ""), safe="")
    userinfo = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{values['PORT']}" if values["PORT"] else ""
    query = urlencode(values["OPTIONS"] or {}, quote_via=quote)  # libpq reads "%20" as a space, never "+"
    return f"postgres://{userinfo}{values['HOST'] or ''}{port}/{quote(settings_dict['NAME'])}" + (
        f"?{query}" if query else ""
    )
