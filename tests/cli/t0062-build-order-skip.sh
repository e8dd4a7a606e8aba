# t0062: `sluice build` runs seeds, pipelines, models (and tests) in DAG
# order; a model whose SQL fails is named with the warehouse's message and
# its compiled file, what depends on it is skipped (transitively) and the
# exit status is 1; -s/--exclude select (+ ancestors), --fail-fast stops
# starting nodes; --json is one run_results document; `sluice run` in a
# project with models runs pipelines and models but no seeds; --threads
# on SQLite is one writer; NO_COLOR and non-terminals get no escapes.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/models p/seeds p/pipelines p/data
echo "name: p" > p/sluice.yml
printf 'id,name,team\n1,ann,red\n2,bob,blue\n3,cy,red\n' > p/seeds/people.csv
printf 'order_id,person_id,amount\n10,1,5\n11,1,7\n12,2,4\n13,3,1\n' > p/data/orders.csv
cat > p/pipelines/load_orders.yml <<'YML'
source: {type: csv, path: data/orders.csv, columns: {order_id: int, person_id: int, amount: int}}
sinks: [{type: sqlite, table: raw_orders, mode: full_refresh}]
YML
cat > p/models/stg_orders.sql <<'SQL'
select order_id, person_id, amount from {{ ref('load_orders') }}
SQL
cat > p/models/team_totals.sql <<'SQL'
{{ config(materialized='table') }}
select p.team, sum(o.amount) as total, count(*) as n
from {{ ref('people') }} p join {{ ref('stg_orders') }} o on o.person_id = p.id
group by p.team
SQL
cat > p/models/broken.sql <<'SQL'
{{ config(materialized='table') }}
select * from {{ ref('stg_orders') }} where no_such_column > 1
SQL
cat > p/models/after_broken.sql <<'SQL'
select * from {{ ref('broken') }}
SQL
cat > p/models/after_after.sql <<'SQL'
{{ config(materialized='table') }}
select count(*) as n from {{ ref('after_broken') }}
SQL

# 1. the whole build: broken fails, its two descendants are skipped, the rest succeed
assert_exit 1 "$SLUICE" -C p build
cp "$T/out" "$T/build.txt"
assert_contains "seed line" "OK loaded seed file main.people" "$T/build.txt"
assert_contains "pipeline line" "OK ran pipeline load_orders" "$T/build.txt"
assert_contains "table line" "OK created table model main.team_totals" "$T/build.txt"
assert_contains "error line" "ERROR creating table model main.broken" "$T/build.txt"
assert_contains "compiled file named" "target/compiled/p/models/broken.sql" "$T/build.txt"
assert_contains "warehouse message" "no_such_column" "$T/build.txt"
assert_contains "skip 1" "SKIP model after_broken" "$T/build.txt"
assert_contains "skip 2" "SKIP model after_after" "$T/build.txt"
assert_contains "skip names its upstream" "skipped: upstream model.p.broken failed" "$T/build.txt"
assert_contains "skip names a skipped upstream" "skipped: upstream model.p.after_broken was skipped" "$T/build.txt"
assert_contains "summary" "Done. PASS=4 WARN=0 ERROR=1 SKIP=2 TOTAL=7" "$T/build.txt"
assert_eq "no escapes when not a terminal" "$(grep -c "$(printf '\033')" "$T/build.txt" || true)" "0"
assert_eq "team totals" "$(q p/warehouse.db "select team || '=' || total || '/' || n from team_totals order by team")" \
  "blue=4/1
red=13/3"
assert_eq "broken not created" "$(q p/warehouse.db "select count(*) from sqlite_master where name = 'broken'")" "0"
# order: every node's line comes after its upstreams' lines
line_of() { grep -n "$1" "$T/build.txt" | head -1 | cut -d: -f1; }
[ "$(line_of 'pipeline load_orders')" -lt "$(line_of 'main.stg_orders')" ] && ok || fail "load_orders before stg_orders"
[ "$(line_of 'main.stg_orders')" -lt "$(line_of 'main.team_totals')" ] && ok || fail "stg_orders before team_totals"
[ "$(line_of 'seed file main.people')" -lt "$(line_of 'main.team_totals')" ] && ok || fail "people before team_totals"
[ "$(line_of 'main.broken')" -lt "$(line_of 'model after_broken')" ] && ok || fail "broken before after_broken"
# "N of 7" numbering is 1..8 in order
assert_eq "numbering" "$(grep -o '^[0-9]* of 7' "$T/build.txt" | cut -d' ' -f1 | tr '\n' ' ')" "1 2 3 4 5 6 7 "

