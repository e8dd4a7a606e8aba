# t0084: data-quality checks on models and any warehouse table (SQLite):
# every check kind written in a model's properties file (checks:), sluice
# kinds under a column's tests: (dbt's four generic tests stay dbt macros,
# a project's {% test %} macro of a sluice kind's name wins), a
# monitors/NAME.yml table that sluice does not build; `sluice build`,
# `sluice test -s` and `sluice check [NAME]` run them, store every result
# (dbt tests too) under the invocation's run id, profile built tables and
# monitored tables; exit codes (1: an error check fails, 2: usage/config);
# config errors name file:line:col; an unknown test suggests sluice's kinds.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/models p/seeds p/monitors p/tests/generic
echo "name: p" > p/sluice.yml
cat > p/seeds/contacts.csv <<'CSV'
id,email,phone,stage,amount,country,account_id,updated_at
1,a@x.io,+14155550101,lead,10,US,10,2000-01-01 00:00:00
2,b@x.io,+33155550102,customer,20,FR,10,2000-01-02 00:00:00
3,,+49155550103,lead,30,DE,11,2000-01-03 00:00:00
4,bad-email,555,churned,-5,XX,99,2000-01-04 00:00:00
5,e@x.io,+14155550105,lead,44,US,11,2000-01-05 00:00:00
CSV
printf 'account_id,name,total\n10,acme,30\n11,globex,74\n' > p/seeds/accounts.csv
cat > p/models/stg_contacts.sql <<'SQL'
{{ config(materialized='table') }}
select * from {{ ref('contacts') }}
SQL
cat > p/models/accounts_t.sql <<'SQL'
{{ config(materialized='table') }}
select * from {{ ref('accounts') }}
SQL
cat > p/models/by_stage.sql <<'SQL'
select stage, count(*) as n from {{ ref('stg_contacts') }} group by stage
SQL
cat > p/models/by_stage_p.sql <<'SQL'
{{ config(profile=true) }}
select stage, count(*) as n from {{ ref('stg_contacts') }} group by stage
SQL
# the project's own `length` test: the column test below runs it, not sluice's kind
cat > p/tests/generic/odd.sql <<'SQL'
{% test length(model, column_name) %}
select * from {{ model }} where {{ column_name }} % 2 = 1
{% endtest %}
SQL
cat > p/models/schema.yml <<'YML'
version: 2
models:
  - name: stg_contacts
    checks:
      - not_null: {column: id}
      - null_rate: {column: email, max: 0.25}
      - required_columns: {columns: [id, email, stage]}
      - unique: {column: account_id, severity: warn}
      - duplicate_rate: {column: account_id, max: 0.6}
      - accepted_values: {column: stage, values: [lead, customer, churned]}
      - regex: {column: phone, pattern: '^\+[0-9]{11}$', severity: warn}
      - range: {column: amount, min: 0, severity: warn}
      - format: {column: country, format: iso_country, severity: warn}
      - relationships: {column: account_id, to: accounts_t, field: account_id, severity: warn}
      - expression: {expression: "amount < 100"}
      - equal_aggregates: {expression: "sum(case when account_id in (10, 11) then amount else 0 end)", compare_to: accounts_t, compare_expression: "sum(total)"}
      - row_count_match: {compare_to: contacts}
      - row_count: {min: 1, max: 10}
      - row_count_change: {max: 0.2, severity: warn}
      - freshness: {column: updated_at, warn_after: 1d, severity: warn}
      - schema: {columns: {id: integer, email: text}}
      - sql: {sql: "select * from stg_contacts where stage = 'nope'"}
    columns:
      - name: id
        tests: [unique, not_null]
      - name: email
        tests:
          - format: {format: email, severity: warn}
      - name: amount
        tests: [length]
  - name: accounts_t
    monitors: false
YML
# a pipeline: `sluice check` runs its checks that read the warehouse (relationships), not the in-stream ones
mkdir -p p/pipelines p/data
printf 'lead,account_id\nx,10\ny,77\n' > p/data/leads.csv
cat > p/pipelines/leads.yml <<'YML'
source: {type: csv, path: data/leads.csv}
sinks:
  - {type: sqlite, table: leads, mode: full_refresh}
checks:
  - not_null: {column: lead}
  - relationships: {column: account_id, to: accounts_t, field: account_id, severity: warn}
YML
cat > p/monitors/crm.yml <<'YML'
monitors:
  - table: main.contacts
    description: the CRM's contacts, as loaded
    checks:
      - row_count: {min: 2}
      - length: {column: stage, max: 5, name: stage_short}
YML

