"""Encrypt the second-factor secrets already stored in clear (TOTP secrets, recovery-code seeds) under
FIELD_ENCRYPTION_KEYS, as the MFA adapter now stores new ones. Values already encrypted are left as
they are, so the migration can run again; going back decrypts them."""

from django.db import migrations

from accounts.mfa import authenticator_data_map
from core import crypto


def _rewrite(apps, transform):
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.select_for_update().order_by("pk"):
        data = authenticator_data_map(authenticator.type, authenticator.data, transform)
        if data != authenticator.data:
            authenticator.data = data
            authenticator.save(update_fields=["data"])


def forwards(apps, schema_editor):
    _rewrite(apps, lambda value: value if crypto.looks_encrypted(value) else crypto.encrypt(value))


def backwards(apps, schema_editor):
    _rewrite(apps, lambda value: crypto.decrypt(value) if crypto.looks_encrypted(value) else value)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("mfa", "0003_authenticator_type_uniq")]

    operations = [migrations.RunPython(forwards, backwards)]
