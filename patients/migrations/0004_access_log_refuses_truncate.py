"""The access log refuses TRUNCATE on PostgreSQL too (issue 11); see _access_log_triggers."""

from django.db import migrations

from patients.migrations._access_log_triggers import POSTGRES_TRUNCATE_BACKWARD, POSTGRES_TRUNCATE_FORWARD


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_TRUNCATE_FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_TRUNCATE_BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("patients", "0003_access_log_append_only")]

    operations = [migrations.RunPython(forward, backward)]
