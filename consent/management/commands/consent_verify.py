from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from consent.selectors import chain_verify
from core.errors import NotFound
from tenants.selectors import tenant_list_or_one


class Command(BaseCommand):
    help = "Verify every tenant's consent hash chain (or one). Exits non-zero naming the first bad event."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", help="Slug of one tenant; all tenants when omitted.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            tenants = tenant_list_or_one(slug=options["tenant"])
        except NotFound as exc:
            raise CommandError(exc.detail) from None
        broken = []
        for tenant in tenants:
            report = chain_verify(tenant=tenant)
            self.stdout.write(report.describe())
            if not report.ok:
                broken.append(report)
        if broken:
            raise CommandError(f"{len(broken)} consent chain(s) broken; first: {broken[0].describe()}")
