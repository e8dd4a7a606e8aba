# t0085: model checks on PostgreSQL (the core of t0084 and t0086 on the
# real server; every kind on PostgreSQL is covered by h1's
# pipeline/test_checks_sql_pg): properties checks: and sluice-kind column
# tests through `sluice build` / `sluice check` against a schema of the
# target, a monitors/NAME.yml table in another schema, results and
# profiles stored; write-audit-publish of a table and an incremental model
# inside the build's transaction: a failing error check keeps the old rows
# (no work table left), skips what reads the model; fixed data publishes.
. "$SRC/tests/cli/lib.sh"
URL=$(cat "${SLUICE_TEST_PGDIR:?run through ctest: its fixture starts PostgreSQL}/url")
export URL
pg() { psql -X -q -At "$URL" -c "$1"; }
pg "DROP SCHEMA IF EXISTS t85 CASCADE; DROP SCHEMA IF EXISTS t85_crm CASCADE"
pg "CREATE SCHEMA t85_crm; CREATE TABLE t85_crm.accounts (id int, name text, plan text);
    INSERT INTO t85_crm.accounts VALUES (1, 'acme', 'pro'), (2, 'globex', 'free'), (3, NULL, 'enterprise')"
mkdir -p p/models p/seeds p/monitors
cat > p/sluice.yml <<'YML'
name: p
warehouse: {type: postgres, url: "${URL}", schema: t85}
YML
printf 'id,email,phone,amount,account_id\n1,a@x.io,+14155550101,10,1\n2,b@x.io,+33155550102,20,2\n3,c@x.io,555,-5,9\n' > p/seeds/src.csv
cat > p/models/t.sql <<'SQL'
{{ config(materialized='table') }}
select id, email, phone, amount, account_id from {{ ref('src') }}
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
      - regex: {column: phone, pattern: '^\+[0-9]{11}$', severity: warn}
      - range: {column: amount, min: 0, severity: warn}
      - relationships: {column: account_id, to: t85_crm.accounts, field: id, severity: warn}
      - equal_aggregates: {expression: "count(*)", compare_to: inc}
      - row_count: {min: 1}
      - schema: {columns: {id: integer, email: text}}
    columns:
      - name: id
        tests: [unique]
  - name: inc
    columns:
      - name: email
        tests:
          - format: {format: email}
YML
cat > p/monitors/crm.yml <<'YML'
monitors:
  - table: t85_crm.accounts
    checks:
      - null_rate: {column: name, max: 0.1}
      - accepted_values: {column: plan, values: [free, pro], severity: warn}
YML

assert_exit 0 "$SLUICE" -C p build --json
python3 - "$T/out" <<'PY' && ok || fail "build --json statuses"
import json, sys
d = json.load(open(sys.argv[1]))
res = {r["unique_id"]: r["status"] for r in d["results"]}
want = {"test.p.t_not_null_email": "pass", "test.p.t_regex_phone": "warn", "test.p.t_range_amount": "warn",
        "test.p.t_relationships_account_id": "warn", "test.p.t_equal_aggregates": "pass",
        "test.p.t_row_count": "pass", "test.p.t_schema": "pass", "test.p.unique_t_id": "pass",
        "test.p.format_inc_email__email": "pass", "model.p.t": "success", "model.p.inc": "success"}
got = {k: res.get(k) for k in want}
assert got == want, {k: (got[k], want[k]) for k in want if got[k] != want[k]}
PY
STATE=p/.sluice/state.db
assert_eq "results stored" "$(q $STATE "select count(*) from check_results")" "9"
assert_eq "profile of t" "$(q $STATE "select row_count || ' ' || min_value || ' ' || max_value from profiles where node = 'model.p.t' and column_name = 'amount'")" "3 -5.0 20.0"

# sluice check: the monitored table in another schema fails null_rate (1 of 3) -> exit 1
assert_exit 1 "$SLUICE" -C p check t85_crm.accounts
assert_contains "table check" "FAIL  table.p.t85_crm.accounts null_rate_name: observed 0.333333, expected <= 0.1" "$T/out"
assert_contains "warn check" "WARN  table.p.t85_crm.accounts accepted_values_plan: observed 1" "$T/out"
assert_eq "monitored table profiled" "$(q $STATE "select row_count from profiles where node = 'table.p.t85_crm.accounts' and column_name = 'plan'")" "3"
assert_exit 0 "$SLUICE" -C p check t
assert_contains "model checks" "PASS=4 WARN=3 FAIL=0 ERROR=0 TOTAL=7" "$T/out"

# write-audit-publish: a NULL email (t) and a bad one (inc) are staged, checked, rolled back
printf '4,,+14155550104,1,1\n5,not-an-email,+14155550105,1,1\n' >> p/seeds/src.csv
assert_exit 1 "$SLUICE" -C p build
assert_contains "t error" "model t: check not_null_email failed before publish: not_null: 1 failing row" "$T/out"
assert_contains "inc error" "model inc: check format_email_email failed before publish: format: 1 failing row" "$T/out"
assert_contains "downstream skipped" "skipped: upstream model.p.t failed" "$T/out"
assert_eq "t kept" "$(pg "select count(*) || ' ' || max(id) from t85.t")" "3 3"
assert_eq "inc kept" "$(pg "select count(*) || ' ' || max(id) from t85.inc")" "3 3"
assert_eq "no work table" "$(pg "select count(*) from pg_tables where schemaname = 't85' and tablename like '%sluice_tmp%'")" "0"
printf 'id,email,phone,amount,account_id\n1,a@x.io,+14155550101,10,1\n2,b@x.io,+33155550102,20,2\n3,c@x.io,555,-5,9\n4,d@x.io,+1,1,1\n5,e@x.io,+1,1,1\n' > p/seeds/src.csv
assert_exit 0 "$SLUICE" -C p build
assert_eq "t published" "$(pg "select count(*) || ' ' || max(id) from t85.t")" "5 5"
assert_eq "inc merged" "$(pg "select count(*) || ' ' || max(id) from t85.inc")" "5 5"
assert_eq "downstream built" "$(pg "select n from t85.t_down")" "5"
pg "DROP SCHEMA IF EXISTS t85 CASCADE; DROP SCHEMA IF EXISTS t85_crm CASCADE"
finish
