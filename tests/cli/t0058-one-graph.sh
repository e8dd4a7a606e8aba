#!/bin/sh
# t0058: pipelines and models form one DAG. A model reading a table a
# pipeline loads (a source: in yml, or ref('pipeline')) comes after that
# pipeline; a pipeline whose SQL source reads a model's table comes after
# the model; after: works across both (a pipeline after a model, a model
# after a pipeline). `sluice ls` selects across them, `sluice validate`
# checks the models layer too, and `sluice list` keeps working.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines p/models/staging p/models/marts p/data
cat > p/sluice.yml <<'YML'
name: gtm
models:
  gtm:
    marts:
      +materialized: table
YML
printf 'id,email\n1,a@x.io\n' > p/data/contacts.csv
cat > p/pipelines/contacts.yml <<'YML'
source: {type: csv, path: data/contacts.csv}
sinks:
  - {type: sqlite, table: raw_contacts}
YML
cat > p/pipelines/accounts.yml <<'YML'
source: {type: csv, path: data/contacts.csv}
sinks:
  - {type: sqlite, table: raw_accounts}
YML
cat > p/pipelines/sync.yml <<'YML'
source: {type: sqlite, query: "SELECT id, score FROM account_health WHERE score > 0"}
sinks:
  - {type: csv, path: out/health.csv}
YML
cat > p/pipelines/audit.yml <<'YML'
after: [lead_scores]
source: {type: csv, path: data/contacts.csv}
sinks:
  - {type: csv, path: out/audit.csv}
YML
cat > p/models/staging/sources.yml <<'YML'
version: 2
sources:
  - name: crm
    tables:
      - name: contacts
        identifier: raw_contacts
YML
echo "select * from {{ source('crm', 'contacts') }}" > p/models/staging/stg_contacts.sql
echo "select * from {{ ref('accounts') }}" > p/models/staging/stg_accounts.sql
echo "select a.id, 1 as score from {{ ref('stg_accounts') }} a join {{ ref('stg_contacts') }} c on c.id = a.id" \
  > p/models/marts/account_health.sql
cat > p/models/marts/lead_scores.sql <<'SQL'
{{ config(after=['contacts']) }}
select id from {{ ref('stg_contacts') }}
SQL
cd p

assert_exit 0 "$SLUICE" validate
assert_contains "validate counts the models layer" "valid (4 pipelines, 5 model-layer nodes)" "$T/err"

assert_exit 0 "$SLUICE" ls -s +sync --output name
assert_eq "+sync: the loads, the models, the reverse ETL" "$(tr '\n' ' ' < "$T/out")" \
  "account_health stg_accounts stg_contacts accounts contacts sync crm.contacts "
assert_exit 0 "$SLUICE" ls -s contacts+ --output name
assert_eq "contacts+: everything downstream of the load" "$(tr '\n' ' ' < "$T/out")" \
  "account_health lead_scores stg_contacts audit contacts sync crm.contacts "
assert_exit 0 "$SLUICE" ls -s 1+audit --output name
assert_eq "after: a model" "$(tr '\n' ' ' < "$T/out")" "lead_scores audit "
assert_exit 0 "$SLUICE" ls -s resource_type:pipeline --output json
python3 - "$T/out" > "$T/deps" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    n = json.loads(line)
    print(n["name"], n["depends_on"]["nodes"])
PY
cat > "$T/want" <<'OUT'
accounts []
audit ['model.gtm.lead_scores']
contacts []
sync ['model.gtm.account_health']
OUT
assert_eq "pipelines' upstreams" "$(cat "$T/deps")" "$(cat "$T/want")"

# sluice list (pipelines only) still works with an after: naming a model
assert_exit 0 "$SLUICE" list
assert_contains "list" "audit" "$T/out"

# a pipelines-only project is unchanged: ls lists its pipelines
mkdir "$T/q" "$T/q/pipelines" && cd "$T/q"
echo "name: q" > sluice.yml
cp "$T/p/pipelines/contacts.yml" pipelines/
assert_exit 0 "$SLUICE" ls
assert_eq "pipelines-only" "$(cat "$T/out")" "pipeline:q.contacts"
assert_exit 0 "$SLUICE" validate
assert_contains "pipelines-only validate" "valid (1 pipeline)" "$T/err"
finish
