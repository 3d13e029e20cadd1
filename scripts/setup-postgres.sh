#!/bin/sh
# A PostgreSQL server on loopback for the PostgreSQL engine's tests and benchmarks (idempotent).
#
# Installs Debian's `postgresql` package when missing (apt-get update first), creates a cluster
# in $KB_PG_DATA (default /var/tmp/kb-postgres) owned by the `postgres` user (the server refuses
# to run as root), starts it on 127.0.0.1:$KB_PG_PORT (default 54329) and creates the role and
# database `kb`. Prints the connection URL as its last line; tests read it from
# $KB_PG_DATA/url. Stop it with: runuser -u postgres -- pg_ctl -D /var/tmp/kb-postgres stop
set -eu
DATA=${KB_PG_DATA:-/var/tmp/kb-postgres}
PORT=${KB_PG_PORT:-54329}

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql postgresql-contrib
fi
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
  AS="runuser -u postgres --"
  mkdir -p "$DATA"
  chown postgres "$DATA"
else
  AS=""
  mkdir -p "$DATA"
fi
chmod 700 "$DATA"

if [ ! -f "$DATA/PG_VERSION" ]; then
  $AS "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --no-locale >"$DATA.initdb.log" 2>&1 \
    || { cat "$DATA.initdb.log" >&2; exit 1; }
fi

if ! $AS "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  $AS "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$DATA -c max_connections=300" >/dev/null
fi

PSQL="$BIN/psql -h 127.0.0.1 -p $PORT -U postgres -v ON_ERROR_STOP=1 -qtA"
if [ "$($PSQL -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname = 'kb'")" != 1 ]; then
  $PSQL -d postgres -c "CREATE ROLE kb LOGIN CREATEDB"
fi
if [ "$($PSQL -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'kb'")" != 1 ]; then
  $PSQL -d postgres -c "CREATE DATABASE kb OWNER kb"
fi
URL="postgresql://kb@127.0.0.1:$PORT/kb"
echo "$URL" >"$DATA/url"
echo "$URL"
