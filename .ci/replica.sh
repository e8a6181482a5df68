#!/usr/bin/env bash
# A streaming read replica of the local PostgreSQL, for the replica test (tests/plut/test_replica.py)
# and for trying the router by hand: `pg_basebackup -R` of the primary (127.0.0.1:5432) into a
# second cluster on 127.0.0.1:5433, started as a hot standby. `.ci/replica.sh stop` stops it.
#
# Then: PLUT_TEST_REPLICA_URL=postgres://postgres@127.0.0.1:5433/ for the tests (they mirror the
# test database, which the replica receives by itself), or DATABASE_REPLICA_URL=.../plut to serve.
set -euo pipefail

PRIMARY_PORT=${PRIMARY_PORT:-5432}
REPLICA_PORT=${REPLICA_PORT:-5433}
VERSION=$(ls /etc/postgresql | sort -V | tail -1)
BIN=/usr/lib/postgresql/$VERSION/bin
DATA=${REPLICA_DATA:-/var/lib/postgresql/$VERSION/replica-$REPLICA_PORT}
as_postgres() { runuser -u postgres -- "$@"; }

if [ "${1:-start}" = stop ]; then
  if [ -f "$DATA/postmaster.pid" ]; then as_postgres "$BIN/pg_ctl" -D "$DATA" -m fast stop; fi
  exit 0
fi

if pg_isready -q -h 127.0.0.1 -p "$REPLICA_PORT"; then
  echo "replica already running on port $REPLICA_PORT"
  exit 0
fi

psql_primary() { psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -Atc "$1"; }

# The primary must accept a replication connection from this machine (one line, once).
HBA=$(psql_primary "SHOW hba_file")
if ! grep -qE '^host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32' "$HBA"; then
  echo "host replication all 127.0.0.1/32 trust" >>"$HBA"
  psql_primary "SELECT pg_reload_conf()" >/dev/null
fi

rm -rf "$DATA"
install -d -o postgres -g postgres -m 700 "$DATA"
# -R writes standby.signal and primary_conninfo: the copy starts as a streaming standby.
as_postgres "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$DATA" \
  -R -X stream -c fast
# Debian keeps the configuration outside the data directory; the standby gets a minimal one.
# A hot standby needs at least the primary's connection and worker limits.
cat >"$DATA/postgresql.conf" <<CONF
port = $REPLICA_PORT
listen_addresses = '127.0.0.1'
hot_standby = on
max_connections = $(psql_primary "SHOW max_connections")
max_worker_processes = $(psql_primary "SHOW max_worker_processes")
max_wal_senders = $(psql_primary "SHOW max_wal_senders")
max_locks_per_transaction = $(psql_primary "SHOW max_locks_per_transaction")
max_prepared_transactions = $(psql_primary "SHOW max_prepared_transactions")
shared_buffers = 64MB
CONF
cat >"$DATA/pg_hba.conf" <<HBA
local all all trust
host all all 127.0.0.1/32 trust
HBA
chown postgres:postgres "$DATA/postgresql.conf" "$DATA/pg_hba.conf"
as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 120 start
for _ in $(seq 60); do pg_isready -q -h 127.0.0.1 -p "$REPLICA_PORT" && break; sleep 1; done
test "$(psql -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -Atc 'SELECT pg_is_in_recovery()')" = t
echo "replica streaming on 127.0.0.1:$REPLICA_PORT"
