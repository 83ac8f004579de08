from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from ops import partitioning


class Command(BaseCommand):
    help = (
        "Monthly partitions of append-only tables (PostgreSQL). `maintain` creates the coming months; `archive "
        "--older-than N` copies months older than N to gzipped CSV (audited), then detaches and drops them; "
        "`list` shows them."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list", "maintain", "archive"])
        parser.add_argument("--months-ahead", type=int, default=partitioning.MONTHS_AHEAD)
        parser.add_argument("--older-than", type=int, help="months to keep (archive)")
        parser.add_argument("--to", default=None, help="archive folder (default BACKUP_ROOT/partitions)")
        parser.add_argument("--table", action="append", help="only this table (repeatable)")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, action, months_ahead, older_than, to, table, dry_run, **options):
        if connection.vendor != "postgresql":
            self.stdout.write("Partitioning is PostgreSQL-only; the embedded SQLite database has nothing to do.")
            return
        if action == "maintain":
            created = partitioning.ensure_partitions(months_ahead=months_ahead)
            self.stdout.write(f"created {len(created)} partitions" + (f": {', '.join(created)}" if created else ""))
            with connection.cursor() as cursor:
                tables = partitioning.partitioned_tables(cursor)
            for name in tables:
                stray = partitioning.rows_in_default_partition(name)
                if stray:
                    self.stdout.write(self.style.WARNING(f"{name}: {stray} rows in the default partition"))
        elif action == "list":
            with connection.cursor() as cursor:
                for name in partitioning.partitioned_tables(cursor):
                    months = partitioning.month_partitions(cursor, name)
                    span = f"{months[0].month:%Y-%m} … {months[-1].month:%Y-%m}" if months else "none"
                    self.stdout.write(f"{name}: {len(months)} months ({span})")
        else:
            if not older_than or older_than < 1:
                raise CommandError("archive needs --older-than N (months to keep, at least 1).")
            directory = Path(to) if to else Path(settings.BACKUP_ROOT) / "partitions"
            done = partitioning.archive_partitions(
                older_than_months=older_than, directory=directory, dry_run=dry_run, tables=table
            )
            for entry in done:
                verb = "would archive" if dry_run else f"archived {entry['rows']} rows to {entry['file']} and dropped"
                self.stdout.write(f"{entry['partition']}: {verb}")
            self.stdout.write(f"{len(done)} partitions {'to archive' if dry_run else 'archived'}")
