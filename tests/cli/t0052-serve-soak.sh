#!/bin/sh
# t0052: a short soak of `sluice serve` for CI: memory and descriptors stay
# flat under a steady load (the long version is tests/serve/soak.sh).
#   NPIPE pipelines on `every: 2s` (half upserting into the SQLite
#   warehouse, half writing JSONL files), the API polled twice a second
#   (pipelines, runs, /metrics), a SIGHUP reload every 10 s.
# RSS and open descriptors are compared at two IDLE points only: the
# project is reloaded without its schedules (a pause), the API is polled
# until no pipeline is running or queued, and the daemon is sampled over
# 12 s (one malloc trim, every 10 s, falls inside); the minimum of the
# samples counts. Idle after the warm-up, idle after the soak:
#   descriptors after == before;
#   heap in use (/metrics sluice_heap_inuse_bytes: live allocations, no
#   allocator caches) after - before < 1.5 MB: the state store's SQLite
#   page cache grows with the store, bounded at 1 MiB (statedb_sqlite.c;
#   +0.3-0.5 MB measured), so a leak of 1 kB a run over the soak's ~1,400
#   runs fails;
#   RSS after - before < 8 MB (release only).
# Under ASan (the suite's second pass) the work is scaled down and the RSS
# is not compared: ASan's allocator keeps size-class regions, quarantine
# and shadow pages resident after a busier stretch, so its RSS measures
# concurrency peaks, not leaks (CI once saw 8.9 MB with a flat heap).
# Reloads while runs are in flight: the warm-up ends with a burst of
# SIGHUPs 0.2 s apart, so runs started with one project end (and free it)
# while the next reload loads one. CI once lost the daemon that way: the
# process-wide table of option locations (config/options.c) was appended
# by the reload and compacted by the run thread at once; TSan showed the
# race (tests/unit/test_config.c guards it deterministically).
# Without stream pipelines the daemon has 3 threads when idle (scheduler,
# HTTP, slow-client guard): no stream ticker, no second project copy.
. "$SRC/tests/cli/lib.sh"
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$T"' EXIT
asan=
if ldd "$SLUICE" 2>/dev/null | grep -q libasan || [ -n "${KILLS:-}" ]; then
  asan=1; NPIPE=${NPIPE:-16}; WARM=${WARM:-15}; SOAK=${SOAK:-30}
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4:allocator_release_to_os_interval_ms=500"
else
  NPIPE=${NPIPE:-50}; WARM=${WARM:-15}; SOAK=${SOAK:-40}
fi
mkdir -p p/pipelines p/data
printf 'name: soak\nmax_concurrent_runs: 8\n' > p/sluice.yml
printf 'id,email\n1,a@x.io\n2,b@x.io\n3,c@x.io\n' > p/data/x.csv
# schedule "every: 2s" or none (a pause: nothing is due, nothing runs)
write_pipelines() {
  i=0
  while [ $i -lt "$NPIPE" ]; do
    if [ $((i % 2)) = 0 ]; then sink="{type: sqlite, table: t$i, mode: upsert, key: [id]}"
    else sink="{type: jsonl, path: out/p$i.jsonl}"; fi
    printf 'source: {type: csv, path: data/x.csv}\nsinks: [%s]\n%s\n' "$sink" "$1" > p/pipelines/p$i.yml
    i=$((i + 1))
  done
}
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
write_pipelines "every: 2s"
"$SLUICE" -C p serve --listen 127.0.0.1:$PORT 2>"$T/serve.log" &
pid=$!
wait_for 20 curl -sf "$URL/healthz" && ok || fail "daemon did not come up: $(tail -5 "$T/serve.log")"

# hup: reload the daemon; if it is gone, say how it ended and what it logged
hup() {
  if kill -HUP $pid 2>/dev/null; then return 0; fi
  set +e; wait $pid; st=$?; set -e; pid=
  fail "the daemon is gone (exit status $st); its log ends: $(tail -20 "$T/serve.log")"
  finish
}