# 1. build: every check runs as a test node of stg_contacts; warns only -> exit 0
assert_exit 0 "$SLUICE" -C p build --json
cp "$T/out" "$T/build.json"
python3 - "$T/build.json" <<'PY' && ok || fail "build --json statuses"
import json, sys
d = json.load(open(sys.argv[1]))
res = {r["unique_id"]: r for r in d["results"]}
st = lambda n: res["test.p." + n]["status"]
want = {"stg_contacts_not_null_id": "pass", "stg_contacts_null_rate_email": "pass",
        "stg_contacts_required_columns_id_email_stage": "pass", "stg_contacts_unique_account_id": "warn",
        "stg_contacts_duplicate_rate_account_id": "pass", "stg_contacts_accepted_values_stage": "pass",
        "stg_contacts_regex_phone": "warn", "stg_contacts_range_amount": "warn",
        "stg_contacts_format_country_iso_country": "warn", "stg_contacts_relationships_account_id": "warn",
        "stg_contacts_expression": "pass", "stg_contacts_equal_aggregates": "pass",
        "stg_contacts_row_count_match": "pass", "stg_contacts_row_count": "pass",
        "stg_contacts_row_count_change": "pass", "stg_contacts_freshness_updated_at": "warn",
        "stg_contacts_schema": "pass", "stg_contacts_sql": "pass",
        "unique_stg_contacts_id": "pass", "not_null_stg_contacts_id": "pass",
        "format_stg_contacts_email__email": "warn", "length_stg_contacts_amount": "pass"}
got = {k: st(k) for k in want}
assert got == want, {k: (got[k], want[k]) for k in want if got[k] != want[k]}
# the failing rows of a check are in the sample, as for dbt tests
r = res["test.p.stg_contacts_range_amount"]
assert r["failures"] == 1 and r["failing_rows_sample"][0]["id"] in (4, "4"), r
assert res["model.p.by_stage"]["status"] == "success"
print(d["metadata"]["invocation_id"], file=open(sys.argv[1] + ".id", "w"))
PY
INV=$(cat "$T/build.json.id")
STATE=p/.sluice/state.db
# every test and check of the build is kept under the invocation, dbt tests too
assert_eq "stored results" "$(q $STATE "select count(*) from check_results where run_id = '$INV'")" "22"
assert_eq "dbt test stored as a check" "$(q $STATE "select node || ' ' || kind || ' ' || status from check_results where run_id = '$INV' and check_name = 'unique_stg_contacts_id'")" "model.p.stg_contacts unique pass"
assert_eq "check stored" "$(q $STATE "select status || ' ' || observed || ' ' || failures from check_results where run_id = '$INV' and check_name = 'range_amount'")" "warn 1.0 1"
assert_eq "sample stored" "$(q $STATE "select json_extract(sample, '\$[0].email') from check_results where run_id = '$INV' and check_name = 'range_amount'")" "bad-email"
# built tables and seeds are profiled (views are not)
assert_eq "profile of the table" "$(q $STATE "select row_count || ' ' || null_count from profiles where run_id = '$INV' and node = 'model.p.stg_contacts' and column_name = 'email'")" "5 1"
assert_eq "no profile of a view" "$(q $STATE "select count(*) from profiles where node = 'model.p.by_stage'")" "0"
# monitors are fed after each built table (volume = rows in it); monitors: false turns them off
assert_eq "volume point of the model" "$(q $STATE "select value from monitor_points where node = 'model.p.stg_contacts' and metric = 'volume' and run_id = '$INV'")" "5.0"
assert_eq "monitors: false" "$(q $STATE "select count(*) from monitor_points where node = 'model.p.accounts_t'")" "0"
assert_eq "profile: true profiles a view" "$(q $STATE "select row_count from profiles where node = 'model.p.by_stage_p' and column_name = 'n'")" "3"

# 2. sluice test -s stg_contacts: the checks run with dbt's tests; nothing is built
assert_exit 0 "$SLUICE" -C p test -s stg_contacts
assert_contains "check line" "WARN 1 stg_contacts_regex_phone" "$T/out"
assert_contains "dbt test line" "PASS unique_stg_contacts_id" "$T/out"
assert_contains "summary" "PASS=15 WARN=7 ERROR=0 SKIP=0 TOTAL=22" "$T/out"

