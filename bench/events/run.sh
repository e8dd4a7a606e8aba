#!/bin/sh
# bench/events/run.sh: real-time events into the warehouse (issue #15).
# On this machine, in one run:
#   1. nginx (nginx-light) answering every request with a static 200: the
#      ceiling of the HTTP layer; wrk posts the same requests as to sluice.
#   2. sluice serve with a Segment source -> the SQLite warehouse, and
#   3. the same -> PostgreSQL (a throwaway server, fsync on: scripts/pg-test-server.sh):
#      a. latency: bench/events/probe.py posts at --rate events/s (5,000) for
#         --probe-seconds and polls the warehouse: POST -> committed row, p50/p99;
#      b. throughput: wrk (-t THREADS -c CONNECTIONS -d DURATION) posts
#         Segment /v1/batch bodies of 20 events (bench/events/batch.lua: unique
#         messageIds) over keep-alive connections; then the rows are counted
#         until every accepted event is in: durable events/s = rows committed
#         / (from wrk's start to the last commit); any non-2xx is reported;
#      c. peak RSS of the sluice serve process (VmHWM in /proc).
# Markdown on stdout (bench/events/README.md says what it means).
# Usage: bench/events/run.sh [--duration S] [--threads N] [--connections N]
#          [--probe-seconds S] [--rate EVENTS_PER_S] [--no-pg] [--nginx-only]
# SLUICE=path/to/sluice skips the build. Needs wrk and nginx-light (deps.txt, role bench).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
DURATION=10 THREADS=2 CONNS=32 PROBE=15 RATE=5000 PG=1 SLUICE_TOO=1
while [ $# -gt 0 ]; do
  case $1 in
    --duration) DURATION=$2; shift ;;
    --threads) THREADS=$2; shift ;;
    --connections) CONNS=$2; shift ;;
    --probe-seconds) PROBE=$2; shift ;;
    --rate) RATE=$2; shift ;;
    --no-pg) PG=0 ;;
    --nginx-only) SLUICE_TOO=0; PG=0 ;;
    *) sed -n '/^# Usage/,/^# SLUICE/p' "$0" >&2; exit 2 ;;
  esac
  shift
done
WORK=${WORK:-/tmp/sluice-bench-events}
if [ -z "${SLUICE:-}" ]; then . "$root/bench/lib.sh"; build_sluice; fi
for t in wrk nginx curl psql; do
  command -v $t >/dev/null || { echo "bench/events: $t is missing (apt-get install wrk nginx-light curl postgresql-client)" >&2; exit 1; }
done
rm -rf "$WORK"; mkdir -p "$WORK"
export BENCH_WRITE_KEY=benchkey
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
pids=""
cleanup() {
  for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
  [ -f "$WORK/pg/url" ] && "$root/scripts/pg-test-server.sh" stop "$WORK/pg" >/dev/null 2>&1 || true
}
trap cleanup EXIT
up() { # URL: wait up to 30 s for an answer
  i=0; while ! curl -s -o /dev/null "$1"; do i=$((i + 1)); [ $i -gt 300 ] && return 1; sleep 0.1; done
}
# wrk against PORT with NONCE; prints "requests non2xx seconds timeouts errors" (batch.lua's BENCH line)
load() {
  wrk -t "$THREADS" -c "$CONNS" -d "${DURATION}s" --timeout 10s -s "$here/batch.lua" "http://127.0.0.1:$1" -- "$2" "$BENCH_WRITE_KEY" \
    > "$WORK/$2.wrk"
  sed -n 's/^BENCH requests=\([0-9]*\) non2xx=\([0-9]*\) seconds=\([0-9.]*\) timeouts=\([0-9]*\) errors=\([0-9]*\)$/\1 \2 \3 \4 \5/p' \
    "$WORK/$2.wrk"
}

# 1. nginx
mkdir -p "$WORK/nginx"
NP=$(port)
sed "s|@DIR@|$WORK/nginx|g; s|@PORT@|$NP|" "$here/nginx.conf.in" > "$WORK/nginx/nginx.conf"
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -e "$WORK/nginx/nginx.err" & ngpid=$!
pids="$pids $ngpid"
up "http://127.0.0.1:$NP/" || { echo "bench/events: nginx did not start: $(tail -3 "$WORK/nginx/nginx.err")" >&2; exit 1; }
load "$NP" nginx > "$WORK/nginx.res"
kill -TERM $ngpid; wait $ngpid 2>/dev/null || true
echo "nginx $(cat "$WORK/nginx.res") - - - - - -" > "$WORK/results"

