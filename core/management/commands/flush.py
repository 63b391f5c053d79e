"""``flush`` as the owner role: the runtime role may not empty the consent log or the ledger."""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import connections

from core.db_roles import as_owner


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        with as_owner(connections[options["database"]]):
            super().handle(**options)
