#!/bin/sh
# t0057: mistakes in a models project are reported at file:line:col with
# the closest name, every one of them in one go, exit 2: misspelt config
# keys and values in the trees of sluice.yml, unknown keys of sluice.yml and
# dbt_project.yml, properties naming a model that does not exist, a ref()
# to an unknown model, a cycle named node by node. dbt features that would
# change results and that sluice does not have are refused by name, never
# ignored: packages, dispatch, on-run-start, grants, database, unit_tests,
# model versions, Python models. --target names a target of targets:.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/models/staging
cat > p/sluice.yml <<'YML'
name: p
modles: {}
models:
  p:
    +materialised: table
    staging:
      +materialized: tabel
      +grants: {select: [reporter]}
      +database: analytics
      +persist_docs: {relation: true}
targets:
  dev: {type: sqlite, path: dev.db}
  prod: {type: sqlite, path: prod.db}
YML
echo "select 1 as id" > p/models/staging/stg_a.sql
cd p
assert_exit 2 "$SLUICE" ls
cat > "$T/want" <<OUT
$T/p/sluice.yml:2:1: unknown project key 'modles'; did you mean 'models'?
$T/p/sluice.yml:5:5: unknown config key 'materialised'; did you mean 'materialized'?
$T/p/sluice.yml:7:22: materialized 'tabel' is not supported (one of view,table,incremental,ephemeral,seed,snapshot,test); did you mean 'table'?
$T/p/sluice.yml:8:7: config 'grants' is not supported (granting privileges on built relations)
$T/p/sluice.yml:9:7: config 'database' is not supported (building in another database)
OUT
assert_eq "tree errors" "$(cat "$T/err")" "$(cat "$T/want")"
assert_exit 2 "$SLUICE" --json ls
assert_eq "--json diagnostics" "$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["error"]; print(e["code"], e["message"], [(d["line"], d["column"]) for d in e["diagnostics"]])' "$T/out")" \
  "config_invalid 5 configuration problems [(2, 1), (5, 5), (7, 22), (8, 7), (9, 7)]"

# the graph: unknown refs, properties of missing models, refused features, a cycle
cat > sluice.yml <<'YML'
name: p
targets:
  dev: {type: sqlite, path: dev.db}
  prod: {type: sqlite, path: prod.db}
YML
cat > models/staging/stg_b.sql <<'SQL'
select *
from {{ ref('stg_aa') }}
SQL
cat > models/staging/props.yml <<'YML'
version: 2
models:
  - name: stg_c
  - name: stg_a
    versions: [{v: 2}]
unit_tests:
  - name: t1
YML
echo "def model(dbt, session): return None" > models/py_model.py
assert_exit 2 "$SLUICE" ls
cat > "$T/want" <<OUT
$T/p/models/py_model.py:1:1: Python models are not supported
$T/p/models/staging/props.yml:3:11: models: no model called 'stg_c'; did you mean 'stg_a'?
$T/p/models/staging/props.yml:5:5: model versions are not supported (versions:)
$T/p/models/staging/props.yml:6:1: unit_tests are not supported
$T/p/models/staging/stg_b.sql:2:9: ref('stg_aa'): no model, seed, snapshot or pipeline called 'stg_aa'; did you mean 'stg_a'?
OUT
assert_eq "graph errors" "$(cat "$T/err")" "$(cat "$T/want")"

rm models/py_model.py models/staging/props.yml
echo "select * from {{ ref('stg_b') }}" > models/staging/stg_a.sql
echo "select * from {{ ref('stg_a') }}" > models/staging/stg_b.sql
assert_exit 2 "$SLUICE" ls
assert_eq "cycle" "$(cat "$T/err")" \
  "$T/p/models/staging/stg_a.sql:1:18: dependency cycle: model.p.stg_a -> model.p.stg_b -> model.p.stg_a"

# --target picks a target; a misspelt one is an error with a suggestion
echo "select 1 as id" > models/staging/stg_a.sql
assert_exit 0 "$SLUICE" --target prod ls
assert_exit 2 "$SLUICE" ls --target prd
assert_eq "--target" "$(cat "$T/err")" "sluice: error: no target called 'prd'; did you mean 'prod'?"

# a dbt project using features sluice does not have: refused by name
mkdir "$T/d" && cd "$T/d"
cat > dbt_project.yml <<'YML'
name: shop
config-version: 2
on-run-start: ["create table audit (x int)"]
dispatch:
  - macro_namespace: dbt_utils
    search_order: ['shop', 'dbt_utils']
YML
cat > packages.yml <<'YML'
packages:
  - package: dbt-labs/dbt_utils
    version: 1.1.1
YML
assert_exit 2 "$SLUICE" ls
cat > "$T/want" <<OUT
$T/d/dbt_project.yml:3:1: on-run-start is not supported (SQL hooks around the whole run)
$T/d/dbt_project.yml:4:1: dispatch is not supported (it searches for macros in packages)
$T/d/packages.yml:1:1: packages are not supported (sluice runs a project without dbt packages)
OUT
assert_eq "refused dbt features" "$(cat "$T/err")" "$(cat "$T/want")"
finish
