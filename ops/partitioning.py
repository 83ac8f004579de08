# ruff: noqa: S608 - every name in the SQL below comes from our migrations or the PostgreSQL catalogue
"""Monthly range partitions for append-only tables on PostgreSQL, with retention by archiving whole months.

Only append-only tables qualify (access log, delivery log, billing ledger, stock movements …): their rows are
never updated, so a row never moves between partitions, and old months can be archived and dropped as a unit.
Never the appointments table: PostgreSQL cannot enforce the no-overlap exclusion constraint across partitions.

Reusable from any app's migration (a no-op on SQLite):

    from ops.partitioning import PartitionByMonth

    operations = [PartitionByMonth("billing_ledgerentry", column="created_at")]

The conversion keeps every index (as partitioned indexes), outgoing foreign key and row trigger (so the
append-only trigger still refuses UPDATE and DELETE); the primary key becomes (id, <column>) because PostgreSQL
requires the partition key in it, and id keeps coming from its sequence. A table that other tables reference
by foreign key cannot be partitioned this way and is refused with a message.

`manage.py partitions maintain` (daily via Celery beat) creates the coming months' partitions;
`manage.py partitions archive --older-than N` copies each month older than N months to a gzipped CSV with a
checksum, records it in the audit trail, then detaches and drops that month.
"""

import datetime as dt
import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.db import connection as default_connection
from django.db import migrations, transaction

MONTHS_AHEAD = 3


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def partition_name(table: str, month: dt.date) -> str:
    return f"{table}_p{month:%Y_%m}"


def default_partition_name(table: str) -> str:
    return f"{table}_pdefault"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def is_partitioned(cursor, table: str) -> bool:
    cursor.execute(
        "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
        "WHERE c.relname = %s AND pg_table_is_visible(c.oid)",
        [table],
    )
    return cursor.fetchone() is not None


def _definitions(cursor, table: str) -> dict[str, list[str]]:
    """Index, outgoing foreign key and trigger definitions of `table`, ready to replay on a rebuilt table."""
    cursor.execute(
        "SELECT indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname "
        "JOIN pg_index x ON x.indexrelid = c.oid WHERE i.tablename = %s AND NOT x.indisprimary",
        [table],
    )
    indexes = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' AND conparentid = 0",
        [table],
    )
    foreign_keys = [f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} {definition}" for name, definition in cursor]
    cursor.execute(
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal "
        "AND tgparentid = 0",
        [table],
    )
    triggers = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        "SELECT conrelid::regclass::text FROM pg_constraint WHERE confrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    referenced_by = [row[0] for row in cursor.fetchall()]
    return {"indexes": indexes, "foreign_keys": foreign_keys, "triggers": triggers, "referenced_by": referenced_by}


def _rebuild(cursor, table: str, column: str, *, partitioned: bool) -> None:
    old = f"{table}__rebuild"
    sequence = f"{table}_id_seq"
    found = _definitions(cursor, table)
    if found["referenced_by"]:
        raise RuntimeError(
            f"{table} is referenced by foreign keys from {', '.join(found['referenced_by'])}: it cannot be "
            "partitioned (a partitioned table's key must include the partition column)."
        )
    cursor.execute(f"ALTER TABLE {_q(table)} RENAME TO {_q(old)}")
    cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'", [old])
    for (primary_key,) in cursor.fetchall():  # its index name would clash with the new table's key
        cursor.execute(f"ALTER TABLE {_q(old)} RENAME CONSTRAINT {_q(primary_key)} TO {_q(old + '_pkey')}")
    cursor.execute(f"ALTER TABLE {_q(old)} ALTER COLUMN id DROP IDENTITY IF EXISTS")
    cursor.execute(f"ALTER TABLE {_q(old)} ALTER COLUMN id DROP DEFAULT")
    cursor.execute(f"DROP SEQUENCE IF EXISTS {_q(sequence)}")
    suffix = f" PARTITION BY RANGE ({_q(column)})" if partitioned else ""
    cursor.execute(
        f"CREATE TABLE {_q(table)} (LIKE {_q(old)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)" + suffix
    )
    cursor.execute(f"CREATE SEQUENCE {_q(sequence)} AS bigint OWNED BY {_q(table)}.id")
    cursor.execute(f"ALTER TABLE {_q(table)} ALTER COLUMN id SET DEFAULT nextval('{sequence}'::regclass)")
    key = f"id, {_q(column)}" if partitioned else "id"
    cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(table + '_pkey')} PRIMARY KEY ({key})")
    if partitioned:
        cursor.execute(f"CREATE TABLE {_q(default_partition_name(table))} PARTITION OF {_q(table)} DEFAULT")
        cursor.execute(f"SELECT min({_q(column)}) FROM {_q(old)}")
        oldest = cursor.fetchone()[0]
        today = dt.datetime.now(dt.UTC).date()
        first = _month_start(oldest.date()) if oldest else _month_start(today)
        month = first
        while month <= _add_months(_month_start(today), MONTHS_AHEAD):
            _create_month(cursor, table, month)
            month = _add_months(month, 1)
    cursor.execute(f"INSERT INTO {_q(table)} SELECT * FROM {_q(old)}")
    cursor.execute(f"SELECT setval('{sequence}'::regclass, coalesce((SELECT max(id) FROM {_q(table)}), 0) + 1, false)")
    cursor.execute(f"DROP TABLE {_q(old)}")
    for statement in found["indexes"] + found["foreign_keys"] + found["triggers"]:
        cursor.execute(statement.replace(f" ON public.{old} ", f" ON public.{table} "))


