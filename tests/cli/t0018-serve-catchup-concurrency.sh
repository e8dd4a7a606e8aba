# t0018: after downtime, catchup: true runs every missed slot oldest first
# and catchup: false runs once; max_concurrent_runs bounds the runs in flight.
. "$SRC/tests/cli/lib.sh"
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$T"' EXIT
mkdir -p p/pipelines p/data
printf 'name: p\nmax_concurrent_runs: 2\n' > p/sluice.yml
printf 'id\n1\n' > p/data/x.csv
for c in true false; do
  printf 'source: {type: csv, path: data/x.csv}\nsinks: [{type: jsonl, path: out/%s.jsonl}]\nevery: 2s\ncatchup: %s\n' \
    "catch_$c" "$c" > "p/pipelines/catch_$c.yml"
done
serve() {
  PORT=$(free_port)
  "$SLUICE" -C p serve --listen 127.0.0.1:$PORT 2>>"$T/serve.log" & pid=$!
  wait_for 20 curl -sf "http://127.0.0.1:$PORT/healthz" && ok || fail "daemon did not start"
}
stop() { kill -TERM $pid; wait $pid || true; pid=; }
runs() { "$SLUICE" -C p --json history "$1" --limit 1000 | grep -o '"started_by":"[a-z]*' | sort | uniq -c | tr -s ' ' | tr '\n' ' '; }

serve
wait_for 20 sh -c "'$SLUICE' -C p --json history catch_false | grep -q '\"started_by\":\"schedule'" && ok || fail "no scheduled run"
stop
sleep 7   # three or four slots of 2 s missed
serve
sleep 1.5
stop
"$SLUICE" -C p --json history catch_true --limit 1000 >"$T/true.json"
"$SLUICE" -C p --json history catch_false --limit 1000 >"$T/false.json"
python3 - "$T/true.json" "$T/false.json" <<'PY' && ok || fail "catchup: $(runs catch_true) / $(runs catch_false)"
import json, sys
def catch(path):
    return [r["started_by"] for r in json.load(open(path))["runs"] if (r["started_by"] or "").startswith("catchup")]
t, f = catch(sys.argv[1]), catch(sys.argv[2])
print("catchup: true ran", len(t), "missed slots; false ran", len(f))
assert len(t) >= 3, t
assert len(f) == 1, f
slots = [s.split()[1] for s in t]
assert slots == sorted(slots, reverse=True), slots     # history is newest first: oldest ran first
PY

# max_concurrent_runs: 2 -> never more than two runs overlap (each run takes ~1 s here)
rm p/pipelines/catch_*.yml
python3 "$SRC/tests/cli/gen_contacts.py" 20000 p/data/big.csv
for i in 1 2 3 4 5; do
  printf 'source: {type: csv, path: data/big.csv}\nsinks: [{type: jsonl, path: out/s%s.jsonl}]\nbatch_rows: 1000\n' $i \
    > p/pipelines/slow$i.yml
done
export SLUICE_API_TOKEN=t0k3n-abcdef
PORT=$(free_port)
SLUICE_FAILPOINTS=sink.before_data=sleep50 "$SLUICE" -C p serve --listen 127.0.0.1:$PORT 2>>"$T/serve.log" & pid=$!
wait_for 20 curl -sf "http://127.0.0.1:$PORT/healthz" && ok || fail "daemon did not start"
for i in 1 2 3 4 5; do
  assert_eq "trigger slow$i" "$(http POST "http://127.0.0.1:$PORT/api/v1/pipelines/slow$i/runs" -H "Authorization: Bearer $SLUICE_API_TOKEN")" 202
done
done5() {
  "$SLUICE" -C p --json history --limit 100 | python3 -c '
import json, sys
runs = json.load(sys.stdin)["runs"]
sys.exit(0 if sum(r["pipeline"].startswith("slow") and r["status"] == "success" for r in runs) >= 5 else 1)'
}
wait_for 60 done5 \
  && ok || fail "the five runs did not finish"
stop
"$SLUICE" -C p --json history --limit 100 >"$T/h.json"
python3 - "$T/h.json" <<'PY' && ok || fail "more than 2 runs at once"
import json, sys
runs = [r for r in json.load(open(sys.argv[1]))["runs"] if r["pipeline"].startswith("slow")]
ev = sorted([(r["started_at"], 1) for r in runs] + [(r["finished_at"], -1) for r in runs])
cur = peak = 0
for _, d in ev:
    cur += d
    peak = max(peak, cur)
print("runs:", len(runs), "peak in flight:", peak)
assert len(runs) == 5 and peak == 2, peak
PY
finish
