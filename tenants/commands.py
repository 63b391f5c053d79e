"""The base of management commands that work over every tenant, or the one named by ``--tenant``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet

from core.errors import NotFound
from tenants.models import Tenant
from tenants.selectors import tenant_list_or_one


class TenantsCommand(BaseCommand):
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", help="Slug of one tenant; all tenants when omitted.")

    def tenants(self, options: dict[str, Any]) -> QuerySet[Tenant]:
        """Every tenant, or the one named; an unknown slug stops the command with its reason."""
        try:
            return tenant_list_or_one(slug=options["tenant"])
        except NotFound as exc:
            raise CommandError(exc.detail) from None
