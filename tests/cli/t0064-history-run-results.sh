# t0064: what a build leaves behind: target/run_results.json (every node's
# status, timing split into warehouse and sluice's own time, rows affected,
# a test's failures and compiled SQL), the node results in the state store
# shown by `sluice history` (table and --json "nodes", by node name), while
# a project without models keeps its history output unchanged; `sluice
# show` previews a model's rows (table and --json) and an --inline query.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/models p/seeds
echo "name: p" > p/sluice.yml
printf 'id,plan,seats\n1,pro,5\n2,free,1\n3,pro,12\n' > p/seeds/accounts.csv
cat > p/models/seat_totals.sql <<'SQL'
{{ config(materialized='table') }}
select plan, sum(seats) as seats, count(*) as accounts from {{ ref('accounts') }} group by plan
SQL
cat > p/models/schema.yml <<'YML'
version: 2
models:
  - name: seat_totals
    columns:
      - name: plan
        tests: [unique, not_null]
YML

assert_exit 0 "$SLUICE" -C p build
python3 - p/target/run_results.json <<'PY' && ok || fail "run_results.json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["metadata"]["invocation_id"] and d["metadata"]["generated_at"].endswith("Z"), d["metadata"]
assert d["args"]["which"] == "build" and d["args"]["threads"] == 1
assert d["counts"] == {"success": 4, "warn": 0, "error": 0, "skipped": 0, "total": 4}, d["counts"]
res = {r["unique_id"]: r for r in d["results"]}
m = res["model.p.seat_totals"]
assert m["status"] == "success" and m["resource_type"] == "model", m
assert m["rows_affected"] == 2 and m["adapter_response"]["rows_affected"] == 2, m
assert abs(m["execution_time"] - (m["sql_time"] + m["overhead_time"])) < 1e-5, m
assert m["started_at"].endswith("Z") and m["thread_id"] == "Thread-1"
assert "group by plan" in m["compiled_code"]
s = res["seed.p.accounts"]
assert s["rows_affected"] == 3 and s["status"] == "success", s
t = [r for k, r in res.items() if k.startswith("test.p.unique_seat_totals_plan")][0]
assert t["status"] == "pass" and t["failures"] == 0 and "seat_totals" in t["compiled_code"], t
# results in DAG order: the seed before the model before its tests
order = [r["unique_id"] for r in d["results"]]
assert order.index("seed.p.accounts") < order.index("model.p.seat_totals") < order.index(t["unique_id"]), order
PY
assert_eq "compiled file" "$(grep -c 'group by plan' p/target/compiled/p/models/seat_totals.sql)" "1"

# history: the table of node results under the pipeline runs' table
assert_exit 0 "$SLUICE" -C p history
assert_contains "nodes heading" "models, seeds, snapshots and tests:" "$T/out"
assert_contains "model row" "model.p.seat_totals" "$T/out"
assert_exit 0 "$SLUICE" -C p --json history
python3 - "$T/out" <<'PY' && ok || fail "history --json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["runs"] == [], d["runs"]
nodes = d["nodes"]
assert len(nodes) == 4, nodes
m = [n for n in nodes if n["unique_id"] == "model.p.seat_totals"][0]
assert m["status"] == "success" and m["resource_type"] == "model" and m["rows_affected"] == 2, m
t = [n for n in nodes if n["resource_type"] == "test"]
assert len(t) == 2 and all(n["status"] == "pass" and n["failures"] == 0 for n in t), t
assert all("seat_totals" in n["compiled_sql"] for n in t), t
assert len(set(n["run_id"] for n in nodes)) == 1
PY
# a second build; history of one node by name, newest first
printf 'id,plan,seats\n1,pro,5\n2,free,1\n3,pro,12\n4,team,3\n' > p/seeds/accounts.csv
assert_exit 0 "$SLUICE" -C p build
assert_exit 0 "$SLUICE" -C p --json history seat_totals --limit 5
python3 - "$T/out" <<'PY' && ok || fail "history NODE"
import json, sys
d = json.load(open(sys.argv[1]))
n = d["nodes"]
assert [x["rows_affected"] for x in n] == [3, 2], n
assert all(x["unique_id"] == "model.p.seat_totals" for x in n)
PY

# show: a model's rows as a table and as JSON; an inline query
assert_exit 0 "$SLUICE" -C p show seat_totals --limit 2
assert_contains "show header" "Previewing node 'seat_totals':" "$T/out"
assert_contains "show columns" "| plan" "$T/out"
assert_eq "show rows" "$(grep -c '^| ' "$T/out")" "3"
assert_exit 0 "$SLUICE" -C p --json show --inline "select plan, seats from seat_totals order by plan" --limit 10
assert_eq "show --json" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["columns"], d["rows"])' "$T/out")" \
  "['plan', 'seats'] [['free', '1'], ['pro', '17'], ['team', '3']]"
assert_exit 2 "$SLUICE" -C p show seat_total
assert_contains "show suggestion" "did you mean 'seat_totals'" "$T/err"

# a project without models: history output has no nodes section or key
mkdir -p plain/pipelines
echo "name: plain" > plain/sluice.yml
printf 'id\n1\n' > plain/in.csv
printf 'source: {type: csv, path: in.csv}\nsinks: [{type: sqlite, table: t}]\n' > plain/pipelines/one.yml
assert_exit 0 "$SLUICE" -C plain run
assert_exit 0 "$SLUICE" -C plain --json history
assert_eq "no nodes key" "$(python3 -c 'import json,sys; print(sorted(json.load(open(sys.argv[1]))))' "$T/out")" \
  "['runs', 'schema_version']"
assert_exit 0 "$SLUICE" -C plain history
if grep -q "models, seeds" "$T/out"; then fail "nodes section in a plain project"; else ok; fi
finish
