from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from rewards.selectors import ledger_violations
from tenants.commands import TenantsCommand


class Command(TenantsCommand):
    help = (
        "Check every ledger invariant: balanced transactions, no negative balances, "
        "cached balances equal to their entries, payout-run totals equal to their payouts. "
        "Exits non-zero naming the first violation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        tenants = self.tenants(options)
        first: str | None = None
        for tenant in tenants:
            problems = ledger_violations(tenant=tenant)
            if problems:
                first = first or f"{tenant.slug}: {problems[0]}"
                for problem in problems:
                    self.stdout.write(f"{tenant.slug}: {problem}")
            else:
                self.stdout.write(f"{tenant.slug}: the ledger holds.")
        if first:
            raise CommandError(f"Ledger check failed; first violation: {first}")
