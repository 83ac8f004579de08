from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from ops.backup import BackupError, backup_postgres, backup_sqlite


class Command(BaseCommand):
    help = (
        "Back up the database and the private files folder. SQLite: an online copy plus the files into "
        "BACKUP_ROOT/hms-<time>/, keeping the newest --keep. PostgreSQL: pgBackRest (--type) plus a files archive."
    )

    def add_arguments(self, parser):
        parser.add_argument("--keep", type=int, default=None, help="backups to keep (default BACKUP_KEEP)")
        parser.add_argument("--dir", default=None, help="backup folder (default BACKUP_ROOT)")
        parser.add_argument("--type", dest="backup_type", default="diff", choices=["full", "diff", "incr"],
                            help="PostgreSQL only: pgBackRest backup type")  # fmt: skip

    def handle(self, *args, keep, dir, backup_type, **options):
        if keep is not None and keep < 1:
            raise CommandError("--keep must be at least 1.")
        try:
            if connection.vendor == "sqlite":
                path = backup_sqlite(root=dir, keep=keep)
                self.stdout.write(self.style.SUCCESS(f"Backup written to {path}"))
            else:
                label, archive = backup_postgres(backup_type=backup_type, root=dir, keep=keep)
                self.stdout.write(self.style.SUCCESS(f"pgBackRest {backup_type} backup {label}; files in {archive}"))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Backups live in {dir or settings.BACKUP_ROOT}")
