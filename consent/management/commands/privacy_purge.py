from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from consent.services.privacy import privacy_purge
from tenants.commands import TenantsCommand


class Command(TenantsCommand):
    help = "Purge personal data kept past its retention, walking the privacy registry. Safe to rerun."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--dry-run", action="store_true", help="Count what would go; remove nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        tenants = self.tenants(options)
        verb = "Would purge" if options["dry_run"] else "Purged"
        for tenant in tenants:
            for category, count in privacy_purge(tenant=tenant, dry_run=options["dry_run"]).items():
                self.stdout.write(f"{tenant.slug}: {verb} {count} from {category}")
