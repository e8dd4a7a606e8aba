#!/bin/sh
# t0070: a dbt-style project (tests/dbt/project: dbt_project.yml, no
# sluice.yml) that uses every templating feature of docs/TEMPLATES.md, built
# twice into the embedded SQLite warehouse, every table compared with the
# expected CSVs of tests/dbt/expected/ (computed independently of sluice by
# tests/dbt/expected.py from dbt's documented semantics):
#   - build 1: seeds, views, tables, ephemeral, incremental models (append,
#     merge, delete+insert) and snapshots (timestamp, check) from scratch;
#   - build 2: the seeds replaced (orders updated, added and deleted,
#     customers changed and deleted), --vars overriding dbt_project.yml's
#     vars (a filter, a column added and one removed: on_schema_change
#     ignore / append_new_columns / sync_all_columns), an env_var() set:
#     incremental models keep what they had and merge the new rows,
#     snapshots close and open versions;
#   - the data tests: a warn-severity test that fails warns (exit 0), the
#     singular and custom generic tests pass; run_results.json says so;
#   - sluice compile writes the analysis and a manifest whose descriptions
#     are rendered (doc() blocks); --full-refresh rebuilds an
#     incremental model from its whole input.
# PostgreSQL: t0071.
. "$SRC/tests/cli/lib.sh"
D="$SRC/tests/dbt"
cp -r "$D/project" p
BUILD2_VARS=$(python3 -c 'import re,sys; print(re.search(r"^BUILD2_VARS = \"(.*)\"$", open(sys.argv[1]).read(), re.M).group(1))' "$D/expected.py")

# result NAME: the status of the nodes of target/run_results.json whose
# unique_id has NAME as a part (dbt's test ids end in a hash: test.P.NAME.HASH)
result() {
  python3 -c '
import json, sys
rs = json.load(open(sys.argv[1]))["results"]
print(" ".join(sorted(r["status"] for r in rs if sys.argv[2] in r["unique_id"].split("."))) or "missing")' p/target/run_results.json "$1"
}

# ---- build 1 ----------------------------------------------------------------
assert_exit 0 "$SLUICE" -C p build
if python3 "$D/check.py" build1 sqlite p/warehouse.db >"$T/check" 2>&1; then ok; else fail "build 1: $(cat "$T/check")"; fi
assert_eq "build 1: warn test (FI is not an accepted country)" \
  "$(result 'accepted_values_stg_customers_country_code__GB__US__CA__DE')" "warn"
assert_eq "build 1: singular test" "$(result 'assert_payments_cover_orders')" "pass"
assert_eq "build 1: custom generic test with a default argument" "$(result 'at_least_stg_orders_amount_cents__50')" "pass"
assert_eq "build 1: custom generic test from macros/" "$(result 'is_positive_stg_orders_amount_cents')" "pass"
assert_eq "build 1: snapshot scd ids unique" "$(result 'unique_orders_snapshot_dbt_scd_id')" "pass"
# config from dbt_project.yml (+materialized: view; marts' materialized: table
# without the +; big_orders' own +materialized: view), the yml and config()
assert_eq "build 1: relation types" "$(q p/warehouse.db "select group_concat(name || ':' || type, ' ') from (select name, type from sqlite_master
  where name in ('stg_customers', 'stg_orders', 'customer_orders', 'big_orders', 'orders_merge', 'features', 'raw_orders') order by name)")" \
  "big_orders:view customer_orders:table features:table orders_merge:table raw_orders:table stg_customers:view stg_orders:view"

# ---- build 2: new inputs, --vars, env_var ----------------------------------
cp "$D"/v2/seeds/*.csv p/seeds/
export SL_TEST_CURRENCY=' eur '
assert_exit 0 "$SLUICE" -C p build --vars "$BUILD2_VARS"
unset SL_TEST_CURRENCY
if python3 "$D/check.py" build2 sqlite p/warehouse.db >"$T/check" 2>&1; then ok; else fail "build 2: $(cat "$T/check")"; fi
assert_eq "build 2: singular test" "$(result 'assert_payments_cover_orders')" "pass"
assert_eq "build 2: relationships" "$(result 'relationships_stg_orders_customer_id__customer_id__ref_stg_customers_')" "pass"

# ---- on_schema_change: fail leaves the table as it was --------------------------
before=$(q p/warehouse.db "select count(*) from orders_append")
sed -i "s/on_schema_change='ignore'/on_schema_change='fail'/" p/models/marts/orders_append.sql
assert_exit 1 "$SLUICE" -C p build -s orders_append --vars '{include_channel: true}'
assert_contains "on_schema_change fail names the model" "orders_append" "$T/out"
assert_eq "on_schema_change fail: table unchanged" "$(q p/warehouse.db "select count(*) from orders_append")" "$before"
assert_eq "on_schema_change fail: no column added" "$(q p/warehouse.db "select count(*) from pragma_table_info('orders_append') where name = 'channel'")" 0
sed -i "s/on_schema_change='fail'/on_schema_change='ignore'/" p/models/marts/orders_append.sql

# ---- compile: analyses are compiled, never run -------------------------------
assert_exit 0 "$SLUICE" -C p compile
f=$(find p/target/compiled -name order_status_counts.sql | head -1)
if [ -n "$f" ] && grep -q 'stg_orders' "$f" && ! grep -q '{{' "$f"; then ok; else fail "compiled analysis: [$f] $(cat "$f" 2>/dev/null)"; fi
# descriptions are templates too: '{{ doc("stg_customers") }}' is the docs block's text
assert_eq "doc() in a description" "$(python3 -c '
import json, sys
n = json.load(open(sys.argv[1]))["nodes"]["model.sl_shop.stg_customers"]
print(n["description"].strip())' p/target/manifest.json)" \
  "Customers, one row per customer: e-mail lower-cased, country code upper-cased."
assert_eq "analysis not built" "$(q p/warehouse.db "select count(*) from sqlite_master where name = 'order_status_counts'")" 0

# exceptions.raise_compiler_error() reached: the message at file:line, exit 2
printf "select 1 as x\n{%% if var('explode', false) %%}\n  {{ exceptions.raise_compiler_error('explode was set: ' ~ var('explode')) }}\n{%% endif %%}\n" > p/models/boom.sql
assert_exit 0 "$SLUICE" -C p compile
assert_exit 2 "$SLUICE" -C p compile --vars '{explode: now}'
assert_contains "raise_compiler_error" "models/boom.sql:3:" "$T/err"
assert_contains "raise_compiler_error message" "explode was set: now" "$T/err"
rm p/models/boom.sql

# ---- --full-refresh: an incremental model rebuilt from its whole input -------
assert_exit 0 "$SLUICE" -C p build -s orders_append --full-refresh
assert_eq "full refresh of orders_append" \
  "$(q p/warehouse.db "select group_concat(order_id || ':' || status, ' ') from (select * from orders_append order by order_id)")" \
  "101:shipped 102:shipped 103:completed 105:completed 106:placed 107:placed 108:placed"
finish
