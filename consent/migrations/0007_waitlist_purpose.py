from django.db import migrations


def forwards(apps, schema_editor):
    from consent.builtin import BUILTIN_PURPOSES

    Tenant = apps.get_model("tenants", "Tenant")
    Purpose = apps.get_model("consent", "Purpose")
    for tenant in Tenant.objects.all():
        for spec in BUILTIN_PURPOSES:
            Purpose.objects.get_or_create(tenant=tenant, key=spec["key"], defaults={**spec, "builtin": True})


class Migration(migrations.Migration):
    dependencies = [("consent", "0006_purge_and_authorship_exceptions")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