# 2. --json: one document, statuses by unique_id, counts
assert_exit 1 "$SLUICE" -C p build --json
python3 - "$T/out" <<'PY' && ok || fail "build --json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema_version"] == 1 and d["command"] == "build", d.keys()
st = {r["unique_id"]: r["status"] for r in d["results"]}
want = {"seed.p.people": "success", "pipeline.p.load_orders": "success", "model.p.stg_orders": "success",
        "model.p.team_totals": "success", "model.p.broken": "error", "model.p.after_broken": "skipped",
        "model.p.after_after": "skipped"}
for k, v in want.items():
    assert st.get(k) == v, (k, st.get(k), st)
assert d["counts"] == {"success": 4, "warn": 0, "error": 1, "skipped": 2, "total": 7}, d["counts"]
r = [r for r in d["results"] if r["unique_id"] == "model.p.team_totals"][0]
assert r["resource_type"] == "model" and r["execution_time"] >= r["sql_time"] >= 0, r
assert "select p.team" in r["compiled_code"], r["compiled_code"]
assert d["args"]["threads"] == 1
PY

# 3. selection: +team_totals builds only it and its ancestors: exit 0
assert_exit 0 "$SLUICE" -C p build -s +team_totals --json
python3 - "$T/out" <<'PY' && ok || fail "build -s +team_totals"
import json, sys
d = json.load(open(sys.argv[1]))
ids = sorted(r["unique_id"] for r in d["results"])
assert ids == ["model.p.stg_orders", "model.p.team_totals", "pipeline.p.load_orders", "seed.p.people"], ids
PY
assert_exit 0 "$SLUICE" -C p build --exclude broken+
assert_contains "exclude" "Done. PASS=4 WARN=0 ERROR=0 SKIP=0 TOTAL=4" "$T/out"
# an unknown name is a usage error with a suggestion
assert_exit 2 "$SLUICE" -C p build -s team_total
assert_contains "suggestion" "team_totals" "$T/err"

# 4. --fail-fast: after broken fails, nothing new starts
assert_exit 1 "$SLUICE" -C p build --fail-fast --json
python3 - "$T/out" <<'PY' && ok || fail "--fail-fast"
import json, sys
d = json.load(open(sys.argv[1]))
st = [r["status"] for r in d["results"]]
i = [r["unique_id"] for r in d["results"]].index("model.p.broken")
assert all(s == "skipped" for s in st[i + 1:]), st
assert any("fail-fast" in (r["message"] or "") for r in d["results"][i + 1:]), d["results"]
PY

# 5. `sluice run` runs the pipeline and the models, not the seed; a model by name
rm -f p/warehouse.db
assert_exit 1 "$SLUICE" -C p run --json
python3 - "$T/out" <<'PY' && ok || fail "run with models"
import json, sys
d = json.load(open(sys.argv[1]))
kinds = sorted(set(r["resource_type"] for r in d["results"]))
assert kinds == ["model", "pipeline"], kinds
assert d["command"] == "run"
PY
assert_exit 0 "$SLUICE" -C p seed
assert_contains "seed" "Done. PASS=1 WARN=0 ERROR=0 SKIP=0 TOTAL=1" "$T/out"
assert_exit 0 "$SLUICE" -C p run team_totals
assert_contains "run a model by name" "Done. PASS=1 WARN=0 ERROR=0 SKIP=0 TOTAL=1" "$T/out"
assert_exit 0 "$SLUICE" -C p run --threads 3 -s stg_orders team_totals --json
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['args']['threads']==1, d['args']" "$T/out" \
  && ok || fail "SQLite: one writer"

# 6. SIGTERM during a build: the running node finishes, no new one starts,
#    the rest are reported skipped (interrupted), exit 1 (each node sleeps
#    1.5 s first, so the TERM lands inside the build however loaded the machine)
rm -rf p/target
SLUICE_FAILPOINTS=build.node=sleep1500 "$SLUICE" -C p build --exclude broken+ >"$T/term.out" 2>"$T/term.err" &
bpid=$!
wait_for 60 grep -q "^1 of 4" "$T/term.out" && ok || fail "the first node never finished"
kill -TERM $bpid
set +e; wait $bpid; rc=$?; set -e
assert_eq "exit after SIGTERM" "$rc" "1"
assert_contains "interrupted" "skipped: interrupted" "$T/term.out"
assert_contains "said so" "sluice: interrupted: nodes not started were skipped" "$T/term.err"
assert_eq "run_results written" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["counts"]["skipped"] >= 1, d["counts"]["total"])' p/target/run_results.json)" "True 4"

# 7. --help of every new command; a bad --threads is a usage error
for c in build seed snapshot test show; do
  assert_exit 0 "$SLUICE" $c --help
  assert_contains "$c --help" "usage: sluice $c" "$T/out"
done
assert_exit 2 "$SLUICE" -C p build --threads 0
assert_contains "threads message" "--threads wants a number from 1 to 64" "$T/err"
finish
