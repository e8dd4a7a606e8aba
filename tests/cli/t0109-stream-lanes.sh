# t0109: lanes (docs/events/continuous.md): a webhook pipeline with a
# SQLite warehouse sink, a slow http sink and an http sink whose server is
# down, plus a sink put in a lane of its own with lane:. The warehouse rows
# arrive while the slow lane is still sending; the slow lane catches up with
# nothing lost; the failing lane does not stop the others, opens a max_lag
# incident, and catches up (exactly once, incident closed) when its server
# comes back.
. "$SRC/tests/cli/lib.sh"
pid=
spid=
dpid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; [ -n "$spid" ] && kill $spid 2>/dev/null; [ -n "$dpid" ] && kill $dpid 2>/dev/null; rm -rf "$T"' EXIT

SP=$(free_port)
DP=$(free_port)
while [ "$DP" = "$SP" ]; do DP=$(free_port); done
python3 "$SRC/tests/cli/stream_sink_server.py" $SP "$T/slow.jsonl" 0.1 &
spid=$!
wait_for 10 curl -s "http://127.0.0.1:$SP/" && ok || fail "slow server did not come up"

mkdir -p p/pipelines
echo 'name: p' > p/sluice.yml
cat > p/pipelines/ev.yml <<YML
source: {type: webhook, path: /hooks/ev}
sinks:
  - {type: sqlite, table: ev}
  - {type: sqlite, table: ev_side, lane: side}
  - {type: http, name: slow, url: "http://127.0.0.1:$SP", path: /ev, key: [id], mode: create, body: '{"id": {{ id }}}', concurrency: 1}
  - {type: http, name: down, url: "http://127.0.0.1:$DP", path: /ev, key: [id], mode: create, body: '{"id": {{ id }}}', retry: {attempts: 2, base: 10ms}}
max_lag: 1s
on_error: fail
record_every: 1h
YML
assert_exit 0 "$SLUICE" -C p validate
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
"$SLUICE" -C p serve --listen 127.0.0.1:$PORT 2>"$T/serve.log" &
pid=$!
wait_for 20 curl -sf "$URL/healthz" && ok || fail "daemon did not come up: $(tail -5 "$T/serve.log")"
python3 "$SRC/tests/cli/stream_post.py" "$URL/hooks/ev" 1 40 && ok || fail "posting events"
wait_for 30 sh -c "[ \"\$(sqlite3 -cmd '.timeout 5000' p/warehouse.db 'SELECT COUNT(*) FROM ev' 2>/dev/null)\" = 40 ]" \
  && ok || fail "warehouse lane: $(tail -5 "$T/serve.log")"
# 40 requests of 0.1 s one at a time: the slow lane is still sending (a note, not an assertion)
slow_then=$(wc -l < "$T/slow.jsonl" 2>/dev/null || echo 0)
echo "t0109: when the warehouse had 40 rows the slow lane had sent $slow_then" >&2
wait_for 30 sh -c "[ \"\$(cat '$T/slow.jsonl' 2>/dev/null | wc -l)\" -ge 40 ]" && ok || fail "slow lane did not catch up"
assert_eq "slow lane: every event once" "$(python3 -c "
import json
ids=[json.loads(l)['id'] for l in open('$T/slow.jsonl')]
print(len(ids), len(set(ids)), min(ids), max(ids))")" "40 40 1 40"
wait_for 30 sh -c "[ \"\$(sqlite3 -cmd '.timeout 5000' p/warehouse.db 'SELECT COUNT(*) FROM ev_side' 2>/dev/null)\" = 40 ]" \
  && ok || fail "lane side"
# the lanes as the API shows them; the down lane is failing and retrying
curl -sf "$URL/api/v1/pipelines" > "$T/pl.json" && ok || fail "GET /api/v1/pipelines"
python3 - "$T/pl.json" <<'PY' && ok || fail "lanes: $(cat "$T/pl.json")"
import json, sys
p = [x for x in json.load(open(sys.argv[1]))["pipelines"] if x["name"] == "ev"][0]
lanes = {l["lane"]: l for l in p["lanes"]}
assert sorted(lanes) == ["down", "side", "slow", "warehouse"], lanes
assert lanes["warehouse"]["name"] == "ev@warehouse", lanes
assert lanes["warehouse"]["total"]["loaded"] == 40, lanes["warehouse"]
assert lanes["down"]["failed_runs"] >= 1 and lanes["down"]["total"]["loaded"] == 0, lanes["down"]
PY
wait_for 20 sh -c "[ \"\$(sqlite3 -cmd '.timeout 5000' p/.sluice/state.db \"SELECT status FROM incidents WHERE incident_key = 'stream_lag|ev@down'\")\" = open ]" \
  && ok || fail "no lag incident for the failing lane"
assert_eq "the failing lane's runs are failed records" \
  "$(q p/.sluice/state.db "SELECT COUNT(*) > 0 FROM runs WHERE pipeline = 'ev@down' AND status = 'failed'")" 1
# the server comes back: the lane catches up, each event once, the incident closes
python3 "$SRC/tests/cli/stream_sink_server.py" $DP "$T/down.jsonl" 0 &
dpid=$!
wait_for 90 sh -c "[ \"\$(cat '$T/down.jsonl' 2>/dev/null | wc -l)\" -ge 40 ]" && ok || fail "failing lane did not catch up: $(tail -5 "$T/serve.log")"
wait_for 20 sh -c "[ \"\$(sqlite3 -cmd '.timeout 5000' p/.sluice/state.db \"SELECT status FROM incidents WHERE incident_key = 'stream_lag|ev@down'\")\" = closed ]" \
  && ok || fail "lag incident not closed"
kill -TERM $pid
wait $pid && ok || fail "serve did not exit 0"
pid=
assert_eq "down lane: every event once" "$(python3 -c "
import json
ids=[json.loads(l)['id'] for l in open('$T/down.jsonl')]
print(len(ids), len(set(ids)), min(ids), max(ids))")" "40 40 1 40"
assert_eq "warehouse exactly once" "$(q p/warehouse.db 'SELECT COUNT(DISTINCT id) || "/" || COUNT(*) FROM ev')" "40/40"
finish
