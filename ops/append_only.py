"""Append-only tables at the database level, on PostgreSQL and SQLite: UPDATE and DELETE are refused by a trigger.

Reusable by any app with a ledger-like table (audit trail, delivery outbox, billing ledger, stock movements):

    from ops.append_only import AppendOnly

    operations = [..., AppendOnly("billing_ledgerentry")]

TRUNCATE and dropping a whole monthly partition (the retention command) are statements outside the
application's reach and are deliberately not covered.
"""

from django.db import migrations


def _names(table: str) -> dict[str, str]:
    return {
        "table": table,
        "function": f"hms_refuse_change_{table}"[:63],
        "trigger": f"{table}_append_only"[:63],
        "sqlite_update": f"{table}_no_update"[:63],
        "sqlite_delete": f"{table}_no_delete"[:63],
    }


def postgres_forward(table: str) -> str:
    n = _names(table)
    return f"""
CREATE OR REPLACE FUNCTION {n["function"]}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{table} is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {n["trigger"]}
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {n["function"]}();
"""


def postgres_backward(table: str) -> str:
    n = _names(table)
    return f"""
DROP TRIGGER IF EXISTS {n["trigger"]} ON {table};
DROP FUNCTION IF EXISTS {n["function"]}();
"""


def sqlite_forward(table: str) -> list[str]:
    n = _names(table)
    return [
        f"""CREATE TRIGGER {n["sqlite_update"]} BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END;""",
        f"""CREATE TRIGGER {n["sqlite_delete"]} BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END;""",
    ]


def sqlite_backward(table: str) -> list[str]:
    n = _names(table)
    return [f"DROP TRIGGER IF EXISTS {n['sqlite_update']};", f"DROP TRIGGER IF EXISTS {n['sqlite_delete']};"]


def apply(schema_editor, table: str, *, forward: bool = True) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        sql = postgres_forward(table) if forward else postgres_backward(table)
        schema_editor.execute(sql, params=None)  # no placeholders: "%" belongs to PL/pgSQL
    elif vendor == "sqlite":
        for statement in sqlite_forward(table) if forward else sqlite_backward(table):
            schema_editor.execute(statement)


class AppendOnly(migrations.RunPython):
    """Migration operation: make `table` refuse UPDATE and DELETE (reversible)."""

    def __init__(self, table: str):
        self.table = table
        super().__init__(self._forward, self._backward, elidable=False)

    def _forward(self, apps, schema_editor):
        apply(schema_editor, self.table, forward=True)

    def _backward(self, apps, schema_editor):
        apply(schema_editor, self.table, forward=False)

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.table], {})

    def describe(self):
        return f"Make {self.table} append-only"
