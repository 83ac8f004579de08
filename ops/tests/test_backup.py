"""Embedded-mode backup and restore: the real SQLite online backup API, real files, real tar archives."""

import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction

from ops.backup import BackupError, backup_sqlite, check_backup, list_backups, restore_sqlite
from ops.models import AuditEvent
from ops.runtime import register_server_process
from patients.tests.factories import PatientFactory

pytestmark = [pytest.mark.sqlite, pytest.mark.usefixtures("audit_flushable")]


@pytest.fixture
def photo_doctor(doctor):
    name = default_storage.save("doctor-photos/portrait.jpg", ContentFile(b"\xff\xd8 not really a jpeg"))
    doctor.photo = name
    doctor.save(update_fields=["photo"])
    return doctor


def test_backup_holds_database_files_and_manifest_and_prunes_old_copies(photo_doctor):
    PatientFactory.create_batch(3)
    paths = [backup_sqlite(keep=2) for _ in range(3)]

    kept = list_backups(Path(settings.BACKUP_ROOT))
    assert kept == paths[1:], "only the newest two are kept"
    manifest = check_backup(paths[-1])
    assert manifest["row_counts"]["patients_patientprofile"] == 3 + 0  # the photo doctor is no patient
    assert manifest["files"]["count"] == 1
    with tarfile.open(paths[-1] / "files.tar.gz") as archive:
        assert archive.extractfile(f"files/{photo_doctor.photo.name}").read() == b"\xff\xd8 not really a jpeg"
    with sqlite3.connect(paths[-1] / "db.sqlite3") as copy:
        assert copy.execute("SELECT COUNT(*) FROM patients_patientprofile").fetchone()[0] == 3
    events = AuditEvent.objects.filter(action="backup")
    assert events.count() == 3
    assert events.first().details["pruned"] == [paths[0].name]
    assert events.first().actor_label  # who ran it


def test_restore_brings_back_rows_and_files_keeps_a_safety_copy_and_audits(photo_doctor):
    keeper = PatientFactory(user__full_name="Kept Before Backup")
    backup = backup_sqlite()
    photo_name = photo_doctor.photo.name
    # The accident: a patient deleted, a new one added, the photo gone from disk.
    later = PatientFactory(user__full_name="Added After Backup")
    keeper.delete()
    default_storage.delete(photo_name)
    assert call_command_fails("verify_files")

    result = restore_sqlite(backup=backup)

    names = set(connection.cursor().execute("SELECT full_name FROM accounts_user").fetchall())
    assert ("Kept Before Backup",) in names and ("Added After Backup",) not in names
    assert default_storage.exists(photo_name)
    assert result.missing_files == [] and result.referenced_files == 1
    # The state before the restore is kept, and it holds the patient added after the backup.
    with sqlite3.connect(result.safety_copy / "db.sqlite3") as safety:
        assert safety.execute("SELECT COUNT(*) FROM patients_patientprofile WHERE id = ?", [later.pk]).fetchone()[0]
    restore_event = AuditEvent.objects.get(action="restore")
    assert restore_event.target == str(backup)
    assert restore_event.details["safety_copy"] == str(result.safety_copy)


