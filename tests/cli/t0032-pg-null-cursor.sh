#!/bin/sh
# t0032: rows whose cursor is NULL in the SQL sources (SQLite and
# PostgreSQL), under each null_cursor policy (2026-11 regression, case
# 18-null-cursor: a first run loaded them, later runs never read them and
# said nothing):
#   fail (default)  the run fails naming how many, before loading anything
#   always_read     read on every run, so rows inserted later with a NULL
#                   cursor are loaded too
#   reject          to the DLQ with the reason, on every run
# and a run killed among the NULL-cursor rows (which no bookmark can pass)
# resumes without losing or duplicating a row.
. "$SRC/tests/cli/lib.sh"
URL=$(cat "${SLUICE_TEST_PGDIR:?run through ctest: its fixture starts PostgreSQL}/url")
export URL
pg() { psql -X -q -At "$URL" -c "$1"; }
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["runs"][0][sys.argv[2]])' "$T/out" "$1"; }
balanced() {
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]
sys.exit(r["rows_read"] != r["rows_loaded"] + r["rows_filtered"] + r["rows_rejected"])' "$T/out" \
    && ok || fail "$1: rows_read != rows_loaded + rows_filtered + rows_rejected: $(cat "$T/out")"
}
mkdir -p p/pipelines
echo "name: p" > p/sluice.yml
pg "DROP SCHEMA IF EXISTS t32 CASCADE; CREATE SCHEMA t32;
    CREATE TABLE t32.accounts (id bigint PRIMARY KEY, name text, updated_at timestamptz)"
sqlite3 p/app.db "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT, updated_at TIMESTAMP)"
# both databases: accounts 1..3, account 2 without updated_at
insert() {
  sqlite3 p/app.db "INSERT INTO accounts VALUES $1"
  pg "INSERT INTO t32.accounts VALUES $1"
}
insert "(1, 'a', '2026-01-01T00:00:00Z'), (2, 'b', NULL), (3, 'c', '2026-01-02T00:00:00Z')"
for pol in default always_read reject; do
  opt=""; [ $pol = default ] || opt=", null_cursor: $pol"
  cat > p/pipelines/lite_$pol.yml <<YML
source: {type: sqlite, path: app.db, table: accounts, cursor: updated_at, cursor_key: id, lookback: 1h$opt}
sinks: [{type: sqlite, table: lite_$pol, mode: upsert, key: [id]}]
YML
  cat > p/pipelines/pg_$pol.yml <<YML
source: {type: postgres, url: "\${URL}", table: t32.accounts, cursor: updated_at, cursor_key: id$opt}
sinks: [{type: sqlite, table: pg_$pol, mode: upsert, key: [id]}]
YML
done
runs() {   # runs N: every pipeline once; the results in $T/run<N>.<pipeline>
  for pl in lite_default pg_default lite_always_read pg_always_read lite_reject pg_reject; do
    set +e; "$SLUICE" -C p --json run $pl > "$T/run$1.$pl" 2>"$T/err.$pl"; echo $? > "$T/rc$1.$pl"; set -e
  done
}
res() { cp "$T/run$1.$2" "$T/out"; }
runs 1
insert "(4, 'd (imported, no updated_at)', NULL), (5, 'e', '2026-01-03T00:00:00Z')"
runs 2
for src in lite pg; do
  # fail: the run fails before loading, naming the count
  res 1 ${src}_default
  assert_eq "$src fail run 1: exit" "$(cat "$T/rc1.${src}_default")" 1
  assert_eq "$src fail run 1: nothing loaded" "$(field rows_loaded)" 0
  res 2 ${src}_default
  assert_eq "$src fail run 2: exit" "$(cat "$T/rc2.${src}_default")" 1
  assert_contains "$src fail run 2: names the count" "2 rows of " "$T/out"
  assert_contains "$src fail run 2: names the way out" "null_cursor: always_read" "$T/out"
  assert_eq "$src fail: no table written" "$(q p/warehouse.db "SELECT count(*) FROM sqlite_master WHERE name = '${src}_default'")" 0
  # always_read: account 4 is loaded by run 2
  res 1 ${src}_always_read; balanced "$src always_read run 1"
  assert_eq "$src always_read run 1: loaded" "$(field rows_loaded)" 3
  res 2 ${src}_always_read; balanced "$src always_read run 2"
  assert_eq "$src always_read: every account" "$(q p/warehouse.db "SELECT group_concat(id) FROM (SELECT id FROM ${src}_always_read ORDER BY id)")" \
    "1,2,3,4,5"
  # reject: NULL-cursor rows to the DLQ, every run
  res 1 ${src}_reject; balanced "$src reject run 1"
  assert_eq "$src reject run 1: loaded/rejected" "$(field rows_loaded)/$(field rows_rejected)" "2/1"
  res 2 ${src}_reject; balanced "$src reject run 2"
  assert_eq "$src reject run 2: rejected" "$(field rows_rejected)" 2
  assert_eq "$src reject: the table" "$(q p/warehouse.db "SELECT group_concat(id) FROM (SELECT id FROM ${src}_reject ORDER BY id)")" "1,3,5"
  "$SLUICE" -C p --json dlq list --pipeline ${src}_reject > "$T/dlq"
  assert_eq "$src reject: DLQ" "$(python3 -c '
import json,sys
rows = json.load(open(sys.argv[1]))["rejected"]
print(sorted((int(json.loads(r["raw"])["id"]), r["reason"]) for r in rows))' "$T/dlq")" \
    "[(2, 'cursor column updated_at is NULL (null_cursor: reject)'), (4, 'cursor column updated_at is NULL (null_cursor: reject)')]" # each once however often runs meet it
done
assert_contains "sqlite fail run 1: names the table and count" "1 row of accounts has a NULL cursor (updated_at)" "$T/run1.lite_default"
assert_contains "pg fail run 1: names the table and count" "1 row of t32.accounts has a NULL cursor (updated_at)" "$T/run1.pg_default"

# ---- a crash among the NULL-cursor rows --------------------------------
# 5 rows without a cursor (sorted first), 4 with; batches of 2, append: a
# row read twice would show. A kill after the 2nd commit stops among the
# NULL rows; after the 4th, past them.
sqlite3 p/crash.db "CREATE TABLE ev (id INTEGER PRIMARY KEY, at TEXT);
  INSERT INTO ev VALUES (1, NULL), (2, NULL), (3, NULL), (4, NULL), (5, NULL),
    (6, '2026-01-01'), (7, '2026-01-02'), (8, '2026-01-03'), (9, '2026-01-04')"
cat > p/pipelines/crash.yml <<'YML'
source: {type: sqlite, path: crash.db, table: ev, cursor: at, cursor_key: id, null_cursor: always_read}
batch_rows: 2
sinks: [{type: sqlite, path: out.db, table: ev, mode: append}]
YML
for at in 1 2 3 4; do
  rm -rf p/out.db* p/.sluice
  SLUICE_FAILPOINTS="sink.after_commit=crash@$at" "$SLUICE" -C p -q run crash >/dev/null 2>&1 || true
  assert_exit 0 "$SLUICE" -C p --json run crash
  assert_contains "killed after commit $at: the rerun resumed" '"resumed":true' "$T/out"
  assert_eq "killed after commit $at: every row once" "$(q p/out.db 'SELECT count(*), count(DISTINCT id), sum(id) FROM ev')" "9|9|45"
done
finish
