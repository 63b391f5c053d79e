"""``migrate`` as the owner role of the database, then the runtime role's privileges (core.db_roles)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.core.management.commands import migrate
from django.db import connections

from core.db_roles import RoleProblem, as_owner, runtime_privileges_grant, runtime_role


class Command(migrate.Command):
    help = (
        "Apply the migrations as the owner role (DATABASE_OWNER_URL), then grant the runtime role "
        "(DATABASE_URL) what it may do and nothing more."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        with as_owner(connection):
            super().handle(*args, **options)
            if options["plan"] or options["check_unapplied"] or options["prune"]:
                return
            role = runtime_role(connection)
            if role is None:
                if options["verbosity"] >= 1:
                    self.stdout.write(
                        "One database role (DATABASE_OWNER_URL is not set): the application owns its tables. "
                        "Give it a role of its own in production (README, 'Database roles')."
                    )
                return
            try:
                runtime_privileges_grant(connection, role=role)
            except RoleProblem as exc:
                raise CommandError(str(exc)) from None
            if options["verbosity"] >= 1:
                self.stdout.write(f"The runtime role '{role}' may read and append to the evidence, never change it.")
