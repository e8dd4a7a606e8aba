#!/bin/sh
# http-test-server.sh: the fake SaaS API of the HTTP tests (tests/http/server.py).
#   start DIR  start it on 127.0.0.1 at a free port; writes DIR/url and DIR/pid
#   stop DIR   stop it and remove DIR
# ctest runs these as a fixture around the tests whose name contains "http"
# (tests/CMakeLists.txt), so scripts/test.sh and .ci/run get it too.
set -eu
cmd=${1:?usage: http-test-server.sh start|stop DIR}
dir=${2:?usage: http-test-server.sh start|stop DIR}
here=$(cd "$(dirname "$0")/.." && pwd)
case $cmd in
start)
  [ -f "$dir/pid" ] && "$0" stop "$dir" 2>/dev/null || true
  mkdir -p "$dir"
  rm -f "$dir/port"
  python3 "$here/tests/http/server.py" --port-file "$dir/port" >"$dir/server.log" 2>&1 &
  echo $! >"$dir/pid"
  n=0
  while [ ! -f "$dir/port" ]; do
    n=$((n + 1)); [ $n -gt 100 ] && { cat "$dir/server.log" >&2; exit 1; }; sleep 0.05
  done
  echo "http://127.0.0.1:$(cat "$dir/port")" >"$dir/url"
  echo "http-test-server: $(cat "$dir/url")";;
stop)
  [ -f "$dir/pid" ] && kill "$(cat "$dir/pid")" 2>/dev/null || true
  rm -rf "$dir";;
*) echo "usage: http-test-server.sh start|stop DIR" >&2; exit 2;;
esac
