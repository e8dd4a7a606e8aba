#!/bin/sh
# t0027: the http sink's guards, on the real binary against the fake API's
# CRM (tests/http/server.py):
#   1. case 22 (2026-11-30): an all-or-nothing batch endpoint refuses a
#      batch of 5 with 400 for one bad email: the batch is split, the other
#      4 contacts are delivered, only line 4 goes to the DLQ with the API's
#      answer, on each run;
#   2. mirror's max_deletes: a query that suddenly matches 0 rows fails the
#      run (exit 1) before any delete; `sluice run --allow-deletes` deletes
#      once; deletes answered 204 No Content are successes, sent once;
#   3. max_deletes is checked at validate time (file:line:col) and listed
#      by `sluice help http`.
. "$SRC/tests/cli/lib.sh"
API=$(cat "${SLUICE_TEST_HTTPDIR:?run through ctest: its fixture starts the API}/url")
export API
ctl() { curl -sf -X POST -H 'Content-Type: application/json' --data "$2" "$API$1" >/dev/null; }
crm() { curl -sf "$API/_crm" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
runs() { python3 -c "import json,sys; r=json.load(open('$T/out'))['runs'][0]; print(r['status'], r['rows_loaded'], r['rows_rejected'])"; }

# 1. case 22
mkdir -p c/pipelines c/data
echo "name: c" > c/sluice.yml
printf 'id,email,score\n1,ann@example.com,80\n2,bob@example.com,75\n3,not-an-email,90\n4,dee@example.com,60\n5,eve@example.com,55\n' \
  > c/data/scores.csv
cat > c/pipelines/p.yml <<'YML'
source: {type: csv, path: data/scores.csv}
sinks:
  - type: http
    url: "${API}"
    key: [id]
    mode: upsert
    batch_size: 5
    batch_path: /sink/strict/contacts/batch
    batch_body: '{"inputs": {{ records }}}'
    results_path: results
    body: '{"email": {{ email }}, "score": {{ score }}}'
    retry: {attempts: 2, base: 100ms, cap: 1s}
YML
ctl /_reset '{}'
assert_exit 0 "$SLUICE" -C c run --json
assert_eq "case 22 run 1: status, loaded, rejected" "$(runs)" "success 4 1"
delivered=$(crm records)
assert_eq "case 22: contacts delivered" "$delivered" 4
assert_exit 0 "$SLUICE" -C c run --json
assert_eq "case 22 run 2: status, loaded, rejected" "$(runs)" "success 4 1"
assert_eq "case 22 run 2: only the bad contact sent again" "$(crm requests)" 6
assert_exit 0 "$SLUICE" -C c dlq list --json
assert_eq "case 22: DLQ lines" "$(python3 -c "import json; r=json.load(open('$T/out'))['rejected']; print(sorted({x['line'] for x in r}), len(r))")" "[4] 1" # once however often runs meet it
assert_contains "case 22: the API's answer in the DLQ" 'HTTP 400: {\"status\": \"error\", \"category\": \"VALIDATION_ERROR\"' "$T/out"

# 2. mirror's max_deletes, and deletes answered 204
mkdir -p m/pipelines
echo "name: m" > m/sluice.yml
sqlite3 m/warehouse.db "CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT, score INTEGER);
  WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 40)
  INSERT INTO people SELECT i, 'p' || i || '@example.com', i FROM g"
cat > m/pipelines/sync.yml <<'YML'
source: {type: sqlite, query: "SELECT id, email, score FROM people WHERE score >= 0"}
sinks:
  - type: http
    url: ${API}
    key: [id]
    mode: mirror
    path: /sink/empty/contacts
    update_path: /sink/empty/contacts/{{ dest_id }}
    body: '{"external_id": {{ key }}, "email": {{ email }}, "score": {{ score }}}'
    retry: {attempts: 3, base: 10ms, cap: 20ms}
YML
ctl /_reset '{}'
assert_exit 0 "$SLUICE" -C m -q run sync
assert_eq "mirror: created (answered with an empty 200)" "$(crm creates)|$(crm requests)" "40|40"
# 4 of 40 (10%) may go: deleted, each answered 204 and sent once
sqlite3 m/warehouse.db "DELETE FROM people WHERE id <= 4"
assert_exit 0 "$SLUICE" -C m -q run sync
assert_eq "mirror: 4 deletes answered 204, one request each" "$(crm deletes)|$(crm requests)" "4|44"
# the query suddenly matches nothing: the run fails, nothing is deleted
sed -i 's/score >= 0/score < 0/' m/pipelines/sync.yml
assert_exit 1 "$SLUICE" -C m run sync
assert_contains "guard message" "mirror would delete 36 of the 36 records synced (100.0%), more than max_deletes (10%); nothing was deleted" "$T/err"
assert_contains "guard names the way out" 'sluice run sync --allow-deletes' "$T/err"
kept=$(crm records)
assert_eq "guard: nothing deleted" "$(crm deletes)|$kept" "4|36"
assert_exit 1 "$SLUICE" -C m run sync
assert_eq "guard holds on the next run" "$(crm deletes)" 4
assert_exit 0 "$SLUICE" -C m run sync --dry-run
assert_contains "dry run warns" "the run will fail without --allow-deletes" "$T/out"
# --allow-deletes: this run only
assert_exit 0 "$SLUICE" -C m -q run sync --allow-deletes
assert_eq "--allow-deletes: deleted" "$(crm deletes)|$(crm records)" "40|0"
echo "case 22: $delivered of 5 contacts delivered; mirror: a query matching 0 of 36 synced rows left $kept records in the CRM until --allow-deletes"

# 3. configuration
sed -i 's/    retry:/    max_deletes: lots\n    retry:/' m/pipelines/sync.yml
assert_exit 2 "$SLUICE" -C m validate
assert_contains "max_deletes diagnosed at its place" "pipelines/sync.yml:10:18" "$T/err"
assert_contains "max_deletes diagnosis" "max_deletes must be a number of records (50) or a share of the synced records from 0% to 100% (10%), not 'lots'" "$T/err"
assert_exit 0 "$SLUICE" help http
assert_contains "help lists max_deletes" "max_deletes" "$T/out"
finish
