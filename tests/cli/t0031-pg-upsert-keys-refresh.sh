#!/bin/sh
# t0031: keyed loads and full refreshes into both warehouses (SQLite and
# PostgreSQL), the same input through both sinks of one pipeline:
#   - upsert rows whose key is NULL go to the DLQ, and a rerun leaves the
#     table as it was (2026-11 regression, case 16-upsert-null-keys: SQLite
#     inserted them again every run, PostgreSQL collapsed them into one
#     and lost the other);
#   - only_if_newer: an older export loaded after a newer one keeps the
#     newer rows, and the rows not applied are counted (rows_stale);
#   - full_refresh keeps the views, grants, triggers and indexes users add
#     to the table (PostgreSQL failed on a dependent view and dropped the
#     grants; SQLite dropped triggers and indexes).
. "$SRC/tests/cli/lib.sh"
URL=$(cat "${SLUICE_TEST_PGDIR:?run through ctest: its fixture starts PostgreSQL}/url")
export URL
pg() { psql -X -q -At "$URL" -c "$1"; }
pg "DROP SCHEMA IF EXISTS t31 CASCADE; DROP ROLE IF EXISTS t31_reader; CREATE ROLE t31_reader"
mkdir -p p/pipelines
echo "name: p" > p/sluice.yml
# json: run's counts; field NAME of the last --json run
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["runs"][0][sys.argv[2]])' "$T/out" "$1"; }
balanced() {
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]
sys.exit(r["rows_read"] != r["rows_loaded"] + r["rows_filtered"] + r["rows_rejected"])' "$T/out" \
    && ok || fail "$1: rows_read != rows_loaded + rows_filtered + rows_rejected: $(cat "$T/out")"
}

# ---- NULL keys ---------------------------------------------------------
cat > p/pipelines/keys.yml <<'YML'
source: {type: csv, path: keys.csv}
sinks:
  - {type: postgres, url: "${URL}", schema: t31, table: ad_stats, mode: upsert, key: [id]}
  - {type: sqlite, path: pairs.db, table: pairs, mode: upsert, key: [id, campaign]}
YML
cat > p/pipelines/keys_sqlite.yml <<'YML'
source: {type: csv, path: keys.csv}
sinks: [{type: sqlite, table: ad_stats, mode: upsert, key: [id]}]
YML
printf 'id,campaign,clicks\n1,spring,10\n2,summer,20\n,unattributed-A,99\n,unattributed-B,98\n' > p/keys.csv
for run in 1 2; do
  for pl in keys keys_sqlite; do
    assert_exit 0 "$SLUICE" -C p --json run $pl
    assert_eq "null keys $pl run $run: loaded" "$(field rows_loaded)" 2
    assert_eq "null keys $pl run $run: rejected" "$(field rows_rejected)" 2
    balanced "null keys $pl run $run"
  done
  assert_eq "null keys run $run: sqlite table" "$(q p/warehouse.db 'select id, campaign, clicks from ad_stats order by id' | tr '\n' ' ')" \
    "1|spring|10 2|summer|20 "
  assert_eq "null keys run $run: postgres table" "$(pg 'select id, campaign, clicks from t31.ad_stats order by id' | tr '\n' ' ')" \
    "1|spring|10 2|summer|20 "
  assert_eq "null keys run $run: a NULL part of a composite key" "$(q p/pairs.db 'select count(*), count(id) from pairs')" "2|2"
done
# one entry per row however often runs meet it (the DLQ keeps a rejected
# row once), from the first sink that refused it
for pl in keys keys_sqlite; do
  "$SLUICE" -C p --json dlq list --pipeline $pl > "$T/dlq"
  assert_eq "null keys $pl: DLQ" "$(python3 -c '
import json,sys
rows = json.load(open(sys.argv[1]))["rejected"]
print(len(rows), sorted(set((r["stage"], r["reason"], json.loads(r["raw"])["campaign"]) for r in rows)))' "$T/dlq")" \
    "2 [('$(test $pl = keys && echo postgres || echo sqlite)', 'key column id is NULL: a row without a key cannot be matched', 'unattributed-A'), ('$(test $pl = keys && echo postgres || echo sqlite)', 'key column id is NULL: a row without a key cannot be matched', 'unattributed-B')]"
done

