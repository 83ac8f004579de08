"""Backups and restores.

Embedded mode (SQLite): one folder per backup, ``<BACKUP_ROOT>/hms-<UTC time>/`` holding

* ``db.sqlite3`` — made with SQLite's online backup API (consistent while the app keeps writing),
* ``files.tar.gz`` — the private files folder (documents, DICOM studies, photos), taken right after the
  database, so every file the database refers to is in it (files get random new names and are never
  rewritten in place),
* ``manifest.json`` — checksums, sizes, row counts and applied migrations. Never settings: no secret key,
  password or token ever lands in a backup (a test greps for them).

PostgreSQL: the database goes to pgBackRest (WAL archiving + full/diff backups, see deploy/pgbackrest/);
``manage.py backup`` runs it and archives the private files beside it, stamped with the same time.
"""

import datetime as dt
import hashlib
import json
import shlex
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections

from hms.errors import DomainError
from ops.files import verify_files
from ops.runtime import running_server_processes
from ops.services import audit_record

MANIFEST = "manifest.json"
DB_FILE = "db.sqlite3"
FILES_ARCHIVE = "files.tar.gz"
FORMAT_VERSION = 1


class BackupError(DomainError):
    """A refusal with a message for the operator."""


class RestoreRefused(BackupError):
    pass


@dataclass
class RestoreResult:
    backup: Path
    safety_copy: Path
    referenced_files: int
    missing_files: list[str]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _now_stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _sqlite_path(using: str = "default") -> Path:
    connection = connections[using]
    if connection.vendor != "sqlite":
        raise BackupError("This backup format is for the embedded SQLite database.")
    return Path(connection.settings_dict["NAME"])


def _integrity(path: Path) -> str:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as probe:
            return probe.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        return str(error)


