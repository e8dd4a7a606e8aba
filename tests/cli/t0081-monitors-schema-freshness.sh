#!/bin/sh
# t0081: the schema monitor: a run that adds a column to the warehouse
# table is a schema point (value 1, anomaly) and an open schema_change
# incident naming the column; the next run without change clears it.
# Freshness: with monitors: {freshness: {warn_after, error_after}} the age
# of the last success (set back in the state store, no sleeps) is normal,
# warn or stale in `sluice monitors`, with a freshness incident that a new
# successful run closes; a pipeline with a schedule (every: 1h) and no
# thresholds is stale once two runs were missed plus an hour; a model's
# last success (node_results) is judged by the project's thresholds.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines
cat > p/sluice.yml <<'YML'
name: p
monitors:
  freshness: {warn_after: 30m, error_after: 2h}
YML
cat > p/pipelines/contacts.yml <<'YML'
source: {type: csv, path: contacts.csv}
sinks:
  - {type: sqlite, table: contacts, mode: append}
YML
cat > p/pipelines/hourly.yml <<'YML'
source: {type: csv, path: contacts.csv}
sinks:
  - {type: sqlite, table: hourly, mode: full_refresh}
every: 1h
monitors: {volume: false}
YML
printf 'id,name\n1,ann\n2,bob\n' > p/contacts.csv
assert_exit 0 "$SLUICE" -C p -q run contacts hourly
printf 'id,name,email\n3,cy,cy@example.com\n' > p/contacts.csv
assert_exit 0 "$SLUICE" -C p run contacts
assert_contains "incident on stderr" "incident opened: schema_change|pipeline.p.contacts: schema of pipeline.p.contacts changed: 1 column added, widened or dropped" "$T/err"
ST=p/.sluice/state.db
assert_eq "schema points" "$(q $ST "SELECT group_concat(value || ':' || status, ' ') FROM (SELECT value, status FROM monitor_points WHERE monitor = 'pipeline.p.contacts|schema' ORDER BY seq)")" "0.0:normal 1.0:anomaly"
assert_eq "schema incident" "$(q $ST "SELECT kind || ' ' || status FROM incidents WHERE incident_key = 'schema_change|pipeline.p.contacts'")" "schema_change open"
assert_eq "schema change recorded" "$(q $ST "SELECT column_name FROM schema_changes")" "email"
printf 'id,name,email\n4,dee,dee@example.com\n' > p/contacts.csv
assert_exit 0 "$SLUICE" -C p -q run contacts
assert_eq "cleared" "$(q $ST "SELECT status FROM incidents WHERE incident_key = 'schema_change|pipeline.p.contacts'")" "closed"
assert_eq "last schema point" "$(q $ST "SELECT value || ':' || status FROM monitor_points WHERE monitor = 'pipeline.p.contacts|schema' ORDER BY seq DESC LIMIT 1")" "0.0:normal"

# freshness: move the last successes back in time
ago() { date -u -d "@$(( $(date +%s) - $1 ))" +%Y-%m-%dT%H:%M:%S.000Z; }
last_run() { q $ST "SELECT run_id FROM runs WHERE pipeline = '$1' AND status = 'success' ORDER BY seq DESC LIMIT 1"; }
set_back() { q $ST "UPDATE runs SET finished_at = '$(ago "$2")' WHERE run_id = '$(last_run "$1")'"; }
fresh() { # fresh NODE: status of its freshness monitor in `sluice monitors --json`
  "$SLUICE" -C p --json monitors "$1" | tr '{' '\n' | grep '"metric":"freshness"' | sed 's/.*"status":"\([a-z]*\)".*/\1/'
}
assert_eq "fresh" "$(fresh contacts)" "normal"
set_back contacts 2700   # 45 min: past warn_after
assert_eq "warn" "$(fresh contacts)" "warn"
set_back contacts 10800  # 3 h: past error_after
assert_eq "stale" "$(fresh contacts)" "stale"
assert_eq "freshness incident" "$(q $ST "SELECT status || ' ' || occurrences FROM incidents WHERE incident_key = 'freshness|pipeline.p.contacts'")" "open 2"
# the age is measured when the check runs: on a busy machine a second or
# two after the set-back ("3h1s ago"; CI-like load made that fail)
q $ST "SELECT message FROM incidents WHERE incident_key = 'freshness|pipeline.p.contacts'" > "$T/msg"
grep -Eq '^pipeline\.p\.contacts is stale \(error\): last successful load 3h([0-9]+s)? ago, error after 2h \(freshness\)$' "$T/msg" &&
  ok || fail "message: $(cat "$T/msg")"
assert_exit 0 "$SLUICE" -C p monitors contacts
assert_eq "table (value aside: the age)" "$(grep freshness "$T/out" | tr -s ' ' | cut -d' ' -f1,2,4-)" "pipeline.p.contacts freshness 1800.0 0.0 7200.0 stale 3"
assert_exit 0 "$SLUICE" -C p -q run contacts
assert_eq "fresh again" "$(fresh contacts)" "normal"
assert_eq "incident closed" "$(q $ST "SELECT status FROM incidents WHERE incident_key = 'freshness|pipeline.p.contacts'")" "closed"
# a schedule and no thresholds (hourly sets monitors: of its own): stale
# after two missed runs plus an hour
set_back hourly 5400
assert_eq "hourly 1.5 h" "$(fresh hourly)" "normal"
set_back hourly 14400
assert_eq "hourly 4 h" "$(fresh hourly)" "stale"
assert_eq "hourly incident" "$(q $ST "SELECT status FROM incidents WHERE incident_key = 'freshness|pipeline.p.hourly'")" "open"
# a model built 3 h ago: the project's error_after (2 h)
q $ST "INSERT INTO node_results (run_id, unique_id, resource_type, status, started_at, duration_s) VALUES ('r1', 'model.p.m', 'model', 'success', '$(ago 10800)', 1)"
assert_eq "model stale" "$(fresh model.p.m)" "stale"
# `sluice serve` checks freshness on its own (its first tick, then every minute)
q $ST "INSERT INTO node_results (run_id, unique_id, resource_type, status, started_at, duration_s) VALUES ('r2', 'model.p.n', 'model', 'success', '$(ago 10800)', 1)"
PORT=$(free_port)
"$SLUICE" -C p serve --listen 127.0.0.1:$PORT 2>"$T/serve.log" & daemon=$!
trap 'kill -9 $daemon 2>/dev/null || true; rm -rf "$T"' EXIT
wait_for 20 sh -c "[ \"\$(sqlite3 -cmd '.timeout 10000' $ST \"SELECT status FROM incidents WHERE incident_key = 'freshness|model.p.n'\")\" = open ]" \
  && ok || fail "the daemon did not report model.p.n stale: $(tail -n 5 "$T/serve.log")"
kill -TERM $daemon
wait $daemon || true
finish
