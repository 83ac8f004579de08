"""SQL for the append-only stock ledger (copied from the access-log pattern, patients/migrations/_access_log_triggers.py)."""

TABLE = "pharmacy_stockmovement"

POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION hms_refuse_stock_movement_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Stock movements are append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER stock_movement_append_only
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION hms_refuse_stock_movement_change();
"""
POSTGRES_BACKWARD = f"""
DROP TRIGGER IF EXISTS stock_movement_append_only ON {TABLE};
DROP FUNCTION IF EXISTS hms_refuse_stock_movement_change();
"""

SQLITE_FORWARD = [
    f"""CREATE TRIGGER stock_movement_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'Stock movements are append-only: UPDATE refused'); END;""",
    f"""CREATE TRIGGER stock_movement_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'Stock movements are append-only: DELETE refused'); END;""",
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS stock_movement_no_update;", "DROP TRIGGER IF EXISTS stock_movement_no_delete;"]
