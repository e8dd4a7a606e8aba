# t0063: `sluice test` / `sluice build` evaluate data tests: generic tests
# (unique, not_null, accepted_values, relationships) and a custom generic
# test from properties files, a singular test; severity warn never fails;
# error_if/warn_if thresholds; where: and limit:; store_failures keeps the
# failing rows (replaced on each run); a failing test of severity error
# skips what reads the tested model under build; exit status 1 only for
# failures; --json has each test's failures, sample and compiled SQL.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/models p/seeds p/tests/generic
echo "name: p" > p/sluice.yml
cat > p/seeds/contacts.csv <<'CSV'
id,email,stage,account_id
1,a@x.io,lead,10
2,a@x.io,customer,10
3,,lead,11
4,d@x.io,churned,99
5,e@x.io,lead,11
CSV
printf 'account_id,name\n10,acme\n11,globex\n' > p/seeds/accounts.csv
cat > p/models/stg_contacts.sql <<'SQL'
select id, email, stage, account_id from {{ ref('contacts') }}
SQL
cat > p/models/contact_report.sql <<'SQL'
{{ config(materialized='table') }}
select stage, count(*) as n from {{ ref('stg_contacts') }} group by stage
SQL
cat > p/models/account_list.sql <<'SQL'
{{ config(materialized='table') }}
select account_id, name from {{ ref('accounts') }}
SQL
cat > p/tests/generic/positive.sql <<'SQL'
{% test positive(model, column_name) %}
select * from {{ model }} where {{ column_name }} <= 0
{% endtest %}
SQL
cat > p/tests/assert_no_churned.sql <<'SQL'
select * from {{ ref('stg_contacts') }} where stage = 'churned'
SQL
cat > p/models/schema.yml <<'YML'
version: 2
models:
  - name: stg_contacts
    columns:
      - name: id
        tests: [unique, not_null, positive]
      - name: email
        tests:
          - not_null:
              config: {severity: warn}
          - unique:
              config: {store_failures: true}
      - name: stage
        tests:
          - accepted_values:
              values: ['lead', 'customer']
              config: {error_if: ">1", warn_if: ">0"}
      - name: account_id
        tests:
          - relationships:
              to: ref('account_list')
              field: account_id
              config: {where: "stage <> 'churned'"}
  - name: account_list
    columns:
      - name: name
        data_tests:
          - not_null:
              config: {limit: 1}
YML

# 1. build: a failing unique test on stg_contacts skips contact_report
assert_exit 1 "$SLUICE" -C p build --json
cp "$T/out" "$T/build.json"
python3 - "$T/build.json" <<'PY' && ok || fail "build --json statuses"
import json, sys
d = json.load(open(sys.argv[1]))
res = {r["unique_id"]: r for r in d["results"]}
def test(prefix):
    m = [r for k, r in res.items() if k.startswith("test.p." + prefix)]
    assert len(m) == 1, (prefix, list(res))
    return m[0]
st = lambda p: (test(p)["status"], test(p)["failures"])
assert st("unique_stg_contacts_id") == ("pass", 0), st("unique_stg_contacts_id")
assert st("not_null_stg_contacts_id") == ("pass", 0)
assert st("positive_stg_contacts_id") == ("pass", 0)
assert st("not_null_stg_contacts_email") == ("warn", 1), st("not_null_stg_contacts_email")
assert st("unique_stg_contacts_email") == ("fail", 1), st("unique_stg_contacts_email")
# one value (churned) is not accepted: > 0 warns, not > 1
assert st("accepted_values_stg_contacts") == ("warn", 1), st("accepted_values_stg_contacts")
# account 99 is churned: where: leaves it out
assert st("relationships_stg_contacts") == ("pass", 0), st("relationships_stg_contacts")
assert st("not_null_account_list_name") == ("pass", 0)
assert st("assert_no_churned") == ("fail", 1), st("assert_no_churned")
u = test("unique_stg_contacts_email")
assert u["message"] == "Got 1 result, configured to fail if != 0", u["message"]
assert u["failing_rows_sample"] and u["failing_rows_sample"][0]["unique_field"] == "a@x.io", u["failing_rows_sample"]
assert "a@x.io" not in u["compiled_code"] and "email" in u["compiled_code"], u["compiled_code"]
assert res["model.p.contact_report"]["status"] == "skipped", res["model.p.contact_report"]
assert "upstream test.p." in res["model.p.contact_report"]["message"]
assert res["model.p.account_list"]["status"] == "success"
PY
# store_failures: the duplicated email is kept in the audit file
AUDIT=p/warehouse.main_dbt_test__audit.db
assert_eq "audit table" "$(q $AUDIT "select unique_field from unique_stg_contacts_email")" "a@x.io"

# 2. sluice test alone: same verdicts, text lines, exit 1
assert_exit 1 "$SLUICE" -C p test
assert_contains "pass line" "PASS not_null_stg_contacts_id" "$T/out"
assert_contains "warn line" "WARN 1 not_null_stg_contacts_email" "$T/out"
assert_contains "fail line" "FAIL 1 unique_stg_contacts_email" "$T/out"
assert_contains "fail message" "Got 1 result, configured to fail if != 0" "$T/out"
assert_contains "warn message" "Got 1 result, configured to warn if >0" "$T/out"
assert_contains "summary" "WARN=2 ERROR=2 SKIP=0" "$T/out"
if grep -q "OK created" "$T/out"; then fail "sluice test built a model"; else ok; fi

# 3. fix the data: the warn-only and passing tests exit 0, the audit table is emptied
cat > p/seeds/contacts.csv <<'CSV'
id,email,stage,account_id
1,a@x.io,lead,10
2,b@x.io,customer,10
3,,lead,11
5,e@x.io,lead,11
CSV
assert_exit 0 "$SLUICE" -C p build
assert_contains "done" "Done. PASS=" "$T/out"
assert_contains "warn stays a warning" "WARN 1 not_null_stg_contacts_email" "$T/out"
assert_eq "audit emptied" "$(q $AUDIT "select count(*) from unique_stg_contacts_email")" "0"
assert_eq "report built" "$(q p/warehouse.db "select n from contact_report where stage = 'lead'")" "3"

# 4. a bad threshold is an error naming it
sed -i 's/error_if: ">1"/error_if: "more than one"/' p/models/schema.yml
assert_exit 1 "$SLUICE" -C p test -s stg_contacts
assert_contains "bad condition" "error_if: condition 'more than one' is not a comparison with a number" "$T/out"
finish
