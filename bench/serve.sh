#!/bin/sh
# bench/serve.sh: the daemon's own figures (no peer runs alongside: cron
# fires on whole minutes and Airflow's scheduler is not in Debian).
#   1. firing delay: 50 pipelines on `every: 2s` for DURATION seconds (60);
#      delay = a run's start (the state store's started_at) minus its slot.
#   2. an idle daemon: 50 pipelines on daily schedules, DURATION seconds;
#      CPU from /proc/PID/stat, RSS (VmRSS / VmHWM) from /proc/PID/status.
# Markdown on stdout. Usage: bench/serve.sh [--duration SECONDS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
DURATION=60
while [ $# -gt 0 ]; do
  case $1 in
    --duration) DURATION=$2; shift ;;
    *) echo "usage: bench/serve.sh [--duration SECONDS]" >&2; exit 2 ;;
  esac
  shift
done
WORK=${WORK:-/tmp/sluice-bench-serve}
. "$here/lib.sh"
build_sluice
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

project() { # DIR SCHEDULE-LINE
  rm -rf "$1"; mkdir -p "$1/pipelines" "$1/data"
  printf 'name: bench\nmax_concurrent_runs: 8\n' > "$1/sluice.yml"
  printf 'id,email\n1,a@x.io\n2,b@x.io\n' > "$1/data/x.csv"
  i=0
  while [ $i -lt 50 ]; do
    printf 'source: {type: csv, path: data/x.csv}\nsinks: [{type: jsonl, path: out/p%s.jsonl}]\n%s\n' $i "$2" \
      > "$1/pipelines/p$i.yml"
    i=$((i + 1))
  done
}

echo "## sluice serve (bench/serve.sh --duration $DURATION, $(nproc) cores, $(date -u +%Y-%m-%d))"
echo
# 1. firing delay
project "$WORK/busy" "every: 2s"
P=$(port)
"$SLUICE" -C "$WORK/busy" serve --listen 127.0.0.1:$P 2>"$WORK/busy.log" & pid=$!
sleep "$DURATION"
kill -TERM $pid; wait $pid || true
"$SLUICE" -C "$WORK/busy" --json history --limit 1000000 > "$WORK/busy.json"
python3 - "$WORK/busy.json" <<'PY'
import datetime, json, sys
def ts(s):
    return datetime.datetime.strptime(s.rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f" if "." in s else "%Y-%m-%dT%H:%M:%S")
runs = [r for r in json.load(open(sys.argv[1]))["runs"] if (r["started_by"] or "").startswith("schedule ")]
d = sorted((ts(r["started_at"]) - ts(r["started_by"].split()[1])).total_seconds() * 1000 for r in runs)
q = lambda p: d[min(len(d) - 1, int(p * len(d)))]
# the first start of each slot: the scheduler's own wake-up latency; the
# rest wait their turn (max_concurrent_runs: 8, each run a few ms)
first = {}
for r in runs:
    slot = r["started_by"].split()[1]
    delay = (ts(r["started_at"]) - ts(slot)).total_seconds() * 1000
    first[slot] = min(first.get(slot, delay), delay)
f = sorted(first.values())
qf = lambda p: f[min(len(f) - 1, int(p * len(f)))]
print("| 50 pipelines, every: 2s, max_concurrent_runs: 8 | runs | delay p50 | p90 | p99 | max |")
print("|---|---|---|---|---|---|")
print("| every run (start - slot) | %d | %.1f ms | %.1f ms | %.1f ms | %.1f ms |" % (len(d), q(.5), q(.9), q(.99), d[-1]))
print("| first run of each slot | %d | %.1f ms | %.1f ms | %.1f ms | %.1f ms |" % (len(f), qf(.5), qf(.9), qf(.99), f[-1]))
dur = sorted(r["duration_s"] * 1000 for r in runs)
print("\nA run of these pipelines takes %.1f ms (median), so a wave of 50 on 8 slots takes about %.0f ms."
      % (dur[len(dur) // 2], dur[len(dur) // 2] * 50 / 8))
PY
echo
# 2. idle
project "$WORK/idle" 'schedule: "0 3 * * *"'
P=$(port)
"$SLUICE" -C "$WORK/idle" serve --listen 127.0.0.1:$P 2>"$WORK/idle.log" & pid=$!
sleep 3
t0=$(awk '{print $14 + $15}' /proc/$pid/stat)
sleep "$DURATION"
t1=$(awk '{print $14 + $15}' /proc/$pid/stat)
rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status); hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
kill -TERM $pid; wait $pid || true
python3 -c "
import os
hz = os.sysconf('SC_CLK_TCK')
cpu = ($t1 - $t0) / hz
print('| idle daemon, 50 daily pipelines, %ds | CPU | share of a core | RSS | peak RSS |' % $DURATION)
print('|---|---|---|---|---|')
print('| measured | %.2f s | %.3f %% | %.1f MB | %.1f MB |' % (cpu, 100 * cpu / $DURATION, $rss / 1024, $hwm / 1024))
"
