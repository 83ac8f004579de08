"""PostgreSQL only: refuse any two active appointments whose time ranges overlap, for the same doctor and
for the same patient. SQLite keeps the portable conditional unique constraints from 0001."""

from django.db import migrations

ACTIVE = "('booked', 'checked_in', 'in_progress', 'completed')"
CONSTRAINTS = {
    "appointment_doctor_no_overlap": "doctor_id",
    "appointment_patient_no_overlap": "patient_id",
}


def add_exclusion_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for name, column in CONSTRAINTS.items():
        schema_editor.execute(
            f"ALTER TABLE appointments_appointment ADD CONSTRAINT {name} EXCLUDE USING gist "
            f"({column} WITH =, tstzrange(start_at, end_at, '[)') WITH &&) WHERE (status IN {ACTIVE})"
        )


def drop_exclusion_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE appointments_appointment DROP CONSTRAINT IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("appointments", "0002_schedules_time_off_ratings")]

    operations = [migrations.RunPython(add_exclusion_constraints, drop_exclusion_constraints)]
