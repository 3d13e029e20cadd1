#!/bin/sh
# A streaming read replica of the test server (scripts/setup-postgres.sh) on loopback, for the
# PostgreSQL engine's replica tests (idempotent).
#
# Starts the primary if needed, copies it with `pg_basebackup -R` (which writes the standby's
# primary_conninfo and standby.signal) into $KB_PG_REPLICA_DATA (default
# /var/tmp/kb-postgres-replica) and starts it as a hot standby on 127.0.0.1:$KB_PG_REPLICA_PORT
# (default 54330). The primary needs `wal_level=replica` (initdb's default) and a `replication`
# entry in pg_hba.conf for 127.0.0.1 (initdb writes one; the test cluster trusts loopback).
# Prints the replica's URL of database `kb` as its last line.
set -eu
DATA=${KB_PG_DATA:-/var/tmp/kb-postgres}
PORT=${KB_PG_PORT:-54329}
REPLICA=${KB_PG_REPLICA_DATA:-/var/tmp/kb-postgres-replica}
REPLICA_PORT=${KB_PG_REPLICA_PORT:-54330}

sh "$(dirname "$0")/setup-postgres.sh" >/dev/null
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
if [ "$(id -u)" = 0 ]; then AS="runuser -u postgres --"; else AS=""; fi

if [ ! -f "$REPLICA/PG_VERSION" ]; then
  rm -rf "$REPLICA"
  mkdir -p "$REPLICA"
  [ "$(id -u)" = 0 ] && chown postgres "$REPLICA"
  chmod 700 "$REPLICA"
  $AS "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PORT" -U postgres -D "$REPLICA" -R -X stream -c fast \
    >"$REPLICA.basebackup.log" 2>&1 || { cat "$REPLICA.basebackup.log" >&2; rm -rf "$REPLICA"; exit 1; }
fi

if ! $AS "$BIN/pg_ctl" -D "$REPLICA" status >/dev/null 2>&1; then
  $AS "$BIN/pg_ctl" -D "$REPLICA" -l "$REPLICA/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $REPLICA_PORT -c unix_socket_directories=$REPLICA -c max_connections=300 -c hot_standby=on" >/dev/null
fi

PSQL="$BIN/psql -h 127.0.0.1 -p $REPLICA_PORT -U postgres -qtA -d postgres"
if [ "$($PSQL -c "SELECT pg_is_in_recovery()")" != t ]; then
  echo "the server on port $REPLICA_PORT is not a standby; remove $REPLICA and run this again" >&2
  exit 1
fi
echo "postgresql://kb@127.0.0.1:$REPLICA_PORT/kb"
