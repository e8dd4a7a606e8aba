#!/bin/sh
# pg-test-server.sh: a throwaway PostgreSQL 15 server for the test suite.
#   start DIR  initdb a cluster in DIR/data (trust auth, UTF8), start it on
#              127.0.0.1 at a free port with its socket in DIR, create the
#              database "sluice_test", and write the connection URL to DIR/url.
#   stop DIR   stop it (fast shutdown) and remove DIR.
# fsync is off (tests do not crash the server) unless PG_TEST_FSYNC=on, as
# bench/postgres.sh sets it so that servers run at their default settings.
# ctest runs `start` as a fixture before the tests that need PostgreSQL and
# `stop` after them (tests/CMakeLists.txt); scripts/test.sh and .ci/run get
# it that way. The server never listens on anything but 127.0.0.1.
# PostgreSQL refuses to run as root: as root the cluster belongs to the
# `postgres` user that Debian's package creates.
set -eu
cmd=${1:?usage: pg-test-server.sh start|stop DIR}
dir=${2:?usage: pg-test-server.sh start|stop DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "pg-test-server: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case $cmd in
start)
  [ -f "$dir/url" ] && "$0" stop "$dir" 2>/dev/null || true
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=${PG_TEST_FSYNC:-off} -c max_connections=60" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  "$bin/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c 'CREATE DATABASE sluice_test'
  echo "postgresql://postgres@127.0.0.1:$port/sluice_test" >"$dir/url"
  echo "pg-test-server: $(cat "$dir/url")";;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  fi
  rm -rf "$dir";;
*) echo "usage: pg-test-server.sh start|stop DIR" >&2; exit 2;;
esac
