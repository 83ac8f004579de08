"""The clinical access log is append-only at the database level too: UPDATE and DELETE are refused by a trigger.

PostgreSQL gets a PL/pgSQL trigger function; SQLite (the embedded default) an equivalent pair of triggers, so
the same test proves it on both. TRUNCATE (used by test-database flushes and by a DBA's deliberate
maintenance) is a statement outside the application's reach and is not covered.
"""

from django.db import migrations

from patients.migrations._access_log_triggers import (
    POSTGRES_BACKWARD,
    POSTGRES_FORWARD,
    SQLITE_BACKWARD,
    SQLITE_FORWARD,
)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)  # no placeholders: "%" belongs to PL/pgSQL
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("patients", "0002_medical_records")]

    operations = [migrations.RunPython(forward, backward)]
