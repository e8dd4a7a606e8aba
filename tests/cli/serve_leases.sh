# serve_leases.sh: sourced by t0015 (SQLite state store) and t0016 (the
# PostgreSQL one; $STATE_YML set): two `sluice serve` on one project, ten
# pipelines every second. Over 200+ slots no slot runs twice; kill -9 the
# lease holder and the other takes over within the lease TTL.
pids=
trap 'for p in $pids; do kill -9 $p 2>/dev/null; done; rm -rf "$T"' EXIT
mkdir -p p/pipelines p/data
printf 'name: p\n%s\n' "${STATE_YML:-}" > p/sluice.yml
printf 'id\n1\n2\n' > p/data/x.csv
for i in 0 1 2 3 4 5 6 7 8 9; do
  printf 'source: {type: csv, path: data/x.csv}\nsinks: [{type: jsonl, path: out/p%s.jsonl}]\nevery: 1s\n' $i \
    > p/pipelines/p$i.yml
done
echo "max_concurrent_runs: 10" >> p/sluice.yml
P1=$(free_port); P2=$(free_port)
while [ "$P2" = "$P1" ]; do P2=$(free_port); done
"$SLUICE" -C p serve --listen 127.0.0.1:$P1 --lease-ttl 3s 2>"$T/d1.log" & d1=$!
"$SLUICE" -C p serve --listen 127.0.0.1:$P2 --lease-ttl 3s 2>"$T/d2.log" & d2=$!
pids="$d1 $d2"
wait_for 20 curl -sf http://127.0.0.1:$P1/healthz && wait_for 20 curl -sf http://127.0.0.1:$P2/healthz \
  && ok || fail "daemons did not start: $(tail -n 3 "$T/d1.log" "$T/d2.log")"
leader() { curl -s "http://127.0.0.1:$1/api/v1/pipelines" | grep -q '"leader":true'; }
wait_for 10 sh -c "curl -s http://127.0.0.1:$P1/api/v1/pipelines | grep -q '\"leader\":true' || curl -s http://127.0.0.1:$P2/api/v1/pipelines | grep -q '\"leader\":true'" \
  && ok || fail "nobody took the lease"
sleep "${SECONDS_BEFORE_KILL:-21}"
# one leader; while a lease changes hands both may briefly say so (the slot
# claims keep them apart then), so look until exactly one does
one_leader() {
  n1=0; n2=0
  leader $P1 && n1=1
  leader $P2 && n2=1
  [ $((n1 + n2)) = 1 ]
}
wait_for 10 one_leader && ok || fail "not exactly one leader: $n1 $n2"
if [ $n1 = 1 ]; then victim=$d1; survivor=$d2; SP=$P2; else victim=$d2; survivor=$d1; SP=$P1; fi
kill -9 $victim
killed=$(date +%s.%N)
wait_for 15 leader $SP && ok || fail "the standby never took over: $(tail -n 5 "$T/d1.log" "$T/d2.log")"
takeover=$(python3 -c "import time; print('%.2f' % (time.time() - $killed))")
echo "takeover after kill -9 of the lease holder: ${takeover}s (lease TTL 3s)"
python3 -c "import sys; sys.exit(0 if $takeover < 8 else 1)" && ok || fail "takeover took ${takeover}s (TTL 3 s)"
sleep 6
kill -TERM $survivor
set +e; wait $survivor; rc=$?; set -e
pids=
assert_eq "survivor exits 0" "$rc" 0
"$SLUICE" -C p --json history --limit 100000 >"$T/h.json"
if [ -n "${STATE_YML:-}" ]; then
  slots=$(psql "$URL" -tAc "SELECT COUNT(*) FROM sluice_state.slots")
else
  slots=$(q p/.sluice/state.db "SELECT COUNT(*) FROM slots")
fi
# every run the schedule started names its slot (started_by): none may repeat.
# A slot that came due while the pipeline's previous start still waited joins
# it (catchup: false), so there can be fewer runs than slots, never more.
python3 - "$T/h.json" "$slots" <<'PY' && ok || fail "a slot ran twice, or too few slots"
import collections, json, sys
runs = json.load(open(sys.argv[1]))["runs"]
slots = int(sys.argv[2])
sched = collections.Counter((r["pipeline"], r["started_by"]) for r in runs
                            if (r["started_by"] or "").startswith(("schedule", "catchup")))
twice = [k for k, n in sched.items() if n > 1]
print("slots claimed: %d; scheduled runs: %d over %d pipelines; slots run twice: %d; all runs: %d"
      % (slots, sum(sched.values()), len({p for p, _ in sched}), len(twice), len(runs)))
assert not twice, twice[:5]
assert slots >= 200, slots
assert sum(sched.values()) <= slots
PY
