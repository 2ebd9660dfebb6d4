#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the register tests; print its URL on stdout.
# Installs the server from Debian's packages if this machine has none. Idempotent.
set -euo pipefail
port="${LETTERS_PG_PORT:-55432}"
if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
data=/tmp/letters-pg-$port
if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
  rm -rf "$data"
  mkdir -p "$data"
  chown postgres:postgres "$data"
  su postgres -s /bin/sh -c "$bin/initdb -D $data -A trust -U postgres" >&2
  su postgres -s /bin/sh -c "$bin/pg_ctl -D $data -w -l $data/server.log \
    -o '-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off' start" >&2
fi
echo "postgresql://postgres@127.0.0.1:$port/postgres"
