"""Secrets at rest: a dump of the database gives neither the TOTP secrets nor the receipt signing keys;
the keys of FIELD_ENCRYPTION_KEYS rotate; a missing key fails loudly, naming the variable."""

from __future__ import annotations

import io
import json

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client, override_settings

from consent.models import SigningKey
from consent.receipts import receipt_sign, receipt_verify
from consent.services.receipts import signing_key_get_or_create
from core.crypto import EncryptionKeyMissing, decrypt
from core.db_roles import as_owner
from tests.conftest import login_with_mfa
from tests.factories import TenantFactory, UserFactory, activate_totp

pytestmark = pytest.mark.django_db

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


def raw(sql: str) -> str:
    """What a dump of the table holds: the columns as PostgreSQL stores them, read without the ORM."""
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


def staff_with_secrets():
    user = UserFactory.create()
    secret = activate_totp(user)
    codes = RecoveryCodes.activate(user).generate_codes()
    tenant = TenantFactory.create()
    key = signing_key_get_or_create(tenant=tenant)
    return user, secret, codes, tenant, key


def test_a_dump_of_the_tables_holds_neither_totp_secrets_nor_private_keys() -> None:
    user, secret, codes, tenant, key = staff_with_secrets()

    authenticators = raw("SELECT data::text FROM mfa_authenticator")
    signing_keys = raw("SELECT kid, private_jwk, public_jwk::text FROM consent_signingkey")

    assert secret not in authenticators
    seed = Authenticator.objects.get(user=user, type="recovery_codes").wrap()
    assert codes == seed.generate_codes()  # still readable through the application
    assert '"seed": "gAAAAA' in authenticators
    assert '"secret": "gAAAAA' in authenticators
    assert key.private_jwk["d"] not in signing_keys  # the private scalar
    assert key.public_jwk["x"] in signing_keys  # the public half stays readable, as published
    # and the application signs with it as before; the published key verifies the signature
    fresh = SigningKey.objects.get(tenant=tenant)
    token = receipt_sign(payload={"hello": "auditor"}, kid=fresh.kid, private_jwk=fresh.private_jwk)
    assert receipt_verify(token=token, public_jwk=fresh.public_jwk) == {"hello": "auditor"}


def test_rotation_re_encrypts_everything_under_the_new_first_key() -> None:
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        user, secret, _codes, tenant, key = staff_with_secrets()
        before = raw("SELECT data::text FROM mfa_authenticator") + raw("SELECT private_jwk FROM consent_signingkey")

    # given a new key put first, the old one still listed
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        out = io.StringIO()
        call_command("encryption_rotate", stdout=out)
    assert "Re-encrypted 2 value(s) of accounts.authenticators under the first key." in out.getvalue()
    assert "Re-encrypted 1 value(s) of consent.signing_keys under the first key." in out.getvalue()
    after = raw("SELECT data::text FROM mfa_authenticator") + raw("SELECT private_jwk FROM consent_signingkey")
    assert before != after

    # then the new key alone opens everything: TOTP sign-in, and signing with the tenant's key
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW]):
        login_with_mfa(Client(), user, secret)
        assert SigningKey.objects.get(tenant=tenant).private_jwk == key.private_jwk

    # and the old key alone opens nothing
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]), pytest.raises(EncryptionKeyMissing):
        SigningKey.objects.get(tenant=tenant)


def test_a_wrong_key_fails_clearly_naming_the_variable() -> None:
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        user, _secret, _codes, tenant, _key = staff_with_secrets()

    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW]):
        with pytest.raises(EncryptionKeyMissing, match=r"^FIELD_ENCRYPTION_KEYS: a value stored encrypted cannot be"):
            SigningKey.objects.get(tenant=tenant)
        with pytest.raises(EncryptionKeyMissing, match="FIELD_ENCRYPTION_KEYS"):
            Authenticator.objects.get(user=user, type="totp").wrap().validate_code("123456")
        with pytest.raises(CommandError, match="FIELD_ENCRYPTION_KEYS: a value stored encrypted cannot be"):
            call_command("encryption_rotate", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_the_migrations_encrypt_what_was_stored_in_clear_and_going_back_decrypts_it() -> None:
    user, tenant = UserFactory.create(), TenantFactory.create()
    jwk = {"kty": "EC", "crv": "P-256", "d": "private-scalar-in-clear", "x": "x", "y": "y", "kid": "k"}
    before = [("accounts", "0001_initial"), ("consent", "0007_waitlist_purpose")]
    latest = [("accounts", "0002_encrypt_mfa_secrets"), ("consent", "0008_encrypt_signing_keys")]
    with as_owner(connection):  # migrations run as the owner role, as `migrate` does
        _migrations_encrypt_and_decrypt(user, tenant, jwk, before, latest)


def _migrations_encrypt_and_decrypt(user, tenant, jwk, before, latest) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        # given rows written in clear, as before this change
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO mfa_authenticator (user_id, type, data, created_at) VALUES "
                "(%s, 'totp', %s, now()), (%s, 'recovery_codes', %s, now())",
                [user.pk, json.dumps({"secret": "JBSWY3DPEHPK3PXP"}), user.pk,
                 json.dumps({"seed": "5eed" * 20, "used_mask": 0})],
            )  # fmt: skip
            cursor.execute(
                "INSERT INTO consent_signingkey (tenant_id, kid, private_jwk, public_jwk, created_at) "
                "VALUES (%s, 'k', %s, '{}', now())",
                [tenant.pk, json.dumps(jwk)],
            )

        # when the migrations run
        executor = MigrationExecutor(connection)
        executor.migrate(latest)

        # then the dump holds only tokens, and the application reads the same values
        dump = raw("SELECT data::text FROM mfa_authenticator") + raw("SELECT private_jwk FROM consent_signingkey")
        for in_clear in ("JBSWY3DPEHPK3PXP", "5eed5eed", "private-scalar"):
            assert in_clear not in dump
        assert SigningKey.objects.get(tenant=tenant).private_jwk == jwk
        totp = Authenticator.objects.get(user=user, type="totp")
        assert decrypt(totp.data["secret"]) == "JBSWY3DPEHPK3PXP"

        # and going back gives the clear values again
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        assert "JBSWY3DPEHPK3PXP" in raw("SELECT data::text FROM mfa_authenticator")
        assert "private-scalar-in-clear" in raw("SELECT private_jwk::text FROM consent_signingkey")
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())  # every app back at its newest migration
