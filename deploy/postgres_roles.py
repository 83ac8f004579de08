#!/usr/bin/env python3
"""Create HMS's PostgreSQL roles for production: an owner that runs migrations and an app role that runs the site.

    python deploy/postgres_roles.py --admin-url postgres://postgres@db:5432/hms --database hms \
        --owner hms_owner --app hms_app            # then set passwords: \\password hms_owner / hms_app
    python deploy/postgres_roles.py --database hms --print    # only print the SQL

* `hms_owner` (LOGIN, not a superuser, cannot create databases or roles) owns the schema and every table.
  Run `manage.py migrate` with DATABASE_URL=postgres://hms_owner@…/hms.
* `hms_app` (LOGIN, not a superuser, owns nothing) is what Daphne and Celery connect as:
  DATABASE_URL=postgres://hms_app@…/hms. It may SELECT/INSERT/UPDATE/DELETE rows, nothing else: it cannot
  TRUNCATE, create or alter tables, or disable a trigger (only an owner can), and on the append-only tables
  (APPEND_ONLY_TABLES) it may only SELECT and INSERT. The database triggers refuse UPDATE/DELETE/TRUNCATE on
  those tables as a second wall, even for the owner.

Re-running it is safe (roles are created once, grants are idempotent). patients/tests/test_database_roles.py
runs these statements against the test database and checks each refusal as the app role.
"""

import argparse
import sys

# Tables no one may change or empty once written (trigger-protected as well).
APPEND_ONLY_TABLES = ["patients_accesslogentry"]


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"Refusing odd identifier: {name!r}")
    return f'"{name}"'


def role_statements(*, database: str, owner: str, app: str) -> list[str]:
    o, a, d = _ident(owner), _ident(app), _ident(database)
    statements = []
    for role in (owner, app):
        statements.append(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') "  # noqa: S608 - checked ident
            f"THEN CREATE ROLE {_ident(role)} LOGIN; END IF; END $$;"
        )
        statements.append(
            f"ALTER ROLE {_ident(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;"
        )
    statements += [
        f"ALTER DATABASE {d} OWNER TO {o};",
        f"REVOKE ALL ON DATABASE {d} FROM PUBLIC;",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {d} TO {a};",
        f"ALTER SCHEMA public OWNER TO {o};",
        "REVOKE ALL ON SCHEMA public FROM PUBLIC;",
        f"GRANT USAGE ON SCHEMA public TO {a};",
        # Tables created earlier by another role (e.g. a first migrate as postgres) move to the owner.
        "DO $$ DECLARE t record; BEGIN "  # noqa: S608 - checked identifiers only
        "FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP "
        f"EXECUTE format('ALTER TABLE public.%I OWNER TO {o}', t.tablename); END LOOP; "
        "FOR t IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP "
        f"EXECUTE format('ALTER SEQUENCE public.%I OWNER TO {o}', t.sequencename); END LOOP; END $$;",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {a};",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {a};",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public"
        f" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {a};",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {a};",
    ]
    for table in APPEND_ONLY_TABLES:
        statements.append(f"REVOKE UPDATE, DELETE, TRUNCATE ON {_ident(table)} FROM {a};")
    return statements


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--admin-url", help="superuser connection to the HMS database (postgres://…/hms)")
    parser.add_argument("--database", default="hms")
    parser.add_argument("--owner", default="hms_owner")
    parser.add_argument("--app", default="hms_app")
    parser.add_argument("--print", action="store_true", help="print the SQL instead of running it")
    args = parser.parse_args(argv)
    statements = role_statements(database=args.database, owner=args.owner, app=args.app)
    if args.print or not args.admin_url:
        print("\n".join(statements))
        return 0
    import psycopg

    with psycopg.connect(args.admin_url, autocommit=False) as connection, connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    print(f"Roles ready: migrate as {args.owner}, run the site as {args.app}. Set their passwords with \\password.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
