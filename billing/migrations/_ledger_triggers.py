"""SQL for the append-only billing ledger (the access-log trigger pattern): UPDATE and DELETE are refused."""

TABLE = "billing_ledgerentry"

POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION hms_refuse_ledger_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The billing ledger is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER billing_ledger_append_only
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION hms_refuse_ledger_change();
"""
POSTGRES_BACKWARD = f"""
DROP TRIGGER IF EXISTS billing_ledger_append_only ON {TABLE};
DROP FUNCTION IF EXISTS hms_refuse_ledger_change();
"""

SQLITE_FORWARD = [
    f"""CREATE TRIGGER billing_ledger_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'The billing ledger is append-only: UPDATE refused'); END;""",
    f"""CREATE TRIGGER billing_ledger_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'The billing ledger is append-only: DELETE refused'); END;""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS billing_ledger_no_update;",
    "DROP TRIGGER IF EXISTS billing_ledger_no_delete;",
]
