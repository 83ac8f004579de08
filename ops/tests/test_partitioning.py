# ruff: noqa: S608 - a constant table name in the SQL below
"""Monthly partitions of the append-only access log on PostgreSQL: the trigger survives, months are created
ahead, and old months are archived (CSV + checksum, audited) and dropped."""

import csv
import datetime as dt
import gzip
import hashlib
import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from ops import partitioning
from ops.models import AuditEvent
from patients.models import AccessLogEntry
from patients.services import access_log_record

TABLE = "patients_accesslogentry"


def _exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [name])
        return cursor.fetchone()[0] is not None


def _insert_at(patient, accessor, when: dt.datetime) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (accessor_id, accessor_role, patient_id, kind, created_at) "
            "VALUES (%s, 'doctor', %s, 'history', %s)",
            [accessor.pk, patient.pk, when],
        )


@pytest.mark.postgres
def test_access_log_is_partitioned_and_still_append_only(db, patient, doctor):
    with connection.cursor() as cursor:
        assert partitioning.is_partitioned(cursor, TABLE)
    this_month = dt.datetime.now(dt.UTC).date().replace(day=1)
    assert _exists(partitioning.partition_name(TABLE, this_month))
    assert _exists(partitioning.default_partition_name(TABLE))

    access_log_record(actor=doctor.user, patient=patient, kind=AccessLogEntry.Kind.HISTORY)
    entry = AccessLogEntry.objects.get()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {TABLE} WHERE id = %s", [entry.pk])
        assert cursor.fetchone()[0] == partitioning.partition_name(TABLE, this_month)
    for statement in (f"UPDATE {TABLE} SET kind = 'visit'", f"DELETE FROM {TABLE}"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AccessLogEntry.objects.get().kind == AccessLogEntry.Kind.HISTORY
    second = access_log_record(actor=doctor.user, patient=patient, kind=AccessLogEntry.Kind.VISIT)
    assert second.pk > entry.pk  # ids still come from the sequence


@pytest.mark.postgres
def test_maintain_creates_coming_months_once_and_reports_stray_rows(db, patient, doctor, capsys):
    later = dt.date(2031, 5, 20)
    created = [name for name in partitioning.ensure_partitions(months_ahead=2, today=later) if TABLE in name]
    assert created == [partitioning.partition_name(TABLE, dt.date(2031, m, 1)) for m in (5, 6, 7)]
    assert partitioning.ensure_partitions(months_ahead=2, today=later) == []
    _insert_at(patient, doctor.user, dt.datetime(2019, 3, 1, tzinfo=dt.UTC))  # no month for it: default
    call_command("partitions", "maintain")
    assert f"{TABLE}: 1 rows in the default partition" in capsys.readouterr().out


@pytest.mark.postgres
def test_archive_copies_old_months_audits_and_drops_them(db, patient, doctor, tmp_path):
    old_month = dt.date(2020, 1, 1)
    with connection.cursor() as cursor:
        partitioning._create_month(cursor, TABLE, old_month)
    for day in (3, 17, 31):
        _insert_at(patient, doctor.user, dt.datetime(2020, 1, day, 12, tzinfo=dt.UTC))
    access_log_record(actor=doctor.user, patient=patient, kind=AccessLogEntry.Kind.HISTORY)  # this month

    planned = partitioning.archive_partitions(older_than_months=24, directory=tmp_path, dry_run=True)
    assert [entry["partition"] for entry in planned] == [partitioning.partition_name(TABLE, old_month)]
    assert AccessLogEntry.objects.count() == 4

    call_command("partitions", "archive", "--older-than", "24", "--to", str(tmp_path))

    archive = tmp_path / f"{partitioning.partition_name(TABLE, old_month)}.csv.gz"
    rows = list(csv.DictReader(io.StringIO(gzip.decompress(archive.read_bytes()).decode())))
    assert len(rows) == 3 and {row["created_at"][:7] for row in rows} == {"2020-01"}
    assert not _exists(partitioning.partition_name(TABLE, old_month))
    assert AccessLogEntry.objects.count() == 1  # this month's row is untouched
    event = AuditEvent.objects.get(action="partition_archive")
    assert event.details["rows"] == 3 and event.details["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()


@pytest.mark.postgres
def test_a_table_others_reference_is_refused(db):
    refused = pytest.raises(RuntimeError, match="referenced by foreign keys")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        partitioning._rebuild(cursor, "patients_patientprofile", "created_at", partitioned=True)
    with connection.cursor() as cursor:
        assert not partitioning.is_partitioned(cursor, "patients_patientprofile")


@pytest.mark.sqlite
def test_on_sqlite_the_commands_say_there_is_nothing_to_do(db, capsys):
    call_command("partitions", "maintain")
    assert "PostgreSQL-only" in capsys.readouterr().out
    assert partitioning.ensure_partitions() == []