# load SECONDS: poll the API twice a second, SIGHUP every 10 s
load() {
  end=$(( $(date +%s) + $1 )); tick=0
  while [ "$(date +%s)" -lt "$end" ]; do
    for u in api/v1/pipelines "api/v1/runs?limit=50" metrics; do
      curl -s -m 10 -o /dev/null "$URL/$u" || true
    done
    sleep 0.5
    tick=$((tick + 1))
    if [ $((tick % 20)) = 0 ]; then hup; fi
  done
  return 0
}
# burst: SIGHUP every 0.2 s for 3 s (reloads overlapping runs that end)
burst() {
  n=0
  while [ $n -lt 15 ]; do hup; sleep 0.2; n=$((n + 1)); done
  wait_for 10 curl -sf "$URL/healthz" && ok || fail "the daemon stopped answering after a burst of reloads"
}
# idle: no pipeline running or queued (the API says so)
idle() {
  curl -sf -m 10 "$URL/api/v1/pipelines" > "$T/pl.json" &&
    python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))["pipelines"]
sys.exit(0 if p and not any(x["running"] or x["queued"] for x in p) else 1)' "$T/pl.json"
}
# pause: reload without schedules, wait until idle, then sample 12 times a
# second apart; sets $sample to "min_rss_kb min_fds min_heap_kb"
pause_and_sample() {
  write_pipelines ""
  hup
  if ! wait_for 120 idle; then
    fail "the daemon did not become idle: $(tail -5 "$T/serve.log")"; sample="0 0 0"; return 0
  fi
  sleep 1
  n=0; : > "$T/samples"
  while [ $n -lt 12 ]; do
    heap=$(curl -sf -m 10 "$URL/metrics" | awk '/^sluice_heap_inuse_bytes / {print int($2 / 1024)}')
    echo "$(awk '/^VmRSS/ {print $2}' /proc/$pid/status) $(ls /proc/$pid/fd | wc -l) ${heap:-0}" >> "$T/samples"
    sleep 1; n=$((n + 1))
  done
  sample=$(awk 'NR == 1 || $1 < r {r = $1} NR == 1 || $2 < f {f = $2} NR == 1 || $3 < h {h = $3}
                END {print r, f, h}' "$T/samples")
  idle && ok || fail "a run started during a pause"
}
resume() {
  write_pipelines "every: 2s"
  hup
}

load "$WARM"
burst
pause_and_sample; before=$sample
threads=$(ls /proc/$pid/task | wc -l)
assert_eq "threads of the idle daemon without stream pipelines" "$threads" 3
runs0=$(q p/.sluice/state.db "SELECT count(*) FROM runs WHERE status = 'success'")
resume
load "$SOAK"
pause_and_sample; after=$sample
runs1=$(q p/.sluice/state.db "SELECT count(*) FROM runs WHERE status = 'success'")
failed=$(q p/.sluice/state.db "SELECT count(*) FROM runs WHERE status <> 'success'")
kill -TERM $pid; wait $pid; pid=

set -- $before; rss0=$1 fds0=$2 heap0=$3
set -- $after; rss1=$1 fds1=$2 heap1=$3
echo "soak: $NPIPE pipelines, warm-up ${WARM}s, soak ${SOAK}s, $((runs1 - runs0)) runs in the soak;" \
     "idle before: rss $rss0 kB, heap $heap0 kB, fds $fds0; idle after: rss $rss1 kB, heap $heap1 kB, fds $fds1"
# the load really ran: each pipeline several times
[ $((runs1 - runs0)) -ge $((NPIPE * 2)) ] && ok || fail "only $((runs1 - runs0)) runs in ${SOAK}s of soak"
assert_eq "runs that did not succeed" "$failed" 0
assert_eq "open descriptors idle after the soak vs before" "$fds1" "$fds0"
[ "$heap0" -gt 0 ] && ok || fail "no sluice_heap_inuse_bytes in /metrics"
grow=$((heap1 - heap0))
[ "$grow" -lt 1536 ] && ok || fail "heap in use grew by $grow kB over the soak ($heap0 -> $heap1 kB)"
if [ -z "$asan" ]; then
  grow=$((rss1 - rss0))
  [ "$grow" -lt 8192 ] && ok || fail "RSS grew by $grow kB over the soak ($rss0 -> $rss1 kB)"
fi
finish
