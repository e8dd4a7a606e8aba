#!/bin/sh
# t0076: a pipeline's checks: on SQLite (docs/quality/pipelines.md): every
# in-stream kind on a small CSV; quarantine sends the failing rows to the
# DLQ with the check named and counts them as rejected (read = loaded +
# filtered + rejected; a row failing two quarantine checks is rejected
# once); warn checks report and load; an error check fails the run; the
# results are kept in the state store and printed by `sluice run`.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines
echo "name: p" > p/sluice.yml
# rows: 2 no email, 3 plan gold, 5 id 1 again, 6 no email AND plan gold: quarantined (4 rows);
# 4 score -5 (range, expression), 7 bad email and long name (regex, format, length): warn, loaded
cat > p/in.csv <<CSV
id,email,plan,score,name,seen_at
1,a@x.io,free,10,Ann,2026-01-01T00:00:00Z
2,,pro,20,Bob,2026-01-02T00:00:00Z
3,c@x.io,gold,30,Cy,2026-01-03T00:00:00Z
4,d@x.io,free,-5,Dee,2026-01-04T00:00:00Z
1,e@x.io,pro,50,Eve,2026-01-05T00:00:00Z
6,,gold,60,Fay,2026-01-06T00:00:00Z
7,not-an-email,pro,70,Averyveryverylongname,2026-01-07T00:00:00Z
8,h@x.io,free,80,,2026-01-08T00:00:00Z
CSV
cat > p/pipelines/c.yml <<'YML'
source: {type: csv, path: in.csv}
batch_rows: 3
checks:
  - not_null: {column: email, on_fail: quarantine}
  - accepted_values: {column: plan, values: [free, pro], on_fail: quarantine}
  - unique: {column: id, on_fail: quarantine}
  - regex: {column: email, pattern: '^[^@ ]+@[^@ ]+$', severity: warn}
  - range: {column: score, min: 0, max: 100, severity: warn}
  - length: {column: name, max: 10, severity: warn}
  - format: {column: email, format: email, severity: warn}
  - expression: {name: score_positive, expression: "score >= 0", severity: warn}
  - null_rate: {column: name, max: 0.5}
  - duplicate_rate: {column: plan, max: 0.9}
  - required_columns: {columns: [id, email, plan]}
  - schema: {columns: {id: int, email: text, score: int}}
  - row_count: {min: 1, max: 100}
  - row_count_change: {max: 0.5, severity: warn}
  - freshness: {column: seen_at, error_after: 365000d}
sinks: [{type: sqlite, table: contacts}]
YML
assert_exit 0 "$SLUICE" -C p run c --json
cp "$T/out" "$T/run1.json"
cp "$T/err" "$T/run1.err"
# accounting: 8 read, 4 quarantined (rejected), 4 loaded; every check's result, kept in the state store
st=p/.sluice/state.db
run1=$(q $st "select run_id from runs where pipeline = 'c' order by seq desc limit 1")
q $st "select status, rows_read, rows_loaded, rows_filtered, rows_rejected from runs where run_id = '$run1'" | tr '|' ' ' > "$T/got"
q $st "select check_name, status, coalesce(nullif(failures, -1), '-'), case when kind = 'freshness' then 'FRESH'
  else printf('%g', observed) end from check_results where run_id = '$run1' order by seq" | tr '|' ' ' >> "$T/got"
cat > "$T/want" <<W
success 8 4 0 4
not_null_email fail 2 2
accepted_values_plan fail 2 2
unique_id fail 1 1
regex_email warn 1 1
range_score warn 1 1
length_name warn 1 1
format_email_email warn 1 1
score_positive warn 1 1
null_rate_name pass - 0.25
duplicate_rate_plan pass - 0.5
required_columns_id_email_plan pass - 0
schema pass - 0
row_count pass - 4
row_count_change pass - 0
freshness_seen_at pass - FRESH
W
# --json output carries them too
assert_contains "--json checks" '"checks":[{"check":"not_null_email","kind":"not_null","column":"email","status":"fail"' "$T/run1.json"
assert_eq "run 1 accounting and check results" "$(cat "$T/got")" "$(cat "$T/want")"
assert_eq "table rows" "$(q p/warehouse.db 'select group_concat(id) from (select id from contacts order by id)')" "1,4,7,8"
# the DLQ names the check; row 6 (no email, plan gold) is there once
"$SLUICE" -C p dlq list --pipeline c --wide > "$T/dlq" 2>&1
assert_contains "dlq: not_null" "check not_null_email failed" "$T/dlq"
assert_contains "dlq: accepted_values" "check accepted_values_plan failed" "$T/dlq"
assert_contains "dlq: unique" "check unique_id failed" "$T/dlq"
assert_eq "dlq rows" "$(grep -c 'check .* failed' "$T/dlq")" "4"
assert_eq "row 6 rejected once" "$(grep -c 'Fay' "$T/dlq")" "1"
assert_eq "stored results" "$(q $st "select count(*) from check_results where run_id = '$run1'")" "15"
# the profile of what the sink loaded (4 rows; one without a name)
assert_eq "profile" "$(q $st "select row_count, null_count from profiles where run_id = '$run1' and node = 'pipeline.p.c' and column_name = 'name'")" "4|1"
assert_eq "stored warn" "$(q $st "select status from check_results where run_id = '$run1' and check_name = 'regex_email'")" "warn"

# run 2: 2 rows (against 4: a 50 % change: warn), and an error check that fails: exit 1, check named
cat > p/in.csv <<CSV
id,email,plan,score,name,seen_at
10,j@x.io,free,10,Jo,2026-01-01T00:00:00Z
11,k@x.io,free,10,Kay,2026-01-01T00:00:00Z
CSV
cat > p/pipelines/c.yml <<'YML'
source: {type: csv, path: in.csv}
checks:
  - row_count_change: {max: 0.4, severity: warn}
  - row_count: {min: 3}
sinks: [{type: sqlite, table: contacts}]
YML
assert_exit 1 "$SLUICE" -C p run c
assert_contains "run 2 fails with the check" "check row_count failed" "$T/err"
# sluice run prints a line per check that did not pass, observed against its threshold
assert_contains "run 2 change warns" "c: check row_count_change (row_count_change): warn:" "$T/err"
assert_contains "run 2 observed" "(observed 2, threshold" "$T/err"
# a table that commits each batch has the rows already (documented: use commit: run)
assert_eq "rows after run 2" "$(q p/warehouse.db 'select count(*) from contacts')" "6"
# on_fail: fail on a row-level check stops before the batch is written
cat > p/in.csv <<CSV
id,email,plan,score,name,seen_at
20,,free,10,Jo,2026-01-01T00:00:00Z
CSV
cat > p/pipelines/d.yml <<'YML'
source: {type: csv, path: in.csv}
checks: [{not_null: {column: email}}]
sinks: [{type: sqlite, table: d}]
YML
assert_exit 1 "$SLUICE" -C p run d
assert_contains "row check fails the run" "check not_null_email failed" "$T/err"
assert_eq "nothing written" "$(q p/warehouse.db "select count(*) from sqlite_master where name = 'd'")" "0"
finish
