#!/bin/sh
# t0022: max_rejected is a gate that holds, through `sluice run`:
#   1. case 31: `max_rejected: 0` with one bad row: the run fails, its
#      good rows are rolled back, the downstream pipeline (after: [load])
#      never runs; every rerun fails the same way, also with --restart,
#      until the limit changes; then the load and the report run once;
#   2. rows a reverse-ETL (http) sink's API refuses count toward the limit;
#   3. bad values of max_rejected are configuration errors at file:line:col.
# Regression: the failed run had committed its good rows, and the rerun
# resumed with nothing left to read, succeeded and let the report run.
. "$SRC/tests/cli/lib.sh"
API=$(cat "${SLUICE_TEST_HTTPDIR:?run through ctest: its fixture starts the API}/url")
export API
crm() { curl -sf "$API/_crm" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

# 1. case 31
mkdir -p g/pipelines
echo "name: gate" > g/sluice.yml
printf 'id,score\n1,10\n2,oops\n3,30\n' > g/x.csv
load() {
  printf 'source: {type: csv, path: x.csv, columns: {score: int}}\nsinks: [{type: sqlite, table: t}]\nmax_rejected: %s\n' "$1" \
    > g/pipelines/load.yml
}
load 0
cat > g/pipelines/report.yml <<'YML'
source: {type: sqlite, table: t}
sinks: [{type: csv, path: out.csv}]
after: [load]
YML
tables() { q g/warehouse.db "SELECT count(*) FROM sqlite_master WHERE name = 't'"; }
assert_exit 1 "$SLUICE" -C g --json run
assert_contains "first run: the gate" "1 rows rejected, more than max_rejected (0)" "$T/out"
assert_eq "first run: no table t" "$(tables)" 0
assert_eq "first run: no report" "$(ls g/out.csv 2>/dev/null)" ""
assert_exit 1 "$SLUICE" -C g --json run
assert_contains "rerun: resumed" '"resumed":true' "$T/out"
assert_contains "rerun: the gate holds" "1 rows rejected, more than max_rejected (0)" "$T/out"
assert_eq "rerun: no table t" "$(tables)" 0
assert_eq "rerun: no report" "$(ls g/out.csv 2>/dev/null)" ""
assert_exit 1 "$SLUICE" -C g --json run load --restart
assert_contains "--restart: the same input fails the same way" "more than max_rejected (0)" "$T/out"
assert_eq "--restart: no table t" "$(tables)" 0
assert_eq "the DLQ keeps the row once however often runs meet it" "$(q g/.sluice/state.db "SELECT count(*) FROM dlq WHERE reason LIKE '%oops%'")" 1
load 1
assert_exit 0 "$SLUICE" -C g --json run
assert_eq "limit raised: t has the good rows once" "$(q g/warehouse.db 'SELECT group_concat(id) FROM t')" "1,3"
assert_eq "limit raised: the report ran" "$(tail -n +2 g/out.csv | wc -l)" 2

# 2. a reverse-ETL sink's failed records count
curl -sf -X POST -H 'Content-Type: application/json' --data '{}' "$API/_reset" >/dev/null
mkdir -p h/pipelines
echo "name: h" > h/sluice.yml
q h/warehouse.db "CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT);
  WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 300)
  INSERT INTO people SELECT i, CASE WHEN i IN (10, 20, 30) THEN 'broken-' || i ELSE 'p' || i || '@example.com' END FROM g"
sync() {
  cat > h/pipelines/sync.yml <<YML
source: {type: sqlite, table: people}
sinks:
  - type: http
    url: \${API}
    key: [id]
    path: /crm/contacts
    update_path: /crm/contacts/{{ dest_id }}
    body: '{"email": {{ email }}}'
max_rejected: $1
YML
}
sync 2
assert_exit 1 "$SLUICE" -C h --json run sync
assert_contains "http: 3 records refused by the API" "3 rows rejected, more than max_rejected (2)" "$T/out"
assert_exit 1 "$SLUICE" -C h --json run sync
assert_contains "http: the gate holds" "3 rows rejected, more than max_rejected (2)" "$T/out"
sync 3
assert_exit 0 "$SLUICE" -C h --json run sync
assert_eq "http: records in the CRM once each" "$(crm records)" 297

# 3. configuration errors
mkdir -p c/pipelines
echo "name: c" > c/sluice.yml
printf 'source: {type: csv, path: x.csv}\nsinks: [{type: sqlite, table: t}]\nmax_rejected: 150%%\n' > c/pipelines/a.yml
printf 'source: {type: csv, path: x.csv}\nsinks: [{type: sqlite, table: t}]\nmax_rejected: many\n' > c/pipelines/b.yml
printf 'source: {type: csv, path: x.csv}\nsinks: [{type: jsonl, path: out.jsonl}, {type: sqlite, table: t}]\nmax_rejected: 1%%\n' > c/pipelines/d.yml
printf 'source: {type: csv, path: x.csv}\nsinks: [{type: jsonl, path: out.jsonl}, {type: sqlite, table: t, mode: full_refresh}]\nmax_rejected: 1%%\n' > c/pipelines/e.yml
assert_exit 2 "$SLUICE" -C c validate
# found by trying it: 1% over an append table committed 980 of 1000 rows
# before the end of the input refused the load
assert_contains "a percentage needs sinks that publish at the end" "pipelines/d.yml:3:15: max_rejected as a percentage is decided at the end of the input, but sink sqlite (sqlite) commits each batch" "$T/err"
if grep -q "pipelines/e.yml" "$T/err"; then fail "full_refresh + jsonl with a percentage refused: $(cat "$T/err")"; else ok; fi
assert_contains "150%" "pipelines/a.yml:3:15: max_rejected: '150%' is not a percentage from 0% to 100%" "$T/err"
assert_contains "many" "pipelines/b.yml:3:15: max_rejected must be a whole number of rows >= 0 or a percentage like 1%, not 'many'" "$T/err"
finish
