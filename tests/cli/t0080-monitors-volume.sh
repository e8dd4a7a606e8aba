#!/bin/sh
# t0080: automatic monitors with no configuration in the pipeline (the
# project's monitors: {min_history: 3} only shortens the training): a
# pipeline run 3 times with 100 rows then once with 10 -> the volume point is an anomaly with its
# band (expected 100, 88..112) in the state store, an open incident, and
# `sluice monitors` (table and --json) lists it; the next normal run clears
# the incident; `monitors: false` records nothing; `monitors:` errors name
# file:line:col with a suggestion.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines
printf "name: p\nmonitors: {min_history: 3}\n" > p/sluice.yml
cat > p/pipelines/orders.yml <<'YML'
source: {type: csv, path: data.csv}
sinks:
  - {type: sqlite, table: orders, mode: full_refresh}
YML
cat > p/pipelines/quiet.yml <<'YML'
source: {type: csv, path: data.csv}
sinks:
  - {type: sqlite, table: quiet, mode: full_refresh}
monitors: false
YML
gen() {
  awk -v n="$1" 'BEGIN { print "id,amount,note"; for (i = 0; i < n; i++) printf "%d,%s,%s\n", i, i * 1.5, (i % 2 ? "x" : "") }' > p/data.csv
}
gen 100
for i in 1 2 3; do assert_exit 0 "$SLUICE" -C p -q run orders quiet; done
gen 10
assert_exit 0 "$SLUICE" -C p run orders quiet
assert_contains "incident on stderr" "incident opened: anomaly|pipeline.p.orders|volume: volume of pipeline.p.orders: 10 rows, expected 100 (band 88 to 112 rows)" "$T/err"
ST=p/.sluice/state.db
assert_eq "volume points" "$(q $ST "SELECT group_concat(value || ':' || status, ' ') FROM (SELECT value, status FROM monitor_points WHERE monitor = 'pipeline.p.orders|volume' ORDER BY seq)")" \
  "100.0:training 100.0:training 100.0:training 10.0:anomaly"
assert_eq "band stored" "$(q $ST "SELECT expected || ' ' || lower_bound || ' ' || upper_bound || ' ' || (run_id IS NOT NULL) FROM monitor_points WHERE monitor = 'pipeline.p.orders|volume' ORDER BY seq DESC LIMIT 1")" "100.0 88.0 112.0 1"
assert_eq "null rate per column" "$(q $ST "SELECT group_concat(column_name || '=' || value, ' ') FROM (SELECT column_name, value FROM monitor_points WHERE metric = 'null_rate' AND run_id = (SELECT run_id FROM monitor_points WHERE metric = 'volume' ORDER BY seq DESC LIMIT 1) ORDER BY column_name)")" "amount=0.0 id=0.0 note=0.5"
assert_eq "incident open" "$(q $ST "SELECT kind || ' ' || status FROM incidents WHERE incident_key = 'anomaly|pipeline.p.orders|volume'")" "anomaly open"
assert_eq "monitors: false records nothing" "$(q $ST "SELECT count(*) FROM monitor_points WHERE node = 'pipeline.p.quiet'")" "0"
# the table
assert_exit 0 "$SLUICE" -C p monitors
assert_eq "table row" "$(grep ' volume ' "$T/out" | tr -s ' ')" "pipeline.p.orders volume 10.0 100.0 88.0 112.0 anomaly 4"
assert_eq "monitors listed" "$(awk 'NR > 1 {print $2}' "$T/out" | sort | tr '\n' ' ')" "freshness null_rate null_rate null_rate rejected_rate schema volume "
# --json, and a node filter by its last part
assert_exit 0 "$SLUICE" -C p --json monitors orders
assert_eq "json" "$(python3 -c '
import json, sys
m = {(x["metric"], x["column"]): x for x in json.load(open(sys.argv[1]))["monitors"]}
v = m[("volume", None)]
print(len(m), v["node"], v["value"], v["expected"], v["lower"], v["upper"], v["status"], v["points"], m[("null_rate", "note")]["value"], m[("freshness", None)]["status"])' "$T/out")" \
  "7 pipeline.p.orders 10.0 100.0 88.0 112.0 anomaly 4 0.5 manual"
assert_exit 0 "$SLUICE" -C p monitors quiet --json
assert_eq "quiet has none" "$(cat "$T/out")" '{"schema_version":1,"monitors":[]}'
# back to normal: the incident closes
gen 100
assert_exit 0 "$SLUICE" -C p run orders
assert_eq "incident closed" "$(q $ST "SELECT status FROM incidents WHERE incident_key = 'anomaly|pipeline.p.orders|volume'")" "closed"
assert_eq "normal point" "$(q $ST "SELECT status FROM monitor_points WHERE monitor = 'pipeline.p.orders|volume' ORDER BY seq DESC LIMIT 1")" "normal"
# configuration errors
cat > p/pipelines/quiet.yml <<'YML'
source: {type: csv, path: data.csv}
sinks:
  - {type: sqlite, table: quiet, mode: full_refresh}
monitors:
  volme: false
  null_rate: {sensitivity: -1, windw: 5}
  seasonality: monthly
  freshness: {error_after: soon}
YML
assert_exit 2 "$SLUICE" -C p validate
assert_eq "diagnostics" "$(sed "s|$T/||" "$T/err")" "p/pipelines/quiet.yml:5:3: unknown key 'volme' in monitors:; did you mean 'volume'?
p/pipelines/quiet.yml:6:28: sensitivity must be a number above 0 (robust standard deviations, default 4.0), not '-1'
p/pipelines/quiet.yml:6:32: unknown key 'windw' in monitors: null_rate; did you mean 'window'?
p/pipelines/quiet.yml:7:16: seasonality must be weekly, none or auto, not 'monthly'
p/pipelines/quiet.yml:8:28: error_after must be a duration such as 30m, 12h, 2d or a number of seconds, not 'soon'"
rm p/pipelines/quiet.yml
printf 'name: p\nmonitors:\n  warn_after: 1h\n  schema: {sensitivity: 3}\n  freshness: {warn_after: 2d, error_after: 1d}\n' > p/sluice.yml
assert_exit 2 "$SLUICE" -C p validate
assert_eq "project diagnostics" "$(sed "s|$T/||" "$T/err")" "p/sluice.yml:3:3: unknown key 'warn_after' in monitors:; it goes under freshness: (freshness: {warn_after: ...})
p/sluice.yml:4:12: unknown key 'sensitivity' in monitors: schema (it takes true or false)
p/sluice.yml:5:15: monitors: freshness: warn_after must not be longer than error_after"
printf 'name: p\nmonitors: false\n' > p/sluice.yml
assert_exit 0 "$SLUICE" -C p -q run orders
assert_eq "project monitors: false" "$(q $ST "SELECT count(*) FROM monitor_points WHERE run_id = (SELECT run_id FROM runs ORDER BY seq DESC LIMIT 1)")" "0"
finish
