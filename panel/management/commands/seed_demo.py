from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from panel.services.demo import DEMO_DOMAIN, DEMO_PASSWORD, PANELIST_ANSWERS, PANELISTS, STAFF, WAITLIST, demo_seed


class Command(BaseCommand):
    help = "Create the demo tenant with one staff member per role and a few panelists. Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        seeded = demo_seed()
        self.stdout.write(f"Demo tenant '{seeded.tenant.slug}' is ready: {len(STAFF)} staff, {PANELISTS} panelists.")
        self.stdout.write(f"Every demo account's password: {DEMO_PASSWORD}")
        self.stdout.write("Staff sign in with a TOTP code from these secrets (add them to any authenticator app):")
        for role_name, email, secret in seeded.staff:
            self.stdout.write(f"  {role_name:<9} {email:<32} TOTP secret {secret}")
        self.stdout.write(f"Panelists: panelist1@{DEMO_DOMAIN} … panelist{PANELISTS}@{DEMO_DOMAIN}")
        from_waitlist = len(PANELIST_ANSWERS)
        self.stdout.write(f"  {from_waitlist} joined from the waitlist with screening answers (survey targeting "
                          f"filters on them), {PANELISTS - from_waitlist} by a direct invitation.")  # fmt: skip
        self.stdout.write(f"Waitlist: {WAITLIST} confirmed people; invitations sent, accepted, expired and revoked.")
        for line in seeded.extras:
            self.stdout.write(line)
