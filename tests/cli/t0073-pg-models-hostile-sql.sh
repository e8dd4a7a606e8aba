#!/bin/sh
# t0073: what a model's template produces can never reach outside the
# model's own statement, on SQLite and on PostgreSQL: SQL holding a second
# statement after a ';' (written, or brought by a --vars value) fails the
# model for every materialization and store_failures, and the table it
# names survives; a secret read with env_var() never lands in clear in
# target/ or the state store, whichever command ran; a test argument that
# is one {{ expression }} keeps its value's type (dbt's native rendering);
# `graph` is refused by name; --limit takes whole numbers only.
. "$SRC/tests/cli/lib.sh"
URL=$(cat "${SLUICE_TEST_PGDIR:?run through ctest: its fixture starts PostgreSQL}/url")
export URL
pg() { psql -X -q -At "$URL" -c "$1"; }
pg "DROP SCHEMA IF EXISTS t73 CASCADE"
mkdir -p p/models p/seeds p/tests
cat > p/sluice.yml <<'YML'
name: p
targets:
  dev: {type: sqlite, path: warehouse.db}
  pg: {type: postgres, url: "${URL}", schema: t73}
target: dev
vars:
  methods: [card, cash]
YML
printf 'id,method\n1,card\n2,cash\n' > p/seeds/pay.csv
cat > p/models/pay_v.sql <<'SQL'
select * from {{ ref('pay') }}
SQL
cat > p/models/props.yml <<'YML'
version: 2
models:
  - name: pay_v
    columns:
      - name: method
        tests:
          - accepted_values:
              values: "{{ var('methods') }}"
YML
export DB_PASSWORD=hunter2-t73-secret
cat > p/models/sec.sql <<'SQL'
select '{{ env_var("DB_PASSWORD") }}' as p
SQL
count() {
  if [ "$1" = pg ]; then pg "SELECT count(*) FROM t73.pay"; else sqlite3 p/warehouse.db "SELECT count(*) FROM pay"; fi
}
for tg in dev pg; do
  rm -f p/models/hostile.sql p/tests/hostile_test.sql
  assert_exit 0 "$SLUICE" -C p -q build --target $tg
  assert_eq "$tg: seed loaded" "$(count $tg)" 2
  # a templated list stays a list: the accepted_values test passes
  assert_contains "$tg: native test argument" '"status":"pass"' p/target/run_results.json
  for mat in table view incremental; do
    printf "{{ config(materialized='%s') }}\nselect 1 as a; drop table {{ ref('pay') }}\n" $mat > p/models/hostile.sql
    assert_exit 1 "$SLUICE" -C p run --target $tg -s hostile
    assert_eq "$tg $mat: the other table survives" "$(count $tg)" 2
  done
  # incremental on its second run (is_incremental() branch), and a value brought by --vars
  printf "{{ config(materialized='incremental') }}\nselect '{{ var(\"x\") }}' as v\n" > p/models/hostile.sql
  assert_exit 0 "$SLUICE" -C p -q run --target $tg -s hostile --vars '{x: ok}'
  assert_exit 1 "$SLUICE" -C p -q run --target $tg -s hostile --vars "{x: \"'; drop table $( [ $tg = pg ] && echo t73. )pay; --\"}"
  assert_eq "$tg: --vars value cannot add a statement" "$(count $tg)" 2
  "$SLUICE" -C p run --target $tg -s hostile --vars "{x: \"'; drop table pay; --\"}" >"$T/out" 2>&1 || true
  assert_contains "$tg: one statement named" "holds more than one statement" "$T/out"
  # store_failures wraps a test's SQL too
  printf "{{ config(store_failures=true) }}\nselect 1 as a); drop table {{ ref('pay') }}; select (1\n" > p/tests/hostile_test.sql
  "$SLUICE" -C p -q test --target $tg -s hostile_test >/dev/null 2>&1 || true
  assert_eq "$tg: store_failures: the other table survives" "$(count $tg)" 2
  rm -f p/tests/hostile_test.sql p/models/hostile.sql
  # secrets: no clear copy under target/ or in the state store
  assert_exit 0 "$SLUICE" -C p -q run --target $tg -s sec
  assert_eq "$tg: secret in target/" "$(grep -rl hunter2-t73-secret p/target | wc -l)" 0
  assert_eq "$tg: secret in the state store" "$(sqlite3 p/.sluice/state.db .dump | grep -c hunter2-t73-secret || true)" 0
  assert_contains "$tg: compiled copy redacted" "'***' as p" p/target/compiled/p/models/sec.sql
done
# the model that ran holds the real value
assert_eq "the model keeps the value" "$(sqlite3 p/warehouse.db 'SELECT p FROM sec')" "$DB_PASSWORD"
printf "{%% for n in graph.nodes.values() %%}{%% endfor %%}select 1 as x\n" > p/models/g.sql
"$SLUICE" -C p compile >"$T/out" 2>&1 || true
assert_contains "graph refused by name" "models/g.sql:1:25: graph is not supported" "$T/out"
rm p/models/g.sql
assert_exit 2 "$SLUICE" -C p show pay_v --limit abc
assert_exit 2 "$SLUICE" -C p history --limit 2x
assert_exit 0 "$SLUICE" -C p show pay_v --limit 1
pg "DROP SCHEMA IF EXISTS t73 CASCADE"
finish
