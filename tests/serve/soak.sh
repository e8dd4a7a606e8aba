#!/bin/sh
# soak.sh: memory and descriptors of `sluice serve` under a steady load.
#   50 pipelines on `every: 2s` (25 upserting into the SQLite warehouse, 25
#   writing JSONL files), the API polled twice a second (pipelines, runs,
#   /metrics), a SIGHUP reload every 10 s, for DURATION seconds. RSS
#   (VmRSS) and open descriptors (/proc/PID/fd) are sampled every 5 s.
# usage: soak.sh SLUICE DIR DURATION  -> prints "t rss_kb fds" lines into
# DIR/samples and, at the end, "first RSS FD" and "last RSS FD" lines taken
# after a warm-up of a fifth of the run. Every loop ends with DURATION.
set -eu
sluice=$1; dir=$2; duration=$3
rm -rf "$dir"; mkdir -p "$dir/p/pipelines" "$dir/p/data"
printf 'name: soak\nmax_concurrent_runs: 8\n' > "$dir/p/sluice.yml"
printf 'id,email\n1,a@x.io\n2,b@x.io\n3,c@x.io\n' > "$dir/p/data/x.csv"
i=0
while [ $i -lt 50 ]; do
  if [ $((i % 2)) = 0 ]; then sink="{type: sqlite, table: t$i, mode: upsert, key: [id]}"
  else sink="{type: jsonl, path: out/p$i.jsonl}"; fi
  printf 'source: {type: csv, path: data/x.csv}\nsinks: [%s]\nevery: 2s\n' "$sink" > "$dir/p/pipelines/p$i.yml"
  i=$((i + 1))
done
port=$(python3 -c '
import random, socket
lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
while True:
    p = random.randrange(10000, lo); s = socket.socket()
    try: s.bind(("127.0.0.1", p))
    except OSError: continue
    finally: s.close()
    print(p); break')
"$sluice" -C "$dir/p" serve --listen "127.0.0.1:$port" 2>"$dir/serve.log" &
pid=$!
trap 'kill -9 $pid 2>/dev/null || true' EXIT
n=0
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
  n=$((n + 1)); [ $n -gt 200 ] && { echo "soak: the daemon did not start" >&2; tail "$dir/serve.log" >&2; exit 1; }
  sleep 0.1
done
start=$(date +%s); : > "$dir/samples"; tick=0
while [ $(( $(date +%s) - start )) -lt "$duration" ]; do
  for u in api/v1/pipelines "api/v1/runs?limit=50" metrics; do
    curl -s -m 5 -o /dev/null "http://127.0.0.1:$port/$u" || true
  done
  sleep 0.5
  tick=$((tick + 1))
  [ $((tick % 20)) = 0 ] && kill -HUP $pid
  if [ $((tick % 10)) = 0 ]; then
    rss=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status)
    fds=$(ls /proc/$pid/fd | wc -l)
    echo "$(( $(date +%s) - start )) $rss $fds" >> "$dir/samples"
  fi
done
kill -TERM $pid; wait $pid || true; trap - EXIT
warm=$((duration / 5))
awk -v w="$warm" '$1 >= w && !f {print "first", $2, $3; f=1} {l=$2" "$3} END {print "last", l}' "$dir/samples"
