#!/bin/sh
# t0024: a SQL or HTTP bookmark, and the positions of a resumed run, are
# only used with the query or request they were taken with. A changed
# table, query, cursor or request parameter reads from the start, with a
# warning (mid-run: the interrupted run's positions; across runs: the
# saved bookmark); an unchanged one goes on where it was. Also: a file
# replaced after an interrupted load into PostgreSQL (positions in the
# sink's _sluice_state) is read from its start.
# (2026-11-30, issue #10 item 2: a bookmark of one query was applied to
# another and rows were skipped with a success status.)
. "$SRC/tests/cli/lib.sh"
URL=$(cat "${SLUICE_TEST_PGDIR:?run through ctest: its fixture starts PostgreSQL}/url")
API=$(cat "${SLUICE_TEST_HTTPDIR:?run through ctest: its fixture starts the API}/url")
export URL API
json_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["runs"][0][sys.argv[2]])' "$1" "$2"; }
crash_at() { SLUICE_FAILPOINTS="sink.after_commit=crash@$2" "$SLUICE" -C p -q run "$1" >/dev/null 2>&1 || true; }
mkdir -p p/pipelines
echo "name: p" > p/sluice.yml

# ---- SQL (sqlite source): tables s and s2 share cursor values, s3 is older
sqlite3 p/src.db "CREATE TABLE s (id INTEGER PRIMARY KEY, at TIMESTAMP);
  CREATE TABLE s2 (id INTEGER PRIMARY KEY, at TIMESTAMP);
  CREATE TABLE s3 (id INTEGER PRIMARY KEY, at TIMESTAMP);
  WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 500)
  INSERT INTO s SELECT i, '2026-01-01T00:00:' || printf('%02d', i / 10) || 'Z' FROM g;
  INSERT INTO s2 SELECT id + 1000, at FROM s;
  INSERT INTO s3 SELECT id + 2000, '2025-01-01T00:00:00Z' FROM s"
sql() { # TABLE [CURSOR]
  echo "source: {type: sqlite, path: src.db, table: $1${2:+, cursor: $2, cursor_key: id}}
batch_rows: 100
sinks: [{type: sqlite, table: d}]" > p/pipelines/x.yml
}
ids() { q p/warehouse.db "SELECT count(*), count(DISTINCT id) FROM d WHERE id BETWEEN $1 AND $2"; }

# mid-run, with a cursor: the interrupted run's bookmark is s's
sql s at
crash_at x 3
assert_eq "sql: rows before the change" "$(ids 1 500)" "300|300"
sql s2 at
assert_exit 0 "$SLUICE" -C p --json run x
assert_contains "sql: mid-run change logged" "the interrupted run read another table, query, cursor" "$T/err"
assert_eq "sql: every row of the new table" "$(ids 1001 1500)" "500|500"
assert_eq "sql: rows read" "$(json_field "$T/out" rows_read)" 500
# across runs: the saved bookmark (end of s2) is not applied to s3
sql s3 at
assert_exit 0 "$SLUICE" -C p --json run x
assert_contains "sql: saved bookmark change logged" "the saved bookmark was taken with another" "$T/err"
assert_eq "sql: every row of s3" "$(ids 2001 2500)" "500|500"
# unchanged: the bookmark applies, nothing new
assert_exit 0 "$SLUICE" -C p --json run x
assert_eq "sql: unchanged rerun reads nothing" "$(json_field "$T/out" rows_read)" 0
if grep -q "another table" "$T/err"; then fail "sql: an unchanged query was taken for a changed one"; else ok; fi
# mid-run, without a cursor: positions are row numbers of the old table
rm -rf p/warehouse.db* p/.sluice
sql s
crash_at x 3
sql s2
assert_exit 0 "$SLUICE" -C p run x
assert_contains "sql, no cursor: change logged" "the interrupted run read another table" "$T/err"
assert_eq "sql, no cursor: every row of the new table" "$(ids 1001 1500)" "500|500"
assert_eq "sql, no cursor: the old rows committed" "$(ids 1 500)" "300|300"
# an unchanged query still resumes exactly
rm -rf p/warehouse.db* p/.sluice
sql s at
crash_at x 3
assert_exit 0 "$SLUICE" -C p run x
assert_contains "sql: unchanged resumes" "resuming" "$T/err"
assert_eq "sql: unchanged resume, each row once" "$(ids 1 500)" "500|500"

