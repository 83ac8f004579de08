"""Test-only helper: let the test runner empty the append-only access log between transactional tests.

Django flushes a transactional test database with one TRUNCATE of every table; on PostgreSQL the access log's
statement trigger refuses that. The test database is owned by the role the tests connect as, so the flush lifts
the trigger around its own TRUNCATE and puts it back, exactly as a DBA would for deliberate maintenance."""

from patients.migrations._access_log_triggers import TABLE, TRUNCATE_TRIGGER


def allow_test_flush_of_access_log() -> None:
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush
    if getattr(original, "_lifts_access_log_trigger", False):
        return

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        if TABLE not in tables or not statements:
            return statements
        return [
            f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRUNCATE_TRIGGER};",
            *statements,
            f"ALTER TABLE {TABLE} ENABLE TRIGGER {TRUNCATE_TRIGGER};",
        ]

    sql_flush._lifts_access_log_trigger = True
    DatabaseOperations.sql_flush = sql_flush