# ---- only_if_newer -----------------------------------------------------
cat > p/pipelines/newer.yml <<'YML'
source: {type: csv, path: newer.csv, columns: {updated_at: date}}
sinks:
  - {type: sqlite, table: accounts, mode: upsert, key: [id], only_if_newer: updated_at}
  - {type: postgres, url: "${URL}", schema: t31, table: accounts, mode: upsert, key: [id], only_if_newer: updated_at}
YML
# the newer export first
printf 'id,updated_at,v\n1,2026-01-02,new1\n2,2026-01-02,new2\n3,,undated\n' > p/newer.csv
assert_exit 0 "$SLUICE" -C p --json run newer
assert_eq "newer export: stale" "$(field rows_stale)" 0
# then an older one: 1 older (stale), 2 newer (applied) then older again in
# the same file (stale), 3 dated where the table has NULL (applied), 4 new
# without a date (inserted), 1 again with an equal date (stale)
printf 'id,updated_at,v\n1,2026-01-01,old1\n2,2026-01-03,newer2\n2,2026-01-02,mid2\n3,2026-01-01,dated3\n4,,new4\n1,2026-01-02,same1\n' > p/newer.csv
assert_exit 0 "$SLUICE" -C p --json run newer
assert_eq "older export: loaded" "$(field rows_loaded)" 6
assert_eq "older export: stale, 3 per sink" "$(field rows_stale)" 6
balanced "older export"
want="1|2026-01-02|new1 2|2026-01-03|newer2 3|2026-01-01|dated3 4||new4 "
assert_eq "older export: sqlite keeps the newer rows" "$(q p/warehouse.db 'select * from accounts order by id' | tr '\n' ' ')" "$want"
assert_eq "older export: postgres keeps the newer rows" "$(pg 'select * from t31.accounts order by id' | tr '\n' ' ')" "$want"
assert_exit 0 "$SLUICE" -C p --json run newer
assert_eq "the same export again: every row stale on both sinks" "$(field rows_stale)" 12
assert_exit 0 "$SLUICE" -C p run newer
assert_contains "stale rows: sqlite sink's line" "sqlite: 6 rows not applied: table accounts holds a row of their key with an equal or greater updated_at" "$T/err"
assert_contains "stale rows: the run's line" "12 row writes not applied" "$T/err"
# the same when the table refuses a row: SQLite loads row by row,
# PostgreSQL isolates the bad row in chunks; the counts stay exact
q p/warehouse.db "CREATE TABLE acc2 (id INTEGER, updated_at DATE TEXT, v TEXT CHECK (v <> 'bad'))"
pg "CREATE TABLE t31.acc2 (id bigint, updated_at date, v text CHECK (v <> 'bad'))"
cat > p/pipelines/refused.yml <<'YML'
source: {type: csv, path: refused.csv, columns: {updated_at: date}}
sinks:
  - {type: postgres, url: "${URL}", schema: t31, table: acc2, mode: upsert, key: [id], only_if_newer: updated_at}
  - {type: sqlite, table: acc2, mode: upsert, key: [id], only_if_newer: updated_at}
YML
printf 'id,updated_at,v\n1,2026-01-02,new1\n2,2026-01-02,new2\n' > p/refused.csv
assert_exit 0 "$SLUICE" -C p --json run refused
printf 'id,updated_at,v\n1,2026-01-01,old1\n5,2026-01-01,bad\n2,2026-01-03,newer2\n,2026-01-09,nokey\n2,2026-01-02,mid2\n' > p/refused.csv
assert_exit 0 "$SLUICE" -C p --json run refused
balanced "refused rows"
assert_eq "refused rows: loaded/rejected/stale" "$(field rows_loaded)/$(field rows_rejected)/$(field rows_stale)" "3/2/4"
assert_eq "refused rows: sqlite" "$(q p/warehouse.db 'select * from acc2 order by id' | tr '\n' ' ')" "1|2026-01-02|new1 2|2026-01-03|newer2 "
assert_eq "refused rows: postgres" "$(pg 'select * from t31.acc2 order by id' | tr '\n' ' ')" "1|2026-01-02|new1 2|2026-01-03|newer2 "
cat > p/pipelines/bad.yml <<'YML'
source: {type: csv, path: newer.csv}
sinks:
  - {type: sqlite, table: a, mode: append, only_if_newer: updated_at}
  - {type: postgres, url: "${URL}", table: a, mode: upsert, key: [id], only_if_newer: id}
