#!/usr/bin/env bash
# Runs a command with a private PostgreSQL server on loopback: a fresh
# cluster in a throw-away folder (never the machine's own), fsync on as in
# production, stopped and deleted afterwards. The command finds it in
# ASSENT_TEST_POSTGRES (a postgres:// URL of a superuser, database postgres).
#
#   bash scripts/with-postgres.sh CMD [ARGS…]
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [[ -z "$bin" || ! -x "$bin/initdb" ]]; then
  echo "PostgreSQL is not installed (bash scripts/install-deps.sh installs it)" >&2
  exit 1
fi
home=$(mktemp -d /tmp/assent-pg.XXXXXX)
# PostgreSQL refuses to run as root: run the server as the postgres user then.
as=()
if [[ "$(id -u)" -eq 0 ]]; then
  chown postgres: "$home"
  as=(runuser -u postgres --)
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
stop() {
  "${as[@]}" "$bin/pg_ctl" -D "$home/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$home"
}
trap stop EXIT
"${as[@]}" "$bin/initdb" -D "$home/data" -U assent --auth=trust --no-sync -E UTF8 >/dev/null
"${as[@]}" "$bin/pg_ctl" -D "$home/data" -l "$home/server.log" -w -t 60 start \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $home -c max_connections=300" >/dev/null \
  || { cat "$home/server.log" >&2; exit 1; }
export ASSENT_TEST_POSTGRES="postgres://assent@127.0.0.1:$port/postgres"
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
"$@"
