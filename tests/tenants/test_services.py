from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection

from accounts.models import User
from panel.models import Panelist
from tenants.models import ApiKey, Membership, Tenant
from tenants.roles import Role
from tenants.services import api_key_authenticate, api_key_create, api_key_revoke
from tests.factories import TenantFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_tenant_create_makes_the_tenant_and_a_verified_owner(capsys: pytest.CaptureFixture[str]) -> None:
    call_command(
        "tenant_create", "acme", "--name", "Acme Panel", "--owner-email", "Boss@Acme.TEST", "--currency", "eur"
    )

    tenant = Tenant.objects.get(slug="acme")
    assert (tenant.name, tenant.currency, tenant.minimum_age) == ("Acme Panel", "EUR", 18)
    owner = User.objects.get(email="boss@acme.test")
    assert Membership.objects.unscoped().get(tenant=tenant, user=owner).role == Role.OWNER
    assert EmailAddress.objects.get(user=owner).verified
    assert "Created tenant 'acme'" in capsys.readouterr().out


def test_tenant_create_is_idempotent(capsys: pytest.CaptureFixture[str]) -> None:
    for _ in range(2):
        call_command("tenant_create", "acme", "--name", "Acme Panel", "--owner-email", "boss@acme.test")

    assert Tenant.objects.filter(slug="acme").count() == 1
    assert Membership.objects.unscoped().filter(tenant__slug="acme").count() == 1
    assert "Tenant already exists: tenant 'acme'" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Not A Slug", "--name", "X", "--owner-email", "a@b.test"], "slug: Use 1 to 50 lowercase letters"),
        (["acme", "--name", "X", "--owner-email", "a@b.test", "--currency", "EUX"], "EUX is not an ISO 4217 currency"),
        (["acme", "--name", "X", "--owner-email", "a@b.test", "--country", "XX"], "XX is not an ISO 3166-1"),
        (["acme", "--name", "X", "--owner-email", "a@b.test", "--timezone", "Nowhere/City"], "not an IANA time zone"),
        (["acme", "--name", "X", "--owner-email", "a@b.test", "--languages", "de"], "Unsupported languages: de"),
        (["acme", "--name", "X", "--owner-email", "a@b.test", "--minimum-age", "9"], "minimum_age"),
        (["acme", "--name", "X", "--owner-email", "not-an-email"], "email: Enter a valid email address"),
    ],
)
def test_tenant_create_explains_bad_input_and_writes_nothing(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("tenant_create", *args)

    assert not Tenant.objects.exists()
    assert not User.objects.exists()


def test_tenant_create_refuses_to_rename_an_existing_tenant() -> None:
    call_command("tenant_create", "acme", "--name", "Acme", "--owner-email", "boss@acme.test")

    with pytest.raises(CommandError, match="already exists and differs: name is 'Acme', not 'Other'"):
        call_command("tenant_create", "acme", "--name", "Other", "--owner-email", "boss@acme.test")


def test_the_database_refuses_a_malformed_tenant() -> None:
    with pytest.raises(IntegrityError), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tenants_tenant (slug, name, country, currency, timezone, languages, minimum_age,"
            " panel_capacity, is_active, created_at) VALUES ('x', 'X', 'FR', 'eur', 'UTC', '{en}', 18, 1, true, now())"
        )


def test_an_api_key_is_stored_hashed_and_authenticates_until_revoked() -> None:
    tenant = TenantFactory.create()

    issued = api_key_create(tenant=tenant, name="CRM sync", role=Role.MANAGER, created_by=None)

    stored = ApiKey.objects.unscoped().get(pk=issued.api_key.pk)
    assert issued.key.startswith(f"fp_{stored.prefix}_")
    assert issued.key not in (stored.key_hash, stored.prefix)
    assert len(stored.key_hash) == 64
    assert api_key_authenticate(key=issued.key) == stored
    assert api_key_authenticate(key=issued.key + "x") is None

    api_key_revoke(api_key=stored)

    assert api_key_authenticate(key=issued.key) is None


def test_an_api_key_cannot_be_an_owner() -> None:
    tenant = TenantFactory.create()

    with pytest.raises(Exception, match="API key's role"):
        api_key_create(tenant=tenant, name="root", role=Role.OWNER, created_by=None)
    assert not ApiKey.objects.unscoped().exists()


def test_seed_demo_is_idempotent(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("seed_demo")
    first = capsys.readouterr().out
    call_command("seed_demo")
    second = capsys.readouterr().out

    tenant = Tenant.objects.get(slug="demo")
    assert sorted(Membership.objects.unscoped().filter(tenant=tenant).values_list("role", flat=True)) == sorted(
        Role.values
    )
    assert Panelist.objects.unscoped().filter(tenant=tenant).count() == 8
    assert first == second  # the same accounts and the same TOTP secrets
    from consent.models import ConsentEvent
    from consent.selectors import chain_verify

    kinds = set(ConsentEvent.objects.unscoped().filter(tenant=tenant).values_list("kind", flat=True))
    assert kinds == {"grant", "withdraw", "reconsent"}
    assert chain_verify(tenant=tenant).ok
    assert "owner@demo.fairpanel.test" in first
    assert "TOTP secret" in first


def test_one_account_can_be_a_panelist_of_two_tenants_once_each() -> None:
    user = UserFactory.create()
    a, b = TenantFactory.create(), TenantFactory.create()
    Panelist.objects.create(tenant=a, user=user)
    Panelist.objects.create(tenant=b, user=user)

    with pytest.raises(IntegrityError):
        Panelist.objects.create(tenant=a, user=user)
