# t0107: a webhook pipeline runs continuously under `sluice serve`
# (docs/events/continuous.md): events reach the SQLite warehouse within
# seconds; the history shows a record per window (record_every: 2s) and no
# cancelled run after a clean stop; /api/v1/pipelines shows the pipeline as
# continuous with its lanes and live counters, /metrics the stream metrics;
# a stream pipeline takes no schedule: (validate names file:line:col);
# `sluice run` drains what the spool holds, lane by lane, exactly once.
. "$SRC/tests/cli/lib.sh"
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$T"' EXIT

# a schedule on a stream pipeline is a validate error at its key
mkdir -p bad/pipelines
echo 'name: bad' > bad/sluice.yml
cat > bad/pipelines/ev.yml <<'YML'
source: {type: webhook, path: /hooks/ev}
sinks: [{type: sqlite, table: ev}]
every: 1m
YML
assert_exit 2 "$SLUICE" -C bad validate
assert_contains "schedule refused at its key" "ev.yml:3:1" "$T/err"
assert_contains "schedule refused" "takes no every:" "$T/err"
# lane: is for stream pipelines only
printf 'source: {type: csv, path: x.csv}\nsinks: [{type: sqlite, table: x, lane: a}]\n' > bad/pipelines/ev.yml
assert_exit 2 "$SLUICE" -C bad validate
assert_contains "lane on a batch pipeline" "ev.yml:2:40" "$T/err"

mkdir -p p/pipelines
echo 'name: p' > p/sluice.yml
cat > p/pipelines/ev.yml <<'YML'
source: {type: webhook, path: /hooks/ev}
sinks:
  - {type: sqlite, table: ev}
  - {type: sqlite, table: ev_copy}
record_every: 2s
YML
assert_exit 0 "$SLUICE" -C p validate

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
"$SLUICE" -C p serve --listen 127.0.0.1:$PORT 2>"$T/serve.log" &
pid=$!
wait_for 20 curl -sf "$URL/healthz" && ok || fail "daemon did not come up: $(tail -5 "$T/serve.log")"
python3 "$SRC/tests/cli/stream_post.py" "$URL/hooks/ev" 1 20 && ok || fail "posting events"
# both sinks are warehouse sinks: one lane, recorded under the pipeline's name
wait_for 20 sh -c "[ \"\$(sqlite3 -cmd '.timeout 5000' p/warehouse.db 'SELECT COUNT(*) FROM ev' 2>/dev/null)\" = 20 ]" \
  && ok || fail "events did not reach the warehouse: $(tail -5 "$T/serve.log")"
assert_eq "ev_copy" "$(q p/warehouse.db 'SELECT COUNT(DISTINCT id) || "/" || COUNT(*) FROM ev_copy')" "20/20"

# live view: continuous, one lane, running, counters
curl -sf "$URL/api/v1/pipelines" > "$T/pl.json" && ok || fail "GET /api/v1/pipelines"
python3 - "$T/pl.json" <<'PY' && ok || fail "pipelines JSON: $(cat "$T/pl.json")"
import json, sys
d = json.load(open(sys.argv[1]))
p = [x for x in d["pipelines"] if x["name"] == "ev"][0]
assert p["mode"] == "continuous" and p["running"] is True, p
assert p["received"] == 20, p
assert len(p["lanes"]) == 1, p
l = p["lanes"][0]
assert l["name"] == "ev" and l["lane"] == "warehouse" and l["status"] == "running", l
assert l["total"]["loaded"] == 20 and l["total"]["read"] == 20, l
PY
curl -sf "$URL/metrics" > "$T/metrics" && ok || fail "GET /metrics"
assert_contains "received metric" 'sluice_stream_events_received_total{pipeline="ev"} 20' "$T/metrics"
assert_contains "rows metric" 'sluice_stream_rows_total{pipeline="ev",lane="warehouse",outcome="loaded"} 20' "$T/metrics"
assert_contains "lag metric" 'sluice_stream_lag_seconds{pipeline="ev",lane="warehouse"}' "$T/metrics"
assert_contains "spool metric" 'sluice_spool_bytes{pipeline="ev"}' "$T/metrics"
# windows of 2 s: at least two successful records while it runs
wait_for 20 sh -c "[ \"\$(sqlite3 -cmd '.timeout 5000' p/.sluice/state.db \"SELECT COUNT(*) FROM runs WHERE pipeline = 'ev' AND status = 'success'\")\" -ge 2 ]" \
  && ok || fail "no record per window: $("$SLUICE" -C p history ev 2>&1 | head -5)"
wait_for 10 sh -c "[ \"\$(sqlite3 -cmd '.timeout 5000' p/.sluice/state.db \"SELECT COUNT(*) FROM runs WHERE pipeline = 'ev' AND status = 'running'\")\" = 1 ]" \
  && ok || fail "the current window is not recorded as running"
