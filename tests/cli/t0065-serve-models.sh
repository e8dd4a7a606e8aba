# t0065: `sluice serve` schedules models like pipelines: a model with
# `after: [pipeline]` in its config is built each time that pipeline
# succeeds (its results reach the state store and `sluice history`), a
# model with `after:` another model follows it, and a model whose
# schedule is not a schedule is logged and left out while the rest run.
# A scheduled model's checks run with it; their results and the table's
# profile reach the state store.
. "$SRC/tests/cli/lib.sh"
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$T"' EXIT
mkdir -p p/pipelines p/models p/data
echo "name: p" > p/sluice.yml
printf 'id,amount\n1,5\n2,7\n' > p/data/orders.csv
cat > p/pipelines/load.yml <<'YML'
source: {type: csv, path: data/orders.csv, columns: {id: int, amount: int}}
sinks: [{type: sqlite, table: raw_orders, mode: full_refresh}]
every: 1s
YML
cat > p/models/order_total.sql <<'SQL'
{{ config(materialized='table', after=['load']) }}
select sum(amount) as total, count(*) as n from {{ ref('load') }}
SQL
cat > p/models/total_copy.sql <<'SQL'
{{ config(materialized='table') }}
select total * 2 as doubled from {{ ref('order_total') }}
SQL
cat > p/models/never.sql <<'SQL'
{{ config(materialized='table', schedule='every soon') }}
select 1 as x
SQL
cat > p/models/schema.yml <<'YML'
version: 2
models:
  - name: total_copy
    config: {after: [order_total]}
  - name: order_total
    checks:
      - row_count: {min: 1}
YML

PORT=$(free_port)
"$SLUICE" -C p serve --listen 127.0.0.1:$PORT 2>"$T/serve.log" &
pid=$!
built() { "$SLUICE" -C p --json history "$1" --limit 1 2>/dev/null | python3 -c '
import json, sys
n = json.load(sys.stdin).get("nodes", [])
sys.exit(0 if n and n[0]["status"] == "success" else 1)'; }
wait_for 30 built order_total && ok || fail "order_total never built after load: $(tail -5 "$T/serve.log")"
wait_for 30 built total_copy && ok || fail "total_copy never built after order_total: $(tail -5 "$T/serve.log")"
assert_eq "model's table" "$(q p/warehouse.db "select total || '/' || n from order_total")" "12/2"
checked() { [ "$(sqlite3 -cmd '.timeout 5000' p/.sluice/state.db "select status from check_results where node = 'model.p.order_total' and check_name = 'row_count' limit 1")" = pass ]; }
wait_for 30 checked && ok || fail "the scheduled model's check result was not kept"
assert_eq "scheduled model profiled" "$(q p/.sluice/state.db "select count(*) > 0 from profiles where node = 'model.p.order_total'")" "1"
assert_eq "follower's table" "$(q p/warehouse.db "select doubled from total_copy")" "24"
assert_contains "bad schedule logged" "model never not scheduled: schedule:" "$T/serve.log"
# the model keeps following: new rows in the source reach it on a later run
printf 'id,amount\n1,5\n2,7\n3,100\n' > p/data/orders.csv
wait_for 30 sh -c "[ \"\$(sqlite3 -cmd '.timeout 5000' p/warehouse.db 'select n from order_total')\" = 3 ]" \
  && ok || fail "order_total not rebuilt after the next load"
assert_eq "never built" "$(q p/warehouse.db "select count(*) from sqlite_master where name = 'never'")" "0"
kill -TERM $pid
wait $pid; rc=$?
pid=
assert_eq "serve exit" "$rc" "0"
finish
