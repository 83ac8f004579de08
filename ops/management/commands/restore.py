from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from ops.backup import BackupError, list_backups, restore_files_only, restore_sqlite


class Command(BaseCommand):
    help = (
        "Restore an embedded-mode backup (database + private files). Refuses while HMS is running unless "
        "--force; keeps a safety copy of the current state first; checks checksums and integrity. "
        "PostgreSQL: the database comes back with pgBackRest (README); --files-only then restores the files."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", nargs="?", help="backup folder or name (default: the newest)")
        parser.add_argument("--force", action="store_true", help="restore even though HMS processes are running")
        parser.add_argument("--files-only", metavar="ARCHIVE", help="restore only this files archive (PostgreSQL)")
        parser.add_argument("--note", default="", help="why (kept in the audit trail)")

    def handle(self, *args, backup, force, files_only, note, **options):
        try:
            if files_only:
                result = restore_files_only(archive=Path(files_only), note=note)
            elif connection.vendor != "sqlite":
                raise CommandError(
                    "On PostgreSQL restore the database with pgBackRest (see README, 'Backups'), then run "
                    "`manage.py restore --files-only <files archive>`."
                )
            else:
                result = restore_sqlite(backup=self._resolve(backup), force=force)
                self.stdout.write(f"Safety copy of the previous state: {result.safety_copy}")
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{result.referenced_files} referenced files, {len(result.missing_files)} missing")
        for line in result.missing_files:
            self.stdout.write(f"  missing: {line}")
        self.stdout.write(self.style.SUCCESS(f"Restored from {result.backup}"))

    def _resolve(self, backup: str | None) -> Path:
        root = Path(settings.BACKUP_ROOT)
        if not backup:
            backups = list_backups(root)
            if not backups:
                raise CommandError(f"No backups in {root}.")
            return backups[-1]
        path = Path(backup)
        if not path.exists() and (root / backup).exists():
            path = root / backup
        if not path.is_dir():
            raise CommandError(f"No backup at {backup}.")
        return path
