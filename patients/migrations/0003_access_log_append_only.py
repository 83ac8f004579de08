"""The clinical access log is append-only at the database level too: UPDATE and DELETE are refused by a trigger.

PostgreSQL gets a PL/pgSQL trigger function; SQLite (the embedded default) an equivalent pair of triggers, so
the same test proves it on both. TRUNCATE (used by test-database flushes and by a DBA's deliberate
maintenance) is a statement outside the application's reach and is not covered.
"""

from django.db import migrations

TABLE = "patients_accesslogentry"

POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION hms_refuse_access_log_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The clinical access log is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER access_log_append_only
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION hms_refuse_access_log_change();
"""
POSTGRES_BACKWARD = f"""
DROP TRIGGER IF EXISTS access_log_append_only ON {TABLE};
DROP FUNCTION IF EXISTS hms_refuse_access_log_change();
"""

SQLITE_FORWARD = [
    f"""CREATE TRIGGER access_log_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'The clinical access log is append-only: UPDATE refused'); END;""",
    f"""CREATE TRIGGER access_log_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'The clinical access log is append-only: DELETE refused'); END;""",
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS access_log_no_update;", "DROP TRIGGER IF EXISTS access_log_no_delete;"]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("patients", "0002_medical_records")]

    operations = [migrations.RunPython(forward, backward)]
