"""SQL for the append-only access log triggers (used by migration 0003 and by test cleanup)."""

TABLE = "patients_accesslogentry"

POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION hms_refuse_access_log_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The clinical access log is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER access_log_append_only
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION hms_refuse_access_log_change();
"""
POSTGRES_BACKWARD = f"""
DROP TRIGGER IF EXISTS access_log_append_only ON {TABLE};
DROP FUNCTION IF EXISTS hms_refuse_access_log_change();
"""

SQLITE_FORWARD = [
    f"""CREATE TRIGGER access_log_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'The clinical access log is append-only: UPDATE refused'); END;""",
    f"""CREATE TRIGGER access_log_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'The clinical access log is append-only: DELETE refused'); END;""",
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS access_log_no_update;", "DROP TRIGGER IF EXISTS access_log_no_delete;"]

# Issue 11: TRUNCATE skips row triggers, so PostgreSQL gets a statement-level trigger that refuses it as well.
# (SQLite has no TRUNCATE: its "DELETE FROM t" is caught by the row trigger above.) Only the table's owner can
# disable a trigger; production runs as a role that owns nothing (deploy/postgres-roles.sql).
TRUNCATE_TRIGGER = "access_log_no_truncate"
POSTGRES_TRUNCATE_FORWARD = f"""
CREATE TRIGGER {TRUNCATE_TRIGGER}
    BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION hms_refuse_access_log_change();
"""
POSTGRES_TRUNCATE_BACKWARD = f"DROP TRIGGER IF EXISTS {TRUNCATE_TRIGGER} ON {TABLE};"
