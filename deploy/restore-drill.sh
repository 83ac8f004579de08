#!/usr/bin/env bash
# Restore drill: proves on this machine that a point-in-time restore brings HMS back, and how long it takes.
#
#   private PostgreSQL cluster (Unix socket only) → migrate + demo data → pgBackRest full backup (encrypted,
#   compressed, two repositories) → marker rows + a marker file → differential backup → checksums of every
#   table → an "accidental" DELETE and rm of the files → PITR to just before the delete into a scratch data
#   directory → checksums match, `migrate --check`, files restored, `verify_files` 0 missing, smoke test.
#
# Usage: deploy/restore-drill.sh   (from the repo root; `make drill` does it; CI runs it). Never touches the
# machine's shared PostgreSQL: everything lives in a temp dir and is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PORT=${DRILL_PORT:-8850}
SCRATCH_PORT=$((PORT + 1))
PYTHON=${PYTHON:-.venv/bin/python}
MARKERS=${DRILL_MARKERS:-200}
WORK=$(mktemp -d /tmp/hms-drill.XXXXXX)
chmod 755 "$WORK"
SOCK="$WORK/sock"
STANZA=hms

# PostgreSQL and pgBackRest refuse to run as root; as root (CI) they run as the postgres user.
if [ "$(id -u)" = 0 ]; then
  PGUSER_OS=postgres
  as_pg() { runuser -u "$PGUSER_OS" -- "$@"; }
else
  PGUSER_OS=$(id -un)
  as_pg() { "$@"; }
fi