def test_restore_refuses_while_a_server_runs_unless_forced(transactional_db):
    backup = backup_sqlite()
    server = subprocess.Popen(  # a stand-in for Daphne: another live process that registered itself
        [sys.executable, "-c", "import sys; print('up', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )  # fmt: skip
    server.stdout.readline()  # exec'd: its command line is its own now
    try:
        run_dir = Path(settings.RUN_DIR)
        run_dir.mkdir(parents=True)
        cmdline = Path(f"/proc/{server.pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        (run_dir / f"asgi-{server.pid}.pid").write_text(f"{server.pid}\n{cmdline}\n")
        PatientFactory(user__full_name="Not Yet Backed Up")

        with pytest.raises(BackupError, match="HMS is running"):
            restore_sqlite(backup=backup)
        with pytest.raises(CommandError, match="--force"):
            call_command("restore", str(backup))
        assert connection.cursor().execute("SELECT COUNT(*) FROM patients_patientprofile").fetchone()[0] == 1
        assert not (Path(settings.BACKUP_ROOT) / "safety").exists()

        result = restore_sqlite(backup=backup, force=True)
        assert connection.cursor().execute("SELECT COUNT(*) FROM patients_patientprofile").fetchone()[0] == 0
        assert AuditEvent.objects.get(action="restore").details["forced"] is True
        assert result.safety_copy.is_dir()
    finally:
        server.stdin.close()
        server.wait(timeout=10)
    # A dead server's pid file no longer blocks a restore.
    restore_sqlite(backup=backup)


def test_own_process_and_stale_pid_files_do_not_block(transactional_db):
    backup = backup_sqlite()
    register_server_process("asgi")  # this very process
    (Path(settings.RUN_DIR) / "asgi-999999999.pid").write_text("999999999\ndaphne hms.asgi:application\n")
    restore_sqlite(backup=backup)
    assert not (Path(settings.RUN_DIR) / "asgi-999999999.pid").exists()


def test_a_tampered_or_corrupt_backup_is_refused_and_nothing_changes(transactional_db):
    backup = backup_sqlite()
    PatientFactory()
    with (backup / "db.sqlite3").open("r+b") as handle:
        handle.seek(4096)
        handle.write(b"\x00garbage\x00" * 64)
    with pytest.raises(BackupError, match="checksum"):
        restore_sqlite(backup=backup)
    # Even with a matching checksum, a corrupt database is refused by the integrity check.
    manifest = json.loads((backup / "manifest.json").read_text())
    import hashlib

    manifest["database"]["sha256"] = hashlib.sha256((backup / "db.sqlite3").read_bytes()).hexdigest()
    (backup / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match="integrity check"):
        restore_sqlite(backup=backup)
    assert connection.cursor().execute("SELECT COUNT(*) FROM patients_patientprofile").fetchone()[0] == 1
    with pytest.raises(CommandError, match="not an HMS backup"):
        call_command("restore", str(Path(settings.BACKUP_ROOT)))


def test_no_secret_lands_in_a_backup(settings, transactional_db):
    settings.SECRET_KEY = "s3cr3t-key-that-must-never-be-in-a-backup-0123456789abcdef"
    settings.CALL_TURN_SECRET = "turn-secret-never-in-backups"
    settings.SMS_AUTH_TOKEN = "sms-token-never-in-backups"
    os.environ["HMS_TEST_DB_PASSWORD"] = "db-password-never-in-backups"
    try:
        PatientFactory()
        backup = backup_sqlite()
        blobs = [(backup / "manifest.json").read_bytes(), (backup / "db.sqlite3").read_bytes()]
        with tarfile.open(backup / "files.tar.gz") as archive:
            blobs += [archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()]
        for secret in (settings.SECRET_KEY, settings.CALL_TURN_SECRET, settings.SMS_AUTH_TOKEN,
                       os.environ["HMS_TEST_DB_PASSWORD"]):  # fmt: skip
            assert not any(secret.encode() in blob for blob in blobs), secret
    finally:
        del os.environ["HMS_TEST_DB_PASSWORD"]


def test_backup_and_restore_commands(photo_doctor, capsys):
    call_command("backup", "--keep", "3")
    assert "Backup written to" in capsys.readouterr().out
    call_command("restore")  # the newest
    out = capsys.readouterr().out
    assert "1 referenced files, 0 missing" in out and "Safety copy" in out
    with pytest.raises(CommandError, match="No backup at"):
        call_command("restore", "hms-nonexistent")
    with pytest.raises(CommandError, match="at least 1"):
        call_command("backup", "--keep", "0")


def test_audit_trail_is_append_only(transactional_db):
    backup_sqlite()
    event = AuditEvent.objects.get()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(target="rewritten")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()


def call_command_fails(name: str) -> bool:
    try:
        call_command(name)
    except CommandError:
        return True
    return False
