from __future__ import annotations

from typing import Any

from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from accounts.services import user_get_or_create_verified
from panel.services import panelist_get_or_create
from tenants.roles import Role
from tenants.services import membership_set_role, tenant_create

DEMO_PASSWORD = "fairpanel-demo"  # noqa: S105 - printed for the demo, never used elsewhere
DEMO_DOMAIN = "demo.fairpanel.test"
STAFF = [Role.OWNER, Role.MANAGER, Role.REVIEWER, Role.AUDITOR]
PANELISTS = 8


def _totp_secret(user: User) -> str:
    """The user's TOTP secret, activating TOTP with a new one the first time."""
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        authenticator = TOTP.activate(user, generate_totp_secret()).instance
    return str(get_mfa_adapter().decrypt(authenticator.data["secret"]))


class Command(BaseCommand):
    help = "Create the demo tenant with one staff member per role and a few panelists. Safe to run again."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        owner_email = f"owner@{DEMO_DOMAIN}"
        tenant = tenant_create(
            slug="demo",
            name="Fairpanel Demo Panel",
            owner_email=owner_email,
            country="US",
            currency="USD",
            timezone_name="America/New_York",
            languages=["en", "fr"],
            panel_capacity=5_000,
        ).tenant

        rows = []
        for role in STAFF:
            user, _created = user_get_or_create_verified(email=f"{role.value}@{DEMO_DOMAIN}")
            if not user.has_usable_password():
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            membership_set_role(tenant=tenant, user=user, role=role)
            rows.append((role.value, user.email, _totp_secret(user)))

        for number in range(1, PANELISTS + 1):
            user, _created = user_get_or_create_verified(email=f"panelist{number}@{DEMO_DOMAIN}")
            if not user.has_usable_password():
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            panelist_get_or_create(tenant=tenant, user=user)

        self.stdout.write(f"Demo tenant '{tenant.slug}' is ready: {len(STAFF)} staff, {PANELISTS} panelists.")
        self.stdout.write(f"Every demo account's password: {DEMO_PASSWORD}")
        self.stdout.write("Staff sign in with a TOTP code from these secrets (add them to any authenticator app):")
        for role_name, email, secret in rows:
            self.stdout.write(f"  {role_name:<9} {email:<32} TOTP secret {secret}")
        self.stdout.write(f"Panelists: panelist1@{DEMO_DOMAIN} … panelist{PANELISTS}@{DEMO_DOMAIN}")