def _row_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as probe:
        tables = [
            row[0]
            for row in probe.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {table: probe.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables}  # noqa: S608


def _archive_files(destination: Path) -> int:
    """tar.gz of PRIVATE_FILES_ROOT (arcname "files"); returns the number of files."""
    root = Path(settings.PRIVATE_FILES_ROOT)
    count = 0
    with tarfile.open(destination, "w:gz") as archive:
        archive.add(tempfile.mkdtemp(), arcname="files", recursive=False)  # the folder itself, even when empty
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    archive.add(path, arcname=f"files/{path.relative_to(root)}", recursive=False)
                    count += 1
    return count


def _applied_migrations(path: Path) -> dict[str, str]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as probe:
        rows = probe.execute("SELECT app, name FROM django_migrations ORDER BY id")
        latest: dict[str, str] = {}
        for app, name in rows:
            latest[app] = name
        return latest


def list_backups(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(path for path in root.glob("hms-*") if (path / MANIFEST).is_file())


def _write_sqlite_backup(root: Path) -> Path:
    live = _sqlite_path()
    root.mkdir(parents=True, exist_ok=True)
    name = f"hms-{_now_stamp()}"
    staging = root / f".partial-{name}"
    staging.mkdir()
    try:
        target = staging / DB_FILE
        source = sqlite3.connect(live, timeout=30)
        try:
            with sqlite3.connect(target) as destination:
                source.backup(destination, pages=1024)
        finally:
            source.close()
        with sqlite3.connect(target) as copy:
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        check = _integrity(target)
        if check != "ok":
            raise BackupError(f"The copy failed its integrity check: {check}")
        file_count = _archive_files(staging / FILES_ARCHIVE)
        manifest = {
            "format": FORMAT_VERSION,
            "engine": "sqlite",
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "database": {"file": DB_FILE, "sha256": _sha256(target), "bytes": target.stat().st_size},
            "files": {
                "file": FILES_ARCHIVE,
                "sha256": _sha256(staging / FILES_ARCHIVE),
                "bytes": (staging / FILES_ARCHIVE).stat().st_size,
                "count": file_count,
            },
            "row_counts": _row_counts(target),
            "migrations": _applied_migrations(target),
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        final = root / name
        staging.rename(final)
        return final
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def prune(root: Path, keep: int) -> list[Path]:
    """Keep the newest `keep` backups in root; return the ones removed."""
    backups = list_backups(root)
    doomed = backups[: max(len(backups) - keep, 0)] if keep > 0 else []
    for path in doomed:
        shutil.rmtree(path)
    return doomed


def backup_sqlite(*, root: Path | None = None, keep: int | None = None, actor=None) -> Path:
    root = Path(root or settings.BACKUP_ROOT)
    keep = settings.BACKUP_KEEP if keep is None else keep
    path = _write_sqlite_backup(root)
    removed = prune(root, keep)
    manifest = json.loads((path / MANIFEST).read_text())
    audit_record(
        action="backup",
        target=str(path),
        actor=actor,
        details={
            "engine": "sqlite",
            "database_sha256": manifest["database"]["sha256"],
            "files": manifest["files"]["count"],
            "pruned": [p.name for p in removed],
        },
    )
    return path


def check_backup(path: Path) -> dict:
    """The manifest of a sound backup; BackupError if anything is missing, altered or corrupt."""
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{path} is not an HMS backup (no {MANIFEST}).")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("engine") != "sqlite" or manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"{path} is not an embedded-mode backup this version can restore.")
    for part in ("database", "files"):
        file_path = path / manifest[part]["file"]
        if not file_path.is_file() or _sha256(file_path) != manifest[part]["sha256"]:
            raise BackupError(f"{file_path.name} in {path.name} is missing or does not match its checksum.")
    check = _integrity(path / DB_FILE)
    if check != "ok":
        raise BackupError(f"The backed-up database fails its integrity check: {check}")
    return manifest


def _restore_files(archive: Path) -> None:
    """Swap the private files folder for the archive's copy (extracted beside it first, then renamed)."""
    root = Path(settings.PRIVATE_FILES_ROOT)
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=root.parent))
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(staging, filter="data")  # "data" refuses absolute paths, links out, devices
        extracted = staging / "files"
        previous = root.with_name(root.name + ".pre-restore")
        if previous.exists():
            shutil.rmtree(previous)
        if root.exists():
            root.rename(previous)
        extracted.rename(root)
        if previous.exists():
            shutil.rmtree(previous)  # the safety copy holds them
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def restore_sqlite(*, backup: Path, force: bool = False, root: Path | None = None, actor=None) -> RestoreResult:
    root = Path(root or settings.BACKUP_ROOT)
    manifest = check_backup(backup)
    running = running_server_processes()
    if running and not force:
        listed = ", ".join(f"{pid} ({cmd[:60]})" for pid, cmd in running)
        raise RestoreRefused(
            f"HMS is running ({listed}). Stop the server and workers first, or pass --force to restore anyway."
        )
    safety = _write_sqlite_backup(root / "safety")
    prune(root / "safety", settings.BACKUP_KEEP)
    live = _sqlite_path()
    connections.close_all()
    source = sqlite3.connect(f"file:{backup / DB_FILE}?mode=ro", uri=True)
    try:
        destination = sqlite3.connect(live, timeout=30)
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()
    check = _integrity(live)
    if check != "ok":
        raise BackupError(f"The restored database fails its integrity check ({check}); the safety copy is {safety}.")
    _restore_files(backup / FILES_ARCHIVE)
    report = verify_files()
    audit_record(
        action="restore",
        target=str(backup),
        actor=actor,
        details={
            "engine": "sqlite",
            "backup_created_at": manifest["created_at"],
            "safety_copy": str(safety),
            "forced": bool(running and force),
            "missing_files": len(report.missing),
        },
    )
    return RestoreResult(backup, safety, report.referenced, report.missing)


# --- PostgreSQL: pgBackRest for the database, a files archive beside it ------------------------------


def _pgbackrest(*args: str) -> subprocess.CompletedProcess:
    # HMS_PGBACKREST_BIN may carry a prefix: "sudo -n -u postgres pgbackrest" (pgBackRest runs as the cluster owner).
    command = [*shlex.split(settings.PGBACKREST_BIN), f"--stanza={settings.PGBACKREST_STANZA}", *args]
    if settings.PGBACKREST_CONFIG:
        command.append(f"--config={settings.PGBACKREST_CONFIG}")
    return subprocess.run(command, check=False, capture_output=True, text=True)  # noqa: S603 - our own settings


def backup_postgres(*, backup_type: str = "diff", root: Path | None = None, keep: int | None = None, actor=None):
    """pgBackRest backup of the cluster, then the private files archived under BACKUP_ROOT with the same stamp."""
    if backup_type not in {"full", "diff", "incr"}:
        raise BackupError("The backup type is full, diff or incr.")
    root = Path(root or settings.BACKUP_ROOT)
    keep = settings.BACKUP_KEEP if keep is None else keep
    done = _pgbackrest(f"--type={backup_type}", "backup")
    if done.returncode != 0:
        raise BackupError(f"pgbackrest backup failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    info = _pgbackrest("--output=json", "info")
    label = ""
    if info.returncode == 0:
        try:
            backups = json.loads(info.stdout)[0]["backup"]
            label = backups[-1]["label"] if backups else ""
        except (ValueError, LookupError, TypeError):
            label = ""
    root.mkdir(parents=True, exist_ok=True)
    name = f"files-{_now_stamp()}.tar.gz"
    staging = root / f".partial-{name}"
    count = _archive_files(staging)
    staging.rename(root / name)
    archives = sorted(root.glob("files-*.tar.gz"))
    for old in archives[: max(len(archives) - keep, 0)]:
        old.unlink()
    audit_record(
        action="backup",
        target=label or settings.PGBACKREST_STANZA,
        actor=actor,
        details={"engine": "postgresql", "type": backup_type, "pgbackrest_label": label, "files_archive": name,
                 "files": count},
    )  # fmt: skip
    return label, root / name


def restore_files_only(*, archive: Path, note: str = "", actor=None) -> RestoreResult:
    """After a pgBackRest restore (the database comes back outside Django): put the files archive taken at or
    after the recovery target in place, check every referenced file is there, and record the restore."""
    if not archive.is_file():
        raise BackupError(f"No files archive at {archive}.")
    _restore_files(archive)
    report = verify_files()
    audit_record(
        action="restore",
        target=str(archive),
        actor=actor,
        details={"engine": connections["default"].vendor, "files_only": True, "note": note[:500],
                 "missing_files": len(report.missing)},
    )  # fmt: skip
    return RestoreResult(archive, Path(), report.referenced, report.missing)
