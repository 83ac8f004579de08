"""Issue 11: the access log refuses TRUNCATE, and production's app role (deploy/postgres_roles.py) is not a
superuser, owns nothing and cannot empty or unprotect the log. PostgreSQL only (collected on the CI's PostgreSQL
pass, see conftest)."""

import importlib.util
import uuid
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from patients.models import AccessLogEntry
from patients.tests.factories import PatientFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

TABLE = AccessLogEntry._meta.db_table
SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "postgres_roles.py"


def _roles_module():
    spec = importlib.util.spec_from_file_location("postgres_roles", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _log_row(patient):
    return AccessLogEntry.objects.create(
        accessor=patient.user, accessor_role="patient", patient=patient, kind=AccessLogEntry.Kind.HISTORY
    )


def _refused(sql: str) -> str:
    with pytest.raises(DatabaseError) as error, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    return str(error.value)


def test_truncate_of_the_access_log_is_refused_even_for_the_owner():
    _log_row(PatientFactory())
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run the insert's deferred FK checks now

    assert "append-only" in _refused(f"TRUNCATE {TABLE}")
    assert "append-only" in _refused(f"TRUNCATE {TABLE} CASCADE")
    assert AccessLogEntry.objects.count() == 1


def test_app_role_from_the_deploy_script_cannot_empty_or_unprotect_the_log():
    suffix = uuid.uuid4().hex[:8]
    owner, app = f"hms_t_owner_{suffix}", f"hms_t_app_{suffix}"
    # Everything below runs inside the test's transaction: the roles and grants vanish with its rollback.
    with connection.cursor() as cursor:
        for statement in _roles_module().role_statements(database=connection.settings_dict["NAME"], owner=owner,
                                                         app=app):  # fmt: skip
            cursor.execute(statement)
        cursor.execute(f'SET ROLE "{app}"')
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user")
            assert cursor.fetchone() == (False, False, False)
            cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user")
            assert cursor.fetchone() == (0,)

        patient = PatientFactory()  # ordinary writes work …
        entry = _log_row(patient)  # … and so does appending to the log
        assert "permission denied" in _refused(f"UPDATE {TABLE} SET kind = 'visit'")  # noqa: S608
        assert "permission denied" in _refused(f"DELETE FROM {TABLE}")  # noqa: S608
        assert "permission denied" in _refused(f"TRUNCATE {TABLE}")
        assert "must be owner" in _refused(f"ALTER TABLE {TABLE} DISABLE TRIGGER ALL")
        assert "must be owner" in _refused(f"DROP TRIGGER access_log_append_only ON {TABLE}")
        assert "permission denied" in _refused("CREATE TABLE sneaky (id int)")
        assert AccessLogEntry.objects.filter(pk=entry.pk, kind=AccessLogEntry.Kind.HISTORY).exists()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def test_deploy_script_prints_its_sql(capsys):
    assert _roles_module().main(["--database", "hms", "--print"]) == 0
    sql = capsys.readouterr().out
    assert "NOSUPERUSER" in sql and 'REVOKE UPDATE, DELETE, TRUNCATE ON "patients_accesslogentry" FROM "hms_app"' in sql
