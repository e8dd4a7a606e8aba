# t0086: write-audit-publish of table and incremental models (SQLite): the
# error-severity checks of a model run on the staged data inside the build's
# transaction; when one fails, a reader polling the tables during the build
# (sqlite3 in a background loop) never sees the staged rows, the old rows
# stay, the model's status is error with the check's message, what reads it
# is skipped, and the result is kept; warn checks never block; once the
# data is fixed the same build publishes.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/models p/seeds
echo "name: p" > p/sluice.yml
printf 'id,email\n1,a@x.io\n2,b@x.io\n3,c@x.io\n' > p/seeds/src.csv
cat > p/models/t.sql <<'SQL'
{{ config(materialized='table') }}
select id, email from {{ ref('src') }}
SQL
cat > p/models/inc.sql <<'SQL'
{{ config(materialized='incremental', unique_key='id') }}
select id, email from {{ ref('src') }}
{% if is_incremental() %} where id > (select max(id) from {{ this }}) {% endif %}
SQL
cat > p/models/t_down.sql <<'SQL'
{{ config(materialized='table') }}
select count(*) as n from {{ ref('t') }}
SQL
cat > p/models/props.yml <<'YML'
version: 2
models:
  - name: t
    checks:
      - not_null: {column: email}
      - row_count: {max: 4, severity: warn}
  - name: inc
    columns:
      - name: email
        tests:
          - format: {format: email}
YML
assert_exit 0 "$SLUICE" -C p build
W=p/warehouse.db
assert_eq "first build t" "$(q $W "select count(*) || ' ' || max(id) from t")" "3 3"
assert_eq "first build inc" "$(q $W "select count(*) || ' ' || max(id) from inc")" "3 3"

# new rows that break the checks: a NULL email (t) and a bad one (inc)
printf '4,\n5,not-an-email\n' >> p/seeds/src.csv
rm -f "$T/done" "$T/reads"
( while [ ! -f "$T/done" ]; do
    q $W "select 't', count(*), max(id) from t; select 'inc', count(*), max(id) from inc" >> "$T/reads" 2>/dev/null || true
  done ) &
READER=$!
wait_for 20 test -s "$T/reads" || fail "the reader did not start" # it reads before the build, whatever the load
# build.audit sleeps 300 ms with the staged data written and not published
SLUICE_FAILPOINTS=build.audit=sleep300 "$SLUICE" -C p build > "$T/build.out" 2>&1 && rc=0 || rc=$?
touch "$T/done"
wait $READER
assert_eq "build fails" "$rc" "1"
assert_contains "t error" "model t: check not_null_email failed before publish: not_null: 1 failing row" "$T/build.out"
assert_contains "inc error" "model inc: check format_email_email failed before publish: format: 1 failing row" "$T/build.out"
assert_contains "downstream skipped" "skipped: upstream model.p.t failed" "$T/build.out"
n=$(wc -l < "$T/reads")
if [ "$n" -gt 0 ]; then ok; else fail "the reader read nothing"; fi
# every read saw the old rows only
assert_eq "reader saw only old rows" "$(grep -v -x -e 't|3|3' -e 'inc|3|3' "$T/reads" | head -3)" ""
assert_eq "t kept" "$(q $W "select count(*) || ' ' || max(id) from t")" "3 3"
assert_eq "inc kept" "$(q $W "select count(*) || ' ' || max(id) from inc")" "3 3"
assert_eq "no work table left" "$(q $W "select count(*) from sqlite_master where name like '%sluice_tmp%'")" "0"
assert_eq "failing audit result stored" \
  "$(q p/.sluice/state.db "select status || ' ' || failures || ' ' || json_extract(sample, '\$[0].id') from check_results where node = 'model.p.t' and check_name = 'not_null_email' order by seq desc limit 1")" "fail 1 4"
assert_eq "model result error" \
  "$(q p/.sluice/state.db "select status from node_results where unique_id = 'model.p.inc' order by rowid desc limit 1")" "error"

# fixed data: published; the warn check (row_count <= 4) warns and does not block
printf 'id,email\n1,a@x.io\n2,b@x.io\n3,c@x.io\n4,d@x.io\n5,e@x.io\n' > p/seeds/src.csv
assert_exit 0 "$SLUICE" -C p build
assert_contains "warn check" "WARN t_row_count" "$T/out"
assert_eq "t published" "$(q $W "select count(*) || ' ' || max(id) from t")" "5 5"
assert_eq "inc merged" "$(q $W "select count(*) || ' ' || max(id) from inc")" "5 5"
assert_eq "downstream built" "$(q $W "select n from t_down")" "5"
finish
