from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import DomainError
from tenants.services import tenant_create


class Command(BaseCommand):
    help = "Create a tenant and its owner. Running it again with the same arguments changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="URL name of the tenant: lowercase letters, digits and hyphens.")
        parser.add_argument("--name", required=True, help="Display name of the tenant.")
        parser.add_argument("--owner-email", required=True, help="Email of the owner; an account is created if needed.")
        parser.add_argument("--country", default="US", help="ISO 3166-1 alpha-2 code (default US).")
        parser.add_argument("--currency", default="USD", help="ISO 4217 code (default USD).")
        parser.add_argument("--timezone", default="UTC", help="IANA time zone (default UTC).")
        parser.add_argument("--languages", default="en,fr", help="Comma-separated language codes (default en,fr).")
        parser.add_argument("--minimum-age", type=int, default=18, help="Minimum age of panelists (default 18).")
        parser.add_argument("--panel-capacity", type=int, default=10_000, help="Most panelists (default 10000).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = tenant_create(
                slug=options["slug"],
                name=options["name"],
                owner_email=options["owner_email"],
                country=options["country"],
                currency=options["currency"],
                timezone_name=options["timezone"],
                languages=[code.strip() for code in options["languages"].split(",") if code.strip()],
                minimum_age=options["minimum_age"],
                panel_capacity=options["panel_capacity"],
            )
        except DomainError as exc:
            raise CommandError(exc.detail) from None
        tenant = result.tenant
        verb = "Created" if result.tenant_created else "Tenant already exists:"
        self.stdout.write(f"{verb} tenant '{tenant.slug}' ({tenant.name}).")
        self.stdout.write(
            f"{'Created' if result.owner_created else 'Existing'} owner account {result.owner.email}; "
            f"owner of '{tenant.slug}'."
        )
        if result.owner_created:
            self.stdout.write(
                "The owner sets a password through 'Forgot your password?' on the sign-in page "
                "(/accounts/password/reset/), then sets up two-factor authentication before the console opens."
            )