cleanup() {
  for dir in "$WORK/scratch" "$WORK/data"; do
    [ -f "$dir/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1 || true
  done
  if [ "${DRILL_KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
step() { printf '\n== %s\n' "$*"; }
declare -A T

mkdir -p "$SOCK" "$WORK/repo1" "$WORK/repo2" "$WORK/log" "$WORK/lock" "$WORK/spool"
chown -R "$PGUSER_OS" "$WORK"
# Fresh random cipher passphrases: they live only in the pgBackRest config, never in the repository.
CIPHER1=$(head -c 32 /dev/urandom | base64 | tr -d '/+=')
CIPHER2=$(head -c 32 /dev/urandom | base64 | tr -d '/+=')
# Same shape as deploy/pgbackrest/pgbackrest.conf, with paths in the temp dir.
cat >"$WORK/pgbackrest.conf" <<CONF
[global]
repo1-path=$WORK/repo1
repo1-cipher-type=aes-256-cbc
repo1-cipher-pass=$CIPHER1
repo1-retention-full=2
repo1-retention-full-type=count
repo2-path=$WORK/repo2
repo2-cipher-type=aes-256-cbc
repo2-cipher-pass=$CIPHER2
repo2-retention-full=4
compress-type=gz
compress-level=1
process-max=2
start-fast=y
archive-async=n
log-path=$WORK/log
lock-path=$WORK/lock
spool-path=$WORK/spool
log-level-console=warn
log-level-file=info

[$STANZA]
pg1-path=$WORK/data
pg1-socket-path=$SOCK
pg1-port=$PORT
pg1-user=$PGUSER_OS
CONF
chown "$PGUSER_OS" "$WORK/pgbackrest.conf"
chmod 600 "$WORK/pgbackrest.conf"
cat >"$WORK/pgbackrest" <<WRAP
#!/bin/sh
# pgBackRest runs as the cluster's owner (as it would under "sudo -u postgres" in production).
if [ "\$(id -u)" = 0 ]; then exec runuser -u $PGUSER_OS -- pgbackrest --config=$WORK/pgbackrest.conf "\$@"; fi
exec pgbackrest --config=$WORK/pgbackrest.conf "\$@"
WRAP
chmod 755 "$WORK/pgbackrest"
PGBR="$WORK/pgbackrest"

DRILL_DB=hms_drill
export DATABASE_URL="postgres://$PGUSER_OS@%2F${SOCK//\//%2F}:$PORT/$DRILL_DB"
export TEST_DATABASE_NAME=test_hms_drill_unused
export PRIVATE_FILES_ROOT="$WORK/files"
export BACKUP_ROOT="$WORK/file-backups"
export HMS_RUN_DIR="$WORK/run"
export HMS_PGBACKREST_BIN="$PGBR" HMS_PGBACKREST_STANZA=$STANZA
unset REDIS_URL
export CONN_MAX_AGE=0

step "private cluster on $SOCK (port $PORT)"
t=$(now)
as_pg "$PGBIN/initdb" -D "$WORK/data" -U "$PGUSER_OS" --auth=trust -E UTF8 --no-locale >/dev/null
cat >>"$WORK/data/postgresql.conf" <<CONF
listen_addresses = ''
port = $PORT
unix_socket_directories = '$SOCK'
wal_level = replica
archive_mode = on
archive_command = '$PGBR --stanza=$STANZA archive-push %p'
# RPO: a WAL segment is archived at least once a minute even when little is written.
archive_timeout = 60
max_wal_senders = 3
shared_buffers = 64MB
# Drill only (CI speed on a shared machine): a crash of this throw-away cluster loses nothing we need.
fsync = off
synchronous_commit = off
full_page_writes = on
CONF
as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/log/pg.log" -w start >/dev/null
as_pg "$PGBIN/createdb" -h "$SOCK" -p "$PORT" "$DRILL_DB"
as_pg "$PGBR" --stanza=$STANZA stanza-create >/dev/null
as_pg "$PGBR" --stanza=$STANZA check >/dev/null
T[cluster]=$(took "$t")

step "migrate + demo data"
t=$(now)
"$PYTHON" manage.py migrate --noinput -v0
"$PYTHON" manage.py seed_demo >/dev/null 2>&1
T[seed]=$(took "$t")

step "full backup (repo1 + repo2) with the files"
t=$(now)
"$PYTHON" manage.py backup --type=full
"$PGBR" --stanza=$STANZA --repo=2 --type=full backup
T[full]=$(took "$t")

step "marker rows + marker file, then a differential backup"
"$PYTHON" manage.py drill mark --count "$MARKERS"
t=$(now)
"$PYTHON" manage.py backup --type=diff
T[diff]=$(took "$t")
"$PYTHON" manage.py drill checksums >"$WORK/before.json"

psql_drill() { as_pg psql -h "$SOCK" -p "$PORT" -d "$DRILL_DB" -Atqc "$1"; }
# The recovery target: after everything above committed, before the accident.
sleep 1
TARGET=$(psql_drill "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
sleep 1

step "the accident at $TARGET + 1s: markers deleted, files folder removed"
DELETED=$(psql_drill "WITH gone AS (DELETE FROM notifications_notification WHERE title LIKE 'Restore drill marker%' RETURNING 1) SELECT count(*) FROM gone")
rm -rf "$PRIVATE_FILES_ROOT"
echo "deleted $DELETED marker rows"
[ "$DELETED" = "$MARKERS" ] || { echo "FAIL: expected to delete $MARKERS rows"; exit 1; }
# Ship the WAL holding the delete too (archive_timeout would within a minute).
psql_drill "SELECT pg_switch_wal()" >/dev/null
"$PGBR" --stanza=$STANZA check >/dev/null

step "point-in-time restore to $TARGET into a scratch data directory"
rto_start=$(now)
t=$(now)
mkdir -p "$WORK/scratch" && chown "$PGUSER_OS" "$WORK/scratch" && chmod 700 "$WORK/scratch"
"$PGBR" --stanza=$STANZA --pg1-path="$WORK/scratch" --type=time --target="$TARGET" \
  --target-action=promote --archive-mode=off restore
T[restore]=$(took "$t")
t=$(now)
as_pg "$PGBIN/pg_ctl" -D "$WORK/scratch" -l "$WORK/log/scratch.log" -o "-p $SCRATCH_PORT" -w -t 300 start >/dev/null
for _ in $(seq 120); do
  [ "$(as_pg psql -h "$SOCK" -p "$SCRATCH_PORT" -d "$DRILL_DB" -Atqc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ] && break
  sleep 0.5
done
T[recovery]=$(took "$t")

export DATABASE_URL="postgres://$PGUSER_OS@%2F${SOCK//\//%2F}:$SCRATCH_PORT/$DRILL_DB"
export PRIVATE_FILES_ROOT="$WORK/files-restored"

step "checks on the restored copy"
t=$(now)
"$PYTHON" manage.py drill checksums >"$WORK/after.json"
"$PYTHON" - "$WORK/before.json" "$WORK/after.json" <<'PY'
import json, sys
before, after = (json.load(open(p)) for p in sys.argv[1:3])
bad = sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))
rows = sum(v[0] for v in before.values())
if bad:
    for t in bad:
        print(f"  MISMATCH {t}: before {before.get(t)} after {after.get(t)}")
    sys.exit(1)
print(f"  ok   {len(before)} tables, {rows} rows: counts and checksums match the state before the accident")
PY
"$PYTHON" manage.py migrate --check >/dev/null && echo "  ok   migrate --check: no unapplied migrations"
FILES_ARCHIVE=$(ls "$BACKUP_ROOT"/files-*.tar.gz | tail -1)
"$PYTHON" manage.py restore --files-only "$FILES_ARCHIVE" --note "restore drill: PITR to $TARGET" | sed 's/^/  /'
"$PYTHON" manage.py verify_files | sed 's/^/  /'
"$PYTHON" manage.py drill smoke
T[verify]=$(took "$t")
RTO=$(took "$rto_start")

step "no secret inside the backups"
# The repositories are encrypted: neither marker text nor the cipher passphrases may appear in them; the files
# archives (private files only) hold no settings either.
leaks=0
for needle in "Restore drill marker" "$CIPHER1" "$CIPHER2" "django-insecure-local-development-only"; do
  if grep -rqaF -- "$needle" "$WORK/repo1" "$WORK/repo2"; then echo "  LEAK in a repository: ${needle:0:12}…"; leaks=1; fi
done
for needle in "$CIPHER1" "$CIPHER2" "django-insecure-local-development-only"; do
  for archive in "$BACKUP_ROOT"/files-*.tar.gz; do
    if tar -xzOf "$archive" | grep -qaF -- "$needle"; then echo "  LEAK in $archive"; leaks=1; fi
  done
done
[ "$leaks" = 0 ] && echo "  ok   repositories encrypted, no passphrase or key in any archive" || exit 1
AUDIT=$(as_pg psql -h "$SOCK" -p "$SCRATCH_PORT" -d "$DRILL_DB" -Atqc "SELECT string_agg(action || ':' || coalesce(details->>'type', 'files'), ' ' ORDER BY id) FROM ops_auditevent")
echo "  ok   audit trail on the restored copy: $AUDIT"

printf '\n== timings (seconds)\n'
printf '  cluster + stanza %6s\n  migrate + seed   %6s\n  full backup x2   %6s\n  diff backup      %6s\n' \
  "${T[cluster]}" "${T[seed]}" "${T[full]}" "${T[diff]}"
printf '  pgbackrest restore %4s\n  WAL replay + promote %2s\n  verification     %6s\n' \
  "${T[restore]}" "${T[recovery]}" "${T[verify]}"
printf '  RTO (restore start → verified, smoke passed): %ss\n' "$RTO"
echo "RESTORE DRILL PASSED"