# ---- HTTP: params are part of the request ----------------------------------
curl -sf -X POST -H 'Content-Type: application/json' --data '{}' "$API/_reset" >/dev/null
http() { # N
  cat > p/pipelines/h.yml <<YML
source:
  type: http
  url: \${API}
  path: /page
  params: {n: "$1"}
  pagination: {type: page, size_param: per_page, size: 100}
  records_path: data
  cursor_field: updated_at
  cursor_param: updated_since
  concurrency: 1
batch_rows: 100
sinks: [{type: sqlite, table: h, mode: upsert, key: [id]}]
YML
}
hcount() { q p/warehouse.db "SELECT count(*) FROM h"; }
rm -rf p/warehouse.db* p/.sluice
http 500
crash_at h 3
assert_eq "http: records before the change" "$(hcount)" 300
http 400
assert_exit 0 "$SLUICE" -C p --json run h
assert_contains "http: mid-run change logged" "the interrupted run read another table, query, cursor or request" "$T/err"
assert_eq "http: the new request from its start" "$(json_field "$T/out" rows_read)" 400
# across runs: the saved cursor of n=400 is not sent with n=600
http 600
assert_exit 0 "$SLUICE" -C p --json run h
assert_contains "http: saved cursor change logged" "the saved cursor was taken with another" "$T/err"
assert_eq "http: every record of the new request" "$(json_field "$T/out" rows_read)" 600
assert_eq "http: table" "$(hcount)" 600
# unchanged: the cursor applies (the API returns the last second's 10 at or after it)
assert_exit 0 "$SLUICE" -C p --json run h
assert_eq "http: unchanged rerun reads the last second only" "$(json_field "$T/out" rows_read)" 1
# a different page size mid-run restarts the epoch's pages, not the saved cursor
rm -rf p/warehouse.db* p/.sluice
http 500
crash_at h 3
assert_eq "http: records before the page size change" "$(hcount)" 300
sed -i 's/size: 100/size: 50/' p/pipelines/h.yml
assert_exit 0 "$SLUICE" -C p --json run h
assert_eq "http: page size change reads all" "$(json_field "$T/out" rows_read)" 500
assert_eq "http: table after page size change" "$(hcount)" 500

# ---- a file replaced after an interrupted load into PostgreSQL -------------
psql -X -q "$URL" -c "DROP SCHEMA IF EXISTS t0024 CASCADE; CREATE SCHEMA t0024;" >/dev/null
mkdir -p p/data
python3 -c "
print('id,email')
for i in range(1, 101): print('%d,u%d@example.com' % (i, i))" > p/data/in.csv
echo "source: {type: csv, path: data/in.csv, columns: {id: int}}
batch_rows: 10
sinks: [{type: postgres, url: \"\${URL}\", schema: t0024, table: c}]" > p/pipelines/f.yml
rm -rf p/.sluice
crash_at f 3
python3 -c "
print('id,email')
for i in range(1001, 1101): print('%d,u%d@example.com' % (i, i))" > p/data/new
mv p/data/new p/data/in.csv
assert_exit 0 "$SLUICE" -C p run f
assert_contains "pg: file change logged" "changed since the interrupted run" "$T/err"
assert_eq "pg: old rows committed stay, new rows all once" \
  "$(psql -X -At "$URL" -c "SELECT count(*), count(DISTINCT id), sum((id > 1000)::int) FROM t0024.c")" "130|130|100"
psql -X -q "$URL" -c "DROP SCHEMA t0024 CASCADE" >/dev/null

# ---- the same with the state store on PostgreSQL (its own database, so
# no other test's state schema is touched): case 30 and a query change ----
psql -X -q "$URL" -c "DROP DATABASE IF EXISTS t0024_state" >/dev/null 2>&1
psql -X -q "$URL" -c "CREATE DATABASE t0024_state" >/dev/null
SURL=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/t0024_state")))' "$URL")
export SURL
mkdir -p s/pipelines s/data
printf 'name: s\nstate: {type: postgres, url: "${SURL}"}\n' > s/sluice.yml
echo "source: {type: csv, path: data/*.csv, incremental: new_files, columns: {score: int}}
sinks: [{type: sqlite, table: t, mode: upsert, key: [id]}]
max_rejected: 0" > s/pipelines/p.yml
printf 'id,email,score\n1,a@example.com,10\n2,b@example.com,oops\n3,c@example.com,30\n' > s/data/export.csv
assert_exit 1 "$SLUICE" -C s run p
printf 'id,email,score\n1,a@example.com,10\n2,b@example.com,20\n3,c@example.com,30\n4,d@example.com,40\n' > s/data/export.csv
assert_exit 0 "$SLUICE" -C s run p
assert_contains "pg state: the change is logged" "changed since the interrupted run read it" "$T/err"
assert_exit 0 "$SLUICE" -C s --json run p
assert_eq "pg state: the next run reads nothing" "$(json_field "$T/out" rows_read)" 0
assert_eq "pg state: table" "$(q s/warehouse.db 'SELECT group_concat(id || ":" || score, " ") FROM (SELECT * FROM t ORDER BY id)')" \
  "1:10 2:20 3:30 4:40"
cp p/src.db s/src.db
echo "source: {type: sqlite, path: src.db, table: s, cursor: at, cursor_key: id}
sinks: [{type: sqlite, table: d}]" > s/pipelines/x.yml
assert_exit 0 "$SLUICE" -C s run x
sed -i 's/table: s,/table: s3,/' s/pipelines/x.yml
assert_exit 0 "$SLUICE" -C s --json run x
assert_contains "pg state: saved bookmark change logged" "the saved bookmark was taken with another" "$T/err"
assert_eq "pg state: every row of s3" "$(json_field "$T/out" rows_read)" 500
psql -X -q "$URL" -c "DROP DATABASE t0024_state" >/dev/null 2>&1 || true
finish
