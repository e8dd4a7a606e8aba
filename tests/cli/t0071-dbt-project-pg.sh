#!/bin/sh
# t0071: t0070's dbt-style project (tests/dbt/project) on the real
# PostgreSQL of the suite: the same two builds, every table compared with
# the same expected CSVs (tests/dbt/expected/, computed independently of
# sluice). The project is the dbt project unmodified plus a sluice.yml that
# only names the warehouse, as a target (`--target pg`), in the schema main
# (the name the project's source gives, as on SQLite);
# the models branch on target.type (days_between in macros/dates.sql).
. "$SRC/tests/cli/lib.sh"
URL=$(cat "${SLUICE_TEST_PGDIR:?run through ctest: its fixture starts PostgreSQL}/url")
export URL
pg() { psql -X -q -At "$URL" -c "$1"; }
pg "DROP SCHEMA IF EXISTS main CASCADE"
D="$SRC/tests/dbt"
cp -r "$D/project" p
cat > p/sluice.yml <<'YML'
name: sl_shop
targets:
  pg: {type: postgres, url: "${URL}", schema: main}
YML
BUILD2_VARS=$(python3 -c 'import re,sys; print(re.search(r"^BUILD2_VARS = \"(.*)\"$", open(sys.argv[1]).read(), re.M).group(1))' "$D/expected.py")
result() {
  python3 -c '
import json, sys
rs = json.load(open(sys.argv[1]))["results"]
print(" ".join(sorted(r["status"] for r in rs if sys.argv[2] in r["unique_id"].split("."))) or "missing")' p/target/run_results.json "$1"
}

# ---- build 1 ----------------------------------------------------------------
assert_exit 0 "$SLUICE" -C p build --target pg
if python3 "$D/check.py" build1 postgres "$URL" main >"$T/check" 2>&1; then ok; else fail "build 1: $(cat "$T/check")"; fi
assert_eq "build 1: warn test" "$(result 'accepted_values_stg_customers_country_code__GB__US__CA__DE')" "warn"
assert_eq "build 1: singular test" "$(result 'assert_payments_cover_orders')" "pass"
assert_eq "build 1: snapshot scd ids unique" "$(result 'unique_orders_snapshot_dbt_scd_id')" "pass"
if [ ! -e p/warehouse.db ]; then ok; else fail "the pg target also wrote the SQLite warehouse"; fi

# ---- build 2: new inputs, --vars, env_var ----------------------------------
cp "$D"/v2/seeds/*.csv p/seeds/
export SL_TEST_CURRENCY=' eur '
assert_exit 0 "$SLUICE" -C p build --target pg --vars "$BUILD2_VARS"
unset SL_TEST_CURRENCY
if python3 "$D/check.py" build2 postgres "$URL" main >"$T/check" 2>&1; then ok; else fail "build 2: $(cat "$T/check")"; fi
assert_eq "build 2: singular test" "$(result 'assert_payments_cover_orders')" "pass"

# ---- --full-refresh of an incremental model ----------------------------------
assert_exit 0 "$SLUICE" -C p build --target pg -s orders_append --full-refresh
assert_eq "full refresh of orders_append" \
  "$(pg "select string_agg(order_id || ':' || status, ' ' order by order_id) from main.orders_append")" \
  "101:shipped 102:shipped 103:completed 105:completed 106:placed 107:placed 108:placed"
pg "DROP SCHEMA IF EXISTS main CASCADE"
finish
