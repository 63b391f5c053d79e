from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from consent.selectors import chain_verify
from tenants.commands import TenantsCommand


class Command(TenantsCommand):
    help = "Verify every tenant's consent hash chain (or one). Exits non-zero naming the first bad event."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        tenants = self.tenants(options)
        broken = []
        for tenant in tenants:
            report = chain_verify(tenant=tenant)
            self.stdout.write(report.describe())
            if not report.ok:
                broken.append(report)
        if broken:
            raise CommandError(f"{len(broken)} consent chain(s) broken; first: {broken[0].describe()}")