# 2., 3. sluice serve into W (sqlite | postgres)
sluice_case() {
  W=$1; p=$WORK/$W
  mkdir -p "$p/pipelines"
  echo "name: bench" > "$p/sluice.yml"
  if [ "$W" = sqlite ]; then
    sink="{type: sqlite, table: tracks}"
    count() { sqlite3 -cmd ".timeout 10000" "$p/warehouse.db" "SELECT count(*) FROM tracks" 2>/dev/null || echo 0; }
    probe_db="--sqlite $p/warehouse.db"
  else
    PG_TEST_FSYNC=on "$root/scripts/pg-test-server.sh" start "$WORK/pg" >/dev/null
    export BENCH_PG_URL=$(cat "$WORK/pg/url")
    sink="{type: postgres, url: \"\${BENCH_PG_URL}\", table: tracks}"
    count() { psql -X -At "$BENCH_PG_URL" -c "SELECT count(*) FROM tracks" 2>/dev/null || echo 0; }
    probe_db="--pg $BENCH_PG_URL --schema public"
  fi
  cat > "$p/pipelines/events.yml" <<YML
source: {type: segment, write_key: "\${BENCH_WRITE_KEY}"}
sinks: [$sink]
YML
  SP=$(port)
  "$SLUICE" -C "$p" serve --listen "127.0.0.1:$SP" 2>"$WORK/$W.serve.log" & spid=$!
  pids="$pids $spid"
  up "http://127.0.0.1:$SP/healthz" || { echo "bench/events: sluice serve did not start: $(tail -3 "$WORK/$W.serve.log")" >&2; exit 1; }
  # a. latency at RATE events/s (first: the table is small, the polls cheap)
  python3 "$here/probe.py" --port "$SP" --key "$BENCH_WRITE_KEY" --nonce "probe$W" --rate "$RATE" \
    --seconds "$PROBE" $probe_db --table tracks > "$WORK/$W.probe"
  base=$(count)
  # b. throughput
  t0=$(now)
  load "$SP" "wrk$W" > "$WORK/$W.res"
  set -- $(cat "$WORK/$W.res")
  accepted=$(( ($1 - $2) * 20 ))
  last=$base; tlast=$(now); deadline=$(( $(date +%s) + 180 ))
  while :; do
    c=$(count)
    [ "$c" != "$last" ] && { last=$c; tlast=$(now); }
    [ $((c - base)) -ge "$accepted" ] && break
    kill -0 $spid 2>/dev/null || { echo "bench/events: $W: sluice serve ended: $(tail -3 "$WORK/$W.serve.log")" >&2; exit 1; }
    [ "$(date +%s)" -gt "$deadline" ] && { echo "bench/events: $W: $((c - base)) of $accepted accepted events committed after 180 s" >&2; break; }
    sleep 0.2
  done
  sleep 1; c=$(count); [ "$c" != "$last" ] && tlast=$(now)   # in-flight requests wrk cut off may land too
  # c. peak RSS
  rss=$(awk '/VmHWM/ {print int($2 / 1024)}' /proc/$spid/status)
  kill -TERM $spid; wait $spid 2>/dev/null || true
  committed=$((c - base))
  secs=$(python3 -c "print('%.2f' % ($tlast - $t0))")
  probe=$(sed -n 's/^PROBE //p' "$WORK/$W.probe")
  echo "$W $(cat "$WORK/$W.res") $accepted $committed $secs $rss $probe" >> "$WORK/results"
  [ "$W" = postgres ] && "$root/scripts/pg-test-server.sh" stop "$WORK/pg" >/dev/null 2>&1 || true
}
if [ "$SLUICE_TOO" = 1 ] && ! "$SLUICE" help segment >/dev/null 2>&1; then
  echo "bench/events: this sluice has no segment source: nginx only" >&2; SLUICE_TOO=0; PG=0
fi
[ "$SLUICE_TOO" = 1 ] && sluice_case sqlite
[ "$PG" = 1 ] && sluice_case postgres

# the table
python3 - "$WORK/results" "$DURATION" "$THREADS" "$CONNS" "$RATE" "$PROBE" "$(nproc)" <<'PY'
import sys, datetime
res, dur, th, cn, rate, probe, cores = sys.argv[1:]
rows = {}
for line in open(res):
    f = line.split()
    rows[f[0]] = f
print("## Real-time events (bench/events/run.sh, %s cores, %s)" % (cores, datetime.date.today().isoformat()))
print()
print("wrk -t%s -c%s -d%ss: Segment /v1/batch requests of 20 events, keep-alive; nginx answers a static 200 "
      "to the same requests on the same machine in the same run." % (th, cn, dur))
print()
print("| server | requests/s | events/s answered 2xx | non-2xx | durable events/s (committed rows / s) | vs nginx | "
      "p50 / p99 POST -> row at %s events/s | peak RSS |" % rate)
print("|---|---:|---:|---:|---:|---:|---:|---:|")
ng = rows.get("nginx")
ng_eps = int(ng[1]) * 20 / float(ng[3]) if ng else 0
def fmt(x): return "{:,.0f}".format(x)
for name, label in (("nginx", "nginx (static 200: the HTTP ceiling)"), ("sqlite", "**sluice** -> SQLite warehouse"),
                    ("postgres", "**sluice** -> PostgreSQL")):
    f = rows.get(name)
    if not f:
        continue
    req, bad, secs = int(f[1]), int(f[2]), float(f[3])
    eps = (req - bad) * 20 / secs
    if name == "nginx":
        print("| %s | %s | %s | %d | - | 1 | - | - |" % (label, fmt(req / secs), fmt(eps), bad))
        continue
    accepted, committed, dsecs, rss = int(f[6]), int(f[7]), float(f[8]), f[9]
    p = dict(kv.split("=") for kv in f[10:])
    durable = committed / dsecs if dsecs > 0 else 0
    lat = "%s / %s ms (%s of %s seen, %s non-2xx)" % (p.get("p50_ms"), p.get("p99_ms"), p.get("seen"), p.get("sent"),
                                                     p.get("non2xx"))
    print("| %s | %s | %s | %d (+%s timeouts) | %s (%s rows in %.1f s) | %.2f | %s | %s MB |" % (
        label, fmt(req / secs), fmt(eps), bad * 20, f[4], fmt(durable), fmt(committed), dsecs,
        durable / ng_eps if ng_eps else 0, lat, rss))
print()
print("Targets (issue #15): >= 50,000 durable events/s into SQLite; p99 < 1 s at 5,000 events/s; RSS < 128 MB.")
print("Latency includes up to one 50 ms poll of the warehouse. Command: `bench/events/run.sh --duration %s "
      "--threads %s --connections %s --probe-seconds %s --rate %s`" % (dur, th, cn, probe, rate))
PY
