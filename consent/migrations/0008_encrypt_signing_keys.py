"""The receipt signing keys' private half is stored encrypted under FIELD_ENCRYPTION_KEYS: the column
becomes text holding a Fernet token, and the keys already stored in clear are encrypted. Raw SQL, since
the field itself only reads tokens; values already encrypted are left alone; going back decrypts."""

from django.db import migrations

import core.fields
from core import crypto


def _rewrite(schema_editor, transform):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT tenant_id, private_jwk FROM consent_signingkey ORDER BY tenant_id FOR UPDATE")
        for tenant_id, value in cursor.fetchall():
            new = transform(value)
            if new != value:
                cursor.execute("UPDATE consent_signingkey SET private_jwk = %s WHERE tenant_id = %s", [new, tenant_id])


def forwards(apps, schema_editor):
    _rewrite(schema_editor, lambda value: value if crypto.looks_encrypted(value) else crypto.encrypt(value))


def backwards(apps, schema_editor):
    _rewrite(schema_editor, lambda value: crypto.decrypt(value) if crypto.looks_encrypted(value) else value)


class Migration(migrations.Migration):
    dependencies = [("consent", "0007_waitlist_purpose")]

    operations = [
        migrations.AlterField(model_name="signingkey", name="private_jwk", field=core.fields.EncryptedJSONField()),
        migrations.RunPython(forwards, backwards),
    ]