def _create_month(cursor, table: str, month: dt.date) -> bool:
    name = partition_name(table, month)
    cursor.execute("SELECT to_regclass(%s)", [name])
    if cursor.fetchone()[0]:
        return False
    cursor.execute(
        f"CREATE TABLE {_q(name)} PARTITION OF {_q(table)} FOR VALUES FROM (%s) TO (%s)",
        [month.isoformat(), _add_months(month, 1).isoformat()],
    )
    return True


class PartitionByMonth(migrations.operations.base.Operation):
    """Migration operation: partition `table` by month of `column` (PostgreSQL; nothing on other databases)."""

    reversible = True
    reduces_to_sql = False

    def __init__(self, table: str, column: str = "created_at"):
        self.table = table
        self.column = column

    def state_forwards(self, app_label, state):
        pass  # the model does not change; only its storage does

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                _rebuild(cursor, self.table, self.column, partitioned=True)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                _rebuild(cursor, self.table, self.column, partitioned=False)

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.table], {"column": self.column})

    def describe(self):
        return f"Partition {self.table} by month of {self.column}"


# --- maintenance ---------------------------------------------------------------------------------


@dataclass
class MonthPartition:
    table: str
    name: str
    month: dt.date


def partitioned_tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
        "WHERE pg_table_is_visible(c.oid) ORDER BY c.relname"
    )
    return [row[0] for row in cursor.fetchall()]


def month_partitions(cursor, table: str) -> list[MonthPartition]:
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
        [table],
    )
    found = []
    prefix = f"{table}_p"
    for (name,) in cursor.fetchall():
        tail = name[len(prefix) :]
        try:
            month = dt.datetime.strptime(tail, "%Y_%m").date()  # noqa: DTZ007 - a partition name, not a moment
        except ValueError:
            continue
        found.append(MonthPartition(table, name, month))
    return found


def ensure_partitions(*, months_ahead: int = MONTHS_AHEAD, today: dt.date | None = None) -> list[str]:
    """Create this month's and the next `months_ahead` months' partitions for every partitioned table."""
    if default_connection.vendor != "postgresql":
        return []
    today = today or dt.datetime.now(dt.UTC).date()
    created = []
    with transaction.atomic(), default_connection.cursor() as cursor:
        for table in partitioned_tables(cursor):
            for offset in range(months_ahead + 1):
                month = _add_months(_month_start(today), offset)
                if _create_month(cursor, table, month):
                    created.append(partition_name(table, month))
    return created


def rows_in_default_partition(table: str) -> int:
    with default_connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {_q(default_partition_name(table))}")
        return cursor.fetchone()[0]


def archive_partitions(*, older_than_months: int, directory: Path, dry_run: bool = False,
                       tables: list[str] | None = None, today: dt.date | None = None) -> list[dict]:  # fmt: skip
    """Copy every month partition entirely older than `older_than_months` to <directory>/<partition>.csv.gz,
    record it in the audit trail, then detach and drop it. Returns what was (or would be) archived."""
    from ops.services import audit_record

    if default_connection.vendor != "postgresql":
        return []
    if older_than_months < 1:
        raise ValueError("Keep at least the current month.")
    today = today or dt.datetime.now(dt.UTC).date()
    cutoff = _add_months(_month_start(today), -older_than_months)
    done = []
    with default_connection.cursor() as cursor:
        names = tables or partitioned_tables(cursor)
        candidates = [p for table in names for p in month_partitions(cursor, table) if p.month < cutoff]
    for partition in candidates:
        entry = {"table": partition.table, "partition": partition.name, "month": partition.month.isoformat()}
        if dry_run:
            done.append(entry)
            continue
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / f"{partition.name}.csv.gz"
        with transaction.atomic(), default_connection.cursor() as cursor:
            # Lock the month against writers while it is copied and dropped.
            cursor.execute(f"LOCK TABLE {_q(partition.name)} IN ACCESS EXCLUSIVE MODE")
            rows = 0
            with gzip.open(target, "wb") as out:
                copy_sql = f"COPY (SELECT * FROM {_q(partition.name)} ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)"
                with cursor.cursor.copy(copy_sql) as copy:
                    for data in copy:
                        out.write(bytes(data))
                        rows += bytes(data).count(b"\n")
            entry.update(
                rows=max(rows - 1, 0), file=str(target), sha256=hashlib.sha256(target.read_bytes()).hexdigest()
            )
            audit_record(action="partition_archive", target=partition.name, details=entry)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # settle deferred FK checks before the DDL
            cursor.execute(f"ALTER TABLE {_q(partition.table)} DETACH PARTITION {_q(partition.name)}")
            cursor.execute(f"DROP TABLE {_q(partition.name)}")
        done.append(entry)
    return done