kill -TERM $pid
wait $pid && ok || fail "serve did not exit 0"
pid=
assert_eq "no cancelled window" "$(q p/.sluice/state.db "SELECT COUNT(*) FROM runs WHERE pipeline = 'ev' AND status <> 'success'")" 0
assert_eq "windows add up" "$(q p/.sluice/state.db "SELECT SUM(rows_read) || '/' || SUM(rows_loaded) FROM runs WHERE pipeline = 'ev'")" "20/20"

# two lanes: the http sink is a lane of its own; serve with its server down, so
# only the warehouse lane loads (on_error: fail: the http lane's runs fail
# rather than put the events in the DLQ); then `sluice run` drains the http lane
HP=$(free_port)
cat > p/pipelines/ev.yml <<YML
source: {type: webhook, path: /hooks/ev}
sinks:
  - {type: sqlite, table: ev}
  - {type: http, name: hook, url: "http://127.0.0.1:$HP", path: /ev, key: [id], mode: create, body: '{"id": {{ id }}}', retry: {attempts: 1}}
on_error: fail
YML
"$SLUICE" -C p serve --listen 127.0.0.1:$PORT 2>"$T/serve2.log" &
pid=$!
wait_for 20 curl -sf "$URL/healthz" && ok || fail "daemon did not come up again: $(tail -5 "$T/serve2.log")"
python3 "$SRC/tests/cli/stream_post.py" "$URL/hooks/ev" 21 10 && ok || fail "posting events"
wait_for 20 sh -c "[ \"\$(sqlite3 -cmd '.timeout 5000' p/warehouse.db 'SELECT COUNT(*) FROM ev')\" = 30 ]" \
  && ok || fail "warehouse lane: $(tail -5 "$T/serve2.log")"
curl -sf "$URL/api/v1/pipelines" > "$T/pl.json"
python3 - "$T/pl.json" <<'PY' && ok || fail "two lanes: $(cat "$T/pl.json")"
import json, sys
p = [x for x in json.load(open(sys.argv[1]))["pipelines"] if x["name"] == "ev"][0]
assert sorted(l["name"] for l in p["lanes"]) == ["ev@hook", "ev@warehouse"], p
PY
kill -TERM $pid
wait $pid && ok || fail "serve did not exit 0"
pid=
# the http lane has sent nothing: its server is down; now it is up. A lane
# with no record of its own starts where the pipeline's single lane ended
# (event 20): it sends 21..30, and the warehouse lane did not reload 1..20
python3 "$SRC/tests/cli/stream_sink_server.py" $HP "$T/hook.jsonl" 0 &
spid=$!
wait_for 10 curl -s "http://127.0.0.1:$HP/" && ok || fail "sink server"
assert_exit 0 "$SLUICE" -C p run ev
assert_contains "warehouse lane ran" "ev@warehouse: success" "$T/err"
assert_contains "http lane ran" "ev@hook: success" "$T/err"
kill $spid 2>/dev/null || true
assert_eq "http lane drained once each" "$(python3 -c "
import json,sys
ids=[json.loads(l)['id'] for l in open('$T/hook.jsonl')]
print(len(ids), len(set(ids)), min(ids), max(ids))")" "10 10 21 30"
assert_eq "warehouse exactly once" "$(q p/warehouse.db 'SELECT COUNT(DISTINCT id) || "/" || COUNT(*) FROM ev')" "30/30"
# a damaged spool stops its own pipeline, not the daemon: a second stream
# pipeline whose spool has a bad frame before valid ones; serve starts, says
# why, and the first pipeline still takes events
cat > p/pipelines/other.yml <<YML
source: {type: webhook, path: /hooks/other}
sinks: [{type: sqlite, table: other}]
YML
mkdir -p p/.sluice/spool/other
python3 - p/.sluice/spool/other/00000000000000000000.log <<'PY'
import struct, sys, zlib
def frame(payload):
    body = bytes([1]) + struct.pack("<q", 1) + payload
    return struct.pack("<I", 0x50534C53) + struct.pack("<I", len(body)) + body + struct.pack("<I", zlib.crc32(body))
data = bytearray(frame(b'{"a":1}') + frame(b'{"a":2}'))
data[20] ^= 0xFF  # inside the first record (its payload): a valid one follows
open(sys.argv[1], "wb").write(data)
PY
"$SLUICE" -C p serve --listen 127.0.0.1:$PORT 2>"$T/serve3.log" &
pid=$!
wait_for 20 curl -sf "$URL/healthz" && ok || fail "a damaged spool stopped the daemon: $(tail -3 "$T/serve3.log")"
assert_contains "the damaged spool named" "other: not taking events" "$T/serve3.log"
python3 "$SRC/tests/cli/stream_post.py" "$URL/hooks/ev" 31 1 && ok || fail "the other pipeline took no event"
kill -TERM $pid; wait $pid 2>/dev/null; pid=
finish