YML
assert_exit 2 "$SLUICE" -C p validate
assert_contains "only_if_newer needs upsert" "bad.yml:3:" "$T/err"
assert_contains "only_if_newer needs upsert (message)" "only_if_newer needs mode: upsert" "$T/err"
assert_contains "only_if_newer is not a key" "only_if_newer names key column id" "$T/err"
rm p/pipelines/bad.yml

# ---- full_refresh keeps what users add ---------------------------------
cat > p/pipelines/refresh.yml <<'YML'
source: {type: csv, path: refresh.csv}
sinks:
  - {type: sqlite, table: items, mode: full_refresh}
  - {type: postgres, url: "${URL}", schema: t31, table: items, mode: full_refresh}
YML
printf 'id,v\n1,a\n2,b\n' > p/refresh.csv
assert_exit 0 "$SLUICE" -C p run refresh
pg "CREATE VIEW t31.items_v AS SELECT id, v FROM t31.items WHERE id > 1; GRANT SELECT ON t31.items TO t31_reader;
    CREATE INDEX items_by_v ON t31.items (v); COMMENT ON TABLE t31.items IS 'kept'"
q p/warehouse.db "CREATE VIEW items_v AS SELECT id, v FROM items WHERE id > 1; CREATE INDEX items_by_v ON items (v);
  CREATE TABLE items_log (id); CREATE TRIGGER items_tr AFTER INSERT ON items BEGIN INSERT INTO items_log VALUES (new.id); END;"
printf 'id,v,extra\n1,a2,x\n2,b2,y\n3,c2,z\n' > p/refresh.csv
assert_exit 0 "$SLUICE" -C p --json run refresh
assert_eq "refresh over a view: success" "$(field status)" success
assert_eq "postgres: the view sees the new rows" "$(pg 'SELECT * FROM t31.items_v ORDER BY id' | tr '\n' ' ')" "2|b2 3|c2 "
assert_eq "postgres: the grant stays" "$(pg "SELECT has_table_privilege('t31_reader', 't31.items', 'SELECT')")" t
assert_eq "postgres: the index and comment stay" \
  "$(pg "SELECT count(*) FROM pg_indexes WHERE indexname = 'items_by_v'")|$(pg "SELECT obj_description('t31.items'::regclass)")" "1|kept"
assert_eq "postgres: new column, no staging left" \
  "$(pg "SELECT string_agg(extra, ',' ORDER BY id) FROM t31.items")|$(pg "SELECT count(*) FROM pg_tables WHERE schemaname = 't31' AND tablename LIKE '%staging%'")" "x,y,z|0"
assert_eq "sqlite: the view sees the new rows" "$(q p/warehouse.db 'SELECT * FROM items_v ORDER BY id' | tr '\n' ' ')" "2|b2 3|c2 "
assert_eq "sqlite: the index and trigger stay (the trigger saw the refill)" \
  "$(q p/warehouse.db "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE name IN ('items_by_v', 'items_tr') ORDER BY name)")|$(q p/warehouse.db 'SELECT count(*) FROM items_log')" \
  "items_by_v,items_tr|3"
assert_eq "sqlite: new column, no staging left" \
  "$(q p/warehouse.db "SELECT group_concat(extra) FROM items")|$(q p/warehouse.db "SELECT count(*) FROM sqlite_master WHERE name LIKE '%staging%'")" "x,y,z|0"
# a refresh whose rows lack a column: the column stays, NULL
printf 'id,v\n9,z\n' > p/refresh.csv
assert_exit 0 "$SLUICE" -C p run refresh
assert_eq "postgres: replaced" "$(pg 'SELECT id, v, extra IS NULL FROM t31.items')" "9|z|t"
assert_eq "sqlite: replaced" "$(q p/warehouse.db 'SELECT id, v, extra IS NULL FROM items')" "9|z|1"
# a refresh the table refuses changes nothing, and the error names the step
pg "ALTER TABLE t31.items ADD CONSTRAINT short_v CHECK (length(v) < 3)"
printf 'id,v\n10,too long\n11,ok\n' > p/refresh.csv
assert_exit 0 "$SLUICE" -C p --json run refresh
assert_eq "postgres: the CHECK is staged too: the bad row is rejected, the rest loaded" \
  "$(field rows_rejected)|$(pg "SELECT string_agg(id::text, ',' ORDER BY id) FROM t31.items")" "1|11"
assert_eq "sqlite: the table holds both (no CHECK there)" "$(q p/warehouse.db 'SELECT count(*) FROM items')" 2
finish
