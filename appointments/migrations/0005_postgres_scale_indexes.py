"""PostgreSQL only: indexes that keep searches and big lists fast with 200,000 patients and 1,000,000
appointments (issue 12). SQLite (development and tests) keeps the portable indexes from the models.

Django compiles `icontains` to UPPER(col::text) LIKE UPPER('%word%') on PostgreSQL, so the trigram indexes are
built on exactly that expression: name, e-mail and phone searches then use a bitmap index scan instead of reading
every row. Not part of the model state (like the exclusion constraints in 0003)."""

from django.db import migrations

TRIGRAM = {
    "accounts_user_full_name_trgm": ("accounts_user", 'UPPER("full_name"::text) gin_trgm_ops'),
    "accounts_user_email_trgm": ("accounts_user", 'UPPER("email"::text) gin_trgm_ops'),
    "accounts_user_phone_trgm": ("accounts_user", 'UPPER("phone"::text) gin_trgm_ops'),
    "patients_patient_number_trgm": ("patients_patientprofile", 'UPPER("patient_number"::text) gin_trgm_ops'),
}
BTREE = {
    # Lists ordered by name (platform patients, admin users) read the first page off this index.
    "accounts_user_full_name_email": ("accounts_user", '"full_name", "email"'),
    # The Django admin's appointment list, newest first.
    "appointments_start_at": ("appointments_appointment", '"start_at"'),
    # "Has this patient been to this hospital?" (desk search) and a hospital's bookings of matching patients.
    "appointments_hospital_patient": ("appointments_appointment", '"hospital_id", "patient_id"'),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, expression) in TRIGRAM.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ({expression})')
    for name, (table, columns) in BTREE.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ({columns})')


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in [*TRIGRAM, *BTREE]:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0004_merge_0002_calls_0003_postgres_no_overlap"),
        ("accounts", "0001_initial"),
        ("patients", "0003_access_log_append_only"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
