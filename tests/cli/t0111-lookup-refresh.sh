#!/bin/sh
# t0111: lookup refresh (docs/events/enrichment.md): a run that reads many
# batches (a slow source: the source.record failpoint sleeps per record)
# while another process updates the lookup table in one transaction. On a
# SQLite warehouse the lookup sees the commit (PRAGMA data_version of its
# own connection, checked once per batch) and reads the table again: rows
# read after the update get the new values, rows before keep the old ones,
# and no batch mixes the two (the reload is swapped in between batches).
# refresh: alone (no commits to the warehouse: a jsonl sink) reads a query
# again once the interval passed: its clock column changes mid-run.
# Also: on_miss: filter is drop (the misses counted as filtered), refresh:
# is documented by `sluice help lookup`, and the accounting stays exact.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines p/data
echo "name: lkr" > p/sluice.yml
w=p/warehouse.db
q $w "CREATE TABLE accounts (id INTEGER PRIMARY KEY, plan TEXT);
      INSERT INTO accounts VALUES (1, 'old1'), (2, 'old2'), (3, 'old3');"
# 60 events in 12 batches of 5; every 10th has an account that is not there (a miss)
python3 -c '
print("n,account_id")
for n in range(1, 61):
    print("%d,%d" % (n, 9 if n % 10 == 0 else 1 + n % 3))
' > p/data/events.csv
cat > p/pipelines/enrich.yml <<'YML'
batch_rows: 5
source: {type: csv, path: data/events.csv}
transforms:
  - type: lookup
    from: accounts
    key: {account_id: id}
    columns: [plan]
    on_miss: filter
    refresh: 1h
sinks: [{type: sqlite, table: enriched}]
YML
# the interval: a query: lookup of the clock, read again after 1 s; 40 records at >= 30 ms each
python3 -c 'print("n,one"); [print("%d,1" % n) for n in range(1, 41)]' > p/data/clock.csv
cat > p/pipelines/clock.yml <<'YML'
batch_rows: 5
source: {type: csv, path: data/clock.csv}
transforms:
  - type: lookup
    query: "SELECT 1 AS one, CAST(strftime('%s', 'now') AS INTEGER) AS loaded_s"
    key: {one: one}
    columns: [loaded_s]
    refresh: 1s
sinks: [{type: jsonl, path: out/clock.jsonl}]
YML
cd p
assert_exit 0 "$SLUICE" validate
assert_exit 0 "$SLUICE" help lookup
assert_contains "help documents refresh:" "refresh" "$T/out"
assert_contains "help documents filter" "keep|drop|filter|reject" "$T/out"
# 30 ms a record: about 2 s for the 60; the update comes once 2 batches are committed
SLUICE_FAILPOINTS=source.record=sleep30 "$SLUICE" run enrich >"$T/run.out" 2>"$T/run.err" &
pid=$!
loaded() { [ "$(q warehouse.db "select count(*) from enriched" 2>/dev/null || echo 0)" -ge 8 ]; }
wait_for 30 loaded || fail "the run did not commit two batches"
q warehouse.db "BEGIN; UPDATE accounts SET plan = replace(plan, 'old', 'new'); COMMIT;"
set +e; wait $pid; rc=$?; set -e
assert_eq "run exit" "$rc" "0"
assert_eq "every hit is there, with the old or the new value of its account" \
  "$(q warehouse.db "select count(*) from enriched where plan in ('old' || (1 + n % 3), 'new' || (1 + n % 3))")" "54"
first_new=$(q warehouse.db "select min(n) from enriched where plan like 'new%'")
last_old=$(q warehouse.db "select max(n) from enriched where plan like 'old%'")
assert_eq "the first batches have the old values" "$(q warehouse.db "select count(*) from enriched where n <= 10 and plan like 'old%'")" "9"
assert_eq "the last batch has the new values" "$(q warehouse.db "select count(*) from enriched where n > 55 and plan like 'new%'")" "4"
assert_eq "old before new: one switch" "$([ "$last_old" -lt "$first_new" ] && echo yes)" "yes"
assert_eq "no batch mixes old and new" \
  "$(q warehouse.db "select count(*) from (select (n - 1) / 5 b from enriched group by b having count(distinct substr(plan, 1, 3)) > 1)")" "0"
assert_eq "the switch is at a batch boundary" "$(( (first_new - 1) % 5 ))" "0"
assert_eq "accounting: read = loaded + filtered + rejected, misses filtered" \
  "$(q .sluice/state.db "select rows_read || ' ' || rows_loaded || ' ' || rows_filtered || ' ' || rows_rejected from runs where pipeline = 'enrich'")" \
  "60 54 6 0"
# refresh: 1s: the clock read at the start, then again once a second passed (the 40 records take >= 1.2 s)
SLUICE_FAILPOINTS=source.record=sleep30 "$SLUICE" run clock >"$T/out" 2>"$T/err" || fail "clock run: $(cat "$T/err")"
assert_eq "refresh: 1s read the query again mid-run, between batches, never back in time" "$(python3 -c '
import json
v = [json.loads(l)["loaded_s"] for l in open("out/clock.jsonl")]
batches = [set(v[i:i + 5]) for i in range(0, len(v), 5)]
print(len(v), len(set(v)) >= 2, all(len(b) == 1 for b in batches), v == sorted(v))')" "40 True True True"
finish
