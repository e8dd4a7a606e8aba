# t0108: events are never lost or duplicated across crashes. A load
# generator (tests/cli/stream_load.py: threads, keep-alive, Segment
# /v1/batch calls of 20 events with unique messageIds, every request
# without a 2xx sent again) posts STREAM_EVENTS events while the test
# SIGKILLs `sluice serve` STREAM_KILLS times at random points (fixed seed)
# and starts it again. At the end every acknowledged event is in the SQLite
# warehouse exactly once: lost = 0 and duplicated = 0.
. "$SRC/tests/cli/lib.sh"
pid=
lpid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; [ -n "$lpid" ] && kill -9 $lpid 2>/dev/null; rm -rf "$T"' EXIT
EVENTS=${STREAM_EVENTS:-200000}
KILLS=${STREAM_KILLS:-5}

mkdir -p p/pipelines
echo 'name: p' > p/sluice.yml
cat > p/pipelines/events.yml <<'YML'
source: {type: segment, write_key: wk}
sinks: [{type: sqlite, table: events}]
record_every: 5s
YML
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
start() {
  "$SLUICE" -C p serve --listen 127.0.0.1:$PORT 2>>"$T/serve.log" &
  pid=$!
  wait_for 20 curl -sf "$URL/healthz" || fail "daemon did not come up: $(tail -5 "$T/serve.log")"
}
start
python3 "$SRC/tests/cli/stream_load.py" "$URL" "$EVENTS" 8 "$T/acked" wk 2>"$T/load.log" &
lpid=$!
# kill points: random (seed 15) fractions of the expected load time
python3 -c "
import random
random.seed(15)
print(' '.join('%.2f' % random.uniform(0.3, 2.5) for _ in range($KILLS)))" > "$T/gaps"
for gap in $(cat "$T/gaps"); do
  sleep "$gap"
  kill -0 $lpid 2>/dev/null || break
  kill -9 $pid; wait $pid 2>/dev/null || true
  start
done
wait $lpid && ok || fail "load generator: $(tail -3 "$T/load.log")"
lpid=
cat "$T/load.log" >&2
nacked=$(wc -l < "$T/acked")
assert_eq "every event acknowledged" "$nacked" "$EVENTS"
# every acknowledged event reaches the warehouse (the lane catches up)
count() { sqlite3 -cmd '.timeout 5000' p/warehouse.db "SELECT COUNT(DISTINCT id) FROM events" 2>/dev/null; }
wait_for 60 sh -c "[ \"\$(sqlite3 -cmd '.timeout 5000' p/warehouse.db 'SELECT COUNT(DISTINCT id) FROM events' 2>/dev/null)\" -ge $EVENTS ]" \
  || fail "the warehouse has $(count) of $EVENTS events"
kill -TERM $pid
wait $pid && ok || fail "serve did not exit 0 on SIGTERM"
pid=
python3 - "$T/acked" p/warehouse.db <<'PY' > "$T/counts"
import sqlite3, sys
acked = set(l.strip() for l in open(sys.argv[1]) if l.strip())
db = sqlite3.connect(sys.argv[2])
rows = [r[0] for r in db.execute("SELECT id FROM events")]
have = set(rows)
print("lost=%d duplicated=%d" % (len(acked - have), len(rows) - len(have)))
PY
echo "t0108: $EVENTS events, $KILLS kills: $(cat "$T/counts")" >&2
assert_eq "lost and duplicated" "$(cat "$T/counts")" "lost=0 duplicated=0"
assert_eq "no failed window" "$(q p/.sluice/state.db "SELECT COUNT(*) FROM runs WHERE pipeline = 'events' AND status IN ('failed', 'cancelled')")" 0
finish
