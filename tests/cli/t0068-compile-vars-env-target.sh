#!/bin/sh
# t0068: what templates see from outside the project files, through
# `sluice compile`: var() reads vars: of sluice.yml, --vars overrides it
# (YAML or JSON) and a default covers an unset one, an unset var without
# default is dbt's error at file:line:col; env_var() reads the environment
# (default when unset, an error without one) and a value whose variable's
# name looks secret never shows in sluice's output (here through log());
# target.name/type/schema follow --target (a PostgreSQL target compiles
# without connecting: compile never opens the warehouse) and relations are
# quoted in the target's schema.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/models && cd p
cat > sluice.yml <<'YML'
name: v
vars:
  country: fr
  n: 3
targets:
  dev: {type: sqlite, path: warehouse.db}
  prod: {type: postgres, url: "postgresql://u:pw@127.0.0.1:1/shop", schema: analytics}
YML
echo "select 1 as id" > models/base.sql
cat > models/m.sql <<'SQL'
select '{{ var("country") }}' as country, {{ var('n') * 2 }} as n2, '{{ var("missing", "dflt") }}' as d,
  '{{ target.name }}/{{ target.type }}/{{ target.schema }}' as t, '{{ env_var("T68_REGION", "nowhere") }}' as region
from {{ ref('base') }} {% if target.type == 'postgres' %}-- pg{% else %}-- sqlite{% endif %}
SQL
# out: the compiled model m
out() { cat target/compiled/v/models/m.sql; }
unset T68_REGION T68_API_TOKEN || true
assert_exit 0 "$SLUICE" compile
assert_eq "defaults" "$(out)" "select 'fr' as country, 6 as n2, 'dflt' as d,
  'dev/sqlite/main' as t, 'nowhere' as region
from \"main\".\"base\" -- sqlite"
assert_exit 0 "$SLUICE" compile --vars '{country: de, missing: set}'
assert_eq "--vars YAML" "$(out)" "select 'de' as country, 6 as n2, 'set' as d,
  'dev/sqlite/main' as t, 'nowhere' as region
from \"main\".\"base\" -- sqlite"
T68_REGION=north assert_exit 0 "$SLUICE" compile --vars '{"n": 20}'
assert_eq "--vars JSON, env_var set" "$(out)" "select 'fr' as country, 40 as n2, 'dflt' as d,
  'dev/sqlite/main' as t, 'north' as region
from \"main\".\"base\" -- sqlite"
assert_exit 0 "$SLUICE" compile --target prod
assert_eq "--target prod" "$(out)" "select 'fr' as country, 6 as n2, 'dflt' as d,
  'prod/postgres/analytics' as t, 'nowhere' as region
from \"analytics\".\"base\" -- pg"
assert_exit 2 "$SLUICE" compile --target prdo
assert_contains "unknown target" "no target called 'prdo'; did you mean 'prod'?" "$T/err"
assert_exit 2 "$SLUICE" compile --vars '{country: [unclosed'
assert_contains "bad --vars" "--vars: not valid YAML or JSON" "$T/err"

# a var nobody sets, without default: dbt's words, at the call
printf 'select 1\nwhere day >= {{ var("start_date") }}\n' > models/need.sql
assert_exit 2 "$SLUICE" compile
assert_contains "missing var" "models/need.sql:2:17: Required var 'start_date' not found in config" "$T/err"
assert_exit 0 "$SLUICE" compile --vars '{start_date: 2024-01-01}'
assert_eq "var given" "$(cat target/compiled/v/models/need.sql)" "select 1
where day >= 2024-01-01"
rm models/need.sql

# env_var without default, unset: an error naming it
printf "select '{{ env_var('T68_UNSET_THING') }}'\n" > models/env.sql
assert_exit 2 "$SLUICE" compile
assert_contains "unset env_var" "models/env.sql:1:12: Env var required but not provided: 'T68_UNSET_THING'" "$T/err"
# a secret's value read by env_var is never shown, even when a template logs it
printf "{{ log('token is ' ~ env_var('T68_API_TOKEN'), info=True) }}select 1\n" > models/env.sql
T68_API_TOKEN=s3cr3t-t0ken-value assert_exit 0 "$SLUICE" compile
assert_contains "log line" "env: token is ***" "$T/err"
if grep -q "s3cr3t-t0ken-value" "$T/err" "$T/out"; then fail "the token was shown"; else ok; fi
# nor in the files under target/ written for people (compiled SQL, manifest)
printf "select '{{ env_var('T68_API_TOKEN') }}' as t\n" > models/env.sql
T68_API_TOKEN=s3cr3t-t0ken-value assert_exit 0 "$SLUICE" compile
assert_eq "compiled copy" "$(cat target/compiled/v/models/env.sql)" "select '***' as t"
if grep -rq "s3cr3t-t0ken-value" target; then fail "the token is in target/"; else ok; fi
finish
