from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from consent.services.privacy import privacy_purge
from core.errors import NotFound
from tenants.selectors import tenant_list_or_one


class Command(BaseCommand):
    help = "Purge personal data kept past its retention, walking the privacy registry. Safe to rerun."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", help="Slug of one tenant; all tenants when omitted.")
        parser.add_argument("--dry-run", action="store_true", help="Count what would go; remove nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            tenants = tenant_list_or_one(slug=options["tenant"])
        except NotFound as exc:
            raise CommandError(exc.detail) from None
        verb = "Would purge" if options["dry_run"] else "Purged"
        for tenant in tenants:
            for category, count in privacy_purge(tenant=tenant, dry_run=options["dry_run"]).items():
                self.stdout.write(f"{tenant.slug}: {verb} {count} from {category}")
