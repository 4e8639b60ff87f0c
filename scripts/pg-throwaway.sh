#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster on 127.0.0.1 for the ledger tests; print its URL on stdout.
#   scripts/pg-throwaway.sh start DIR   -> installs the server from Debian packages if missing,
#                                          initdb in DIR, starts it on a free port, prints the URL
#   scripts/pg-throwaway.sh stop DIR    -> stops it
# Runs the server as an unprivileged user when called as root (initdb refuses root).
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?data directory}

find_bin() {
  local b
  b=$(command -v pg_ctl 2>/dev/null || true)
  [ -n "$b" ] && { dirname "$(readlink -f "$b")"; return; }
  b=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$b" ] && [ -x "$b/pg_ctl" ] && { echo "$b"; return; }
  return 1
}

as_owner() {  # run a command as the cluster's owner
  if [ "$(id -u)" = 0 ]; then runuser -u "$PGUSER_OS" -- "$@"; else "$@"; fi
}

PGUSER_OS=$( [ "$(id -u)" = 0 ] && echo postgres || id -un )

if [ "$cmd" = stop ]; then
  bin=$(find_bin) || exit 0
  [ -f "$dir/data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  exit 0
fi

if ! bin=$(find_bin); then
  if [ "$(id -u)" != 0 ]; then echo "pg-throwaway: PostgreSQL server missing; install it: apt-get install -y postgresql" >&2; exit 1; fi
  echo "pg-throwaway: installing postgresql (Debian packages)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q postgresql >&2 || { apt-get update -q >&2 && apt-get install -y -q postgresql >&2; }
  bin=$(find_bin)
fi
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then useradd --system --no-create-home postgres; fi

mkdir -p "$dir"
[ "$(id -u)" = 0 ] && chown "$PGUSER_OS" "$dir" && chmod 700 "$dir"
if [ ! -f "$dir/data/PG_VERSION" ]; then
  as_owner "$bin/initdb" -D "$dir/data" -U jiuzhu --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null 2>&1 \
    || as_owner "$bin/initdb" -D "$dir/data" -U jiuzhu --auth=trust -E UTF8 >/dev/null
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on -c max_connections=100" start >/dev/null
as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U jiuzhu jiuzhu_test
echo "postgresql+psycopg://jiuzhu@127.0.0.1:$port/jiuzhu_test"
