#!/bin/sh
# t0011: reverse ETL into the fake API's CRM (tests/http/server.py):
#   1. change-only: ROWS rows (default 10000, 3000 under ASan, where every
#      request costs several times more; the closing note's figure is
#      100000) synced; 1% changed and 0.5% deleted at the source: the next
#      (mirror) run sends exactly those, counted at the server; a run with
#      no change sends 0;
#   2. SIGKILL during a sync (KILLS times), rerun: every row in the CRM
#      exactly once, 0 records created twice, 0 idempotency keys reused for
#      another payload.
. "$SRC/tests/cli/lib.sh"
if ldd "$SLUICE" 2>/dev/null | grep -q libasan; then ROWS=${ROWS:-3000}; else ROWS=${ROWS:-10000}; fi
KILLS=${KILLS:-3}
API=$(cat "${SLUICE_TEST_HTTPDIR:?run through ctest: its fixture starts the API}/url")
export API
ctl() { curl -sf -X POST -H 'Content-Type: application/json' --data "$2" "$API$1" >/dev/null; }
crm() { curl -sf "$API/_crm" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
mkdir -p p/pipelines
echo "name: p" > p/sluice.yml
sqlite3 p/warehouse.db "CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT, name TEXT, score INTEGER);
  WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < $ROWS)
  INSERT INTO people SELECT i, 'p' || i || '@example.com', 'Person ' || i, i % 100 FROM g"
cat > p/pipelines/sync.yml <<'YML'
source: {type: sqlite, table: people}
sinks:
  - type: http
    url: ${API}
    key: [id]
    mode: mirror
    path: /crm/contacts
    update_path: /crm/contacts/{{ dest_id }}
    body: '{"email": {{ email }}, "properties": {"name": {{ name }}, "score": {{ score }}}}'
    concurrency: 8
YML
ctl /_reset '{}'
start=$(date +%s%N)
assert_exit 0 "$SLUICE" -C p -q run sync
ms=$(( ($(date +%s%N) - start) / 1000000 ))
assert_eq "first sync: created" "$(crm creates)" "$ROWS"
first=$(crm requests)
assert_exit 0 "$SLUICE" -C p -q run sync
assert_eq "no change: nothing sent" "$(crm requests)" "$first"
sqlite3 p/warehouse.db "UPDATE people SET score = score + 1000 WHERE id % 100 = 7; DELETE FROM people WHERE id % 200 = 3"
changed=$((ROWS / 100)); deleted=$((ROWS / 200))
# --dry-run: says what the run will send, sends nothing
assert_exit 0 "$SLUICE" -C p run sync --dry-run
assert_contains "dry run counts" "would send 0 creates, $changed updates, $deleted deletes" "$T/out"
assert_contains "dry run payloads" "PATCH $API/crm/contacts/c" "$T/out"
assert_eq "dry run sent nothing" "$(crm requests)" "$first"
assert_exit 0 "$SLUICE" -C p -q run sync
assert_eq "changes sent" "$(crm updates)|$(crm deletes)|$(crm creates)" "$changed|$deleted|$ROWS"
assert_eq "requests for the changes" "$(( $(crm requests) - first ))" "$((changed + deleted))"
assert_exit 0 "$SLUICE" -C p -q run sync
assert_eq "no change again" "$(( $(crm requests) - first ))" "$((changed + deleted))"
echo "change-only sync: $ROWS rows synced in ${ms} ms; after changing $changed and deleting $deleted at the source the next run sent $changed updates and $deleted deletes ($((changed + deleted)) requests); runs without changes sent 0"

# 2. SIGKILL during a sync (a fresh CRM and state each time)
cat > p/pipelines/k.yml <<'YML'
source: {type: sqlite, table: people}
batch_rows: 500
sinks:
  - type: http
    url: ${API}
    key: [id]
    path: /crm/contacts
    update_path: /crm/contacts/{{ dest_id }}
    body: '{"email": {{ email }}, "properties": {"name": {{ name }}}}'
    concurrency: 4
YML
n=$(q p/warehouse.db 'SELECT count(*) FROM people')
i=0; dups=0; violations=0; humans=0; replays=0
while [ $i -lt "$KILLS" ]; do
  i=$((i + 1))
  ctl /_reset '{}'
  ctl /_control '{"delay": 0.002}'
  rm -rf p/.sluice
  # the moment of the kill, computed before the run starts (an interpreter
  # starting between the start and the kill would move it later)
  delay_s=$(python3 -c "import random; random.seed($i); print(random.uniform(0.5, 4))")
  "$SLUICE" -C p -q run k >/dev/null 2>&1 &
  pid=$!
  sleep "$delay_s"
  kill -9 $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  "$SLUICE" -C p -q run k >/dev/null 2>"$T/err" || { humans=$((humans + 1)); cat "$T/err" >&2; }
  assert_eq "kill $i: records in the CRM" "$(crm records)" "$n"
  assert_eq "kill $i: created once each" "$(crm creates)" "$n"
  violations=$((violations + $(crm key_violations))); replays=$((replays + $(crm replays)))
done
assert_eq "idempotency keys reused for another payload" "$violations" 0
echo "kill during a sync: $KILLS kills: every one of $n rows in the CRM once after each rerun, records created twice 0, idempotency-key violations $violations, requests replayed by the API (sent before the kill, answered, not yet committed) $replays, reruns that failed $humans"
assert_eq "reruns needing a human" "$humans" 0
finish