# 3. sluice check: every check of the project, the monitored table's too; stage_short fails -> exit 1
assert_exit 1 "$SLUICE" -C p check
assert_contains "monitored table fails" "FAIL  table.p.main.contacts stage_short: observed 2, expected <= 5 characters" "$T/out"
assert_contains "failing rows" "failing rows: [{" "$T/out"
assert_contains "model check" "PASS  model.p.stg_contacts null_rate_email: observed 0.2, expected <= 0.25" "$T/out"
assert_contains "summary" "PASS=13 WARN=8 FAIL=1 ERROR=0 TOTAL=22" "$T/out"
assert_exit 1 "$SLUICE" -C p check --json
python3 - "$T/out" <<'PY' && ok || fail "check --json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["status"] == "fail" and d["fail"] == 1 and d["pass"] == 13, {k: d[k] for k in d if k != "checks"}
c = {(x["node"], x["check"]): x for x in d["checks"]}
x = c[("table.p.main.contacts", "stage_short")]
assert x["status"] == "fail" and x["observed"] == 2 and x["kind"] == "length" and len(x["sample"]) == 2, x
x = c[("model.p.stg_contacts", "equal_aggregates")]
assert x["status"] == "pass" and x["observed"] == 0, x
assert ("model.p.stg_contacts", "unique_stg_contacts_id") not in c  # dbt tests are `sluice test`'s
print(d["run_id"], file=open(sys.argv[1] + ".id", "w"))
PY
RUN=$(cat "$T/out.id")
assert_eq "check run stored" "$(q $STATE "select count(*) from check_results where run_id = '$RUN'")" "22"
assert_eq "monitored table profiled" "$(q $STATE "select row_count from profiles where run_id = '$RUN' and node = 'table.p.main.contacts' and column_name = 'stage'")" "5"
# names pick what to check: the model alone has only warnings -> 0
assert_exit 0 "$SLUICE" -C p check stg_contacts
assert_contains "only the model" "Done. PASS=12 WARN=7 FAIL=0 ERROR=0 TOTAL=19" "$T/out"
assert_exit 1 "$SLUICE" -C p check main.contacts
assert_contains "only the table" "TOTAL=2 " "$T/out"
assert_exit 0 "$SLUICE" -C p check -s stg_contacts_row_count
assert_contains "one check by selection" "TOTAL=1 " "$T/out"
assert_exit 0 "$SLUICE" -C p check leads
assert_contains "pipeline's warehouse check on its table" "WARN  pipeline.p.leads relationships_account_id: observed 1" "$T/out"
assert_contains "in-stream checks are the run's" "TOTAL=1 " "$T/out"
assert_exit 2 "$SLUICE" -C p check nosuch
assert_contains "unknown name" "nothing called 'nosuch'" "$T/err"

# 4. write-audit-publish: an error check failing on the new data keeps the old table, skips downstream
echo "6,,+14155550106,lead,1,US,12,2000-01-06 00:00:00" >> p/seeds/contacts.csv
echo "7,,+14155550107,lead,1,US,13,2000-01-07 00:00:00" >> p/seeds/contacts.csv
assert_exit 1 "$SLUICE" -C p build
assert_contains "model error names the check" "model stg_contacts: check null_rate_email failed before publish: null_rate 0.428571, expected <= 0.25 (3 of 7 rows) (the previous data stays)" "$T/out"
assert_contains "downstream skipped" "skipped: upstream model.p.stg_contacts failed" "$T/out"
assert_eq "old rows stay" "$(q p/warehouse.db "select count(*) from stg_contacts")" "5"
assert_eq "failing audit stored" "$(q $STATE "select status from check_results where check_name = 'null_rate_email' order by seq desc limit 1")" "fail"

# 5. configuration errors: file:line:col, exit 2
cp p/models/schema.yml "$T/schema.ok"
sed -i 's/- null_rate: {column: email, max: 0.25}/- null_rate: {column: email, mx: 0.25}/' p/models/schema.yml
assert_exit 2 "$SLUICE" -C p test
assert_contains "bad check argument located" "models/schema.yml:6:36: check null_rate: unknown argument 'mx'; did you mean 'max'?" "$T/err"
assert_contains "suggestion" "'max'" "$T/err"
cp "$T/schema.ok" p/models/schema.yml
sed -i 's/tests: \[length\]/tests: [formt]/' p/models/schema.yml
rm p/tests/generic/odd.sql
assert_exit 1 "$SLUICE" -C p test
assert_contains "unknown test suggests sluice's kind" "test 'formt' is not defined (did you mean 'format'?)" "$T/out"
cp "$T/schema.ok" p/models/schema.yml
cat > p/monitors/more.yml <<'YML'
monitors:
  - table: contacts
YML
assert_exit 2 "$SLUICE" -C p check
assert_contains "duplicate table" "more.yml:2:12: table 'contacts' is already monitored" "$T/err"
printf 'monitors:\n  - table: contacts\n    chekcs: []\n' > p/monitors/more.yml
rm p/monitors/crm.yml
assert_exit 2 "$SLUICE" -C p check
assert_contains "unknown key" "more.yml:3:5: unknown key 'chekcs' in a monitored table; did you mean 'checks'?" "$T/err"
finish
