#!/bin/sh
# t0091: the lookup transform on the SQLite warehouse (docs/gtm/transforms.md):
# rows enriched from a model's table by key, hits and misses under on_miss
# keep / drop / reject (the DLQ names the key), keys compared by their key
# form (10 and 10.0 match), duplicate keys (first wins; `duplicates: error`
# fails naming the key), a renamed column, declared types kept, a query:
# lookup, and the DAG: a pipeline whose lookup reads a model runs after it
# (and after the pipeline that loads the model's input).
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines p/models p/data
cat > p/sluice.yml <<'YML'
name: lk
models:
  lk:
    +materialized: table
YML
printf 'id,name,plan,employees\n10,Acme,pro,50\n20,Globex,free,\n10,Acme again,team,1\n' > p/data/accounts.csv
printf 'id,email,account_id\n1,a@x.io,10\n2,b@y.io,20\n3,c@z.io,99\n4,d@w.io,\n5,e@x.io,10.0\n' > p/data/contacts.csv
cat > p/pipelines/load_accounts.yml <<'YML'
source: {type: csv, path: data/accounts.csv}
sinks: [{type: sqlite, table: raw_accounts}]
YML
echo "select id, name, plan, employees from {{ ref('load_accounts') }} order by rowid" > p/models/accounts.sql
for m in keep drop reject; do cat > p/pipelines/enrich_$m.yml <<YML
source: {type: csv, path: data/contacts.csv}
transforms:
  - {type: lookup, from: accounts, key: {account_id: id}, columns: [name, plan as account_plan, employees], on_miss: $m}
sinks: [{type: sqlite, table: enriched_$m}]
YML
done
cat > p/pipelines/pro_only.yml <<'YML'
source: {type: csv, path: data/contacts.csv}
transforms:
  - type: lookup
    query: "SELECT id, upper(name) AS uname FROM accounts WHERE plan = 'pro'"
    key: {account_id: id}
    columns: [uname]
    on_miss: drop
sinks: [{type: sqlite, table: pro_only}]
YML
cat > p/pipelines/strict.yml <<'YML'
source: {type: csv, path: data/contacts.csv}
transforms:
  - {type: lookup, from: accounts, key: {account_id: id}, columns: [name], duplicates: error}
sinks: [{type: sqlite, table: strict}]
YML
cd p
assert_exit 0 "$SLUICE" validate
# the DAG: load_accounts, then the model, then every pipeline that looks it up
assert_exit 0 "$SLUICE" ls -s +enrich_keep --output name
assert_eq "DAG: its upstreams" "$(sort "$T/out" | tr '\n' ' ')" "accounts enrich_keep load_accounts "
assert_exit 0 "$SLUICE" ls -s +pro_only --output name
assert_eq "a query: lookup is in the DAG too" "$(sort "$T/out" | tr '\n' ' ')" "accounts load_accounts pro_only "
# build runs them in DAG order: the model after the pipeline loading its input, the lookups after the model
assert_exit 1 "$SLUICE" build
assert_contains "order" "1 of 7 OK ran pipeline load_accounts" "$T/out"
assert_contains "order" "2 of 7 OK created table model main.accounts" "$T/out"
assert_contains "duplicates: error names the key" "accounts has more than one row for the key (10) (duplicates: error)" "$T/out"
w=warehouse.db
# keep: every row, nulls on a miss; 10.0 matches 10; the first of the two rows of key 10
assert_eq "keep" "$(q $w "select id, coalesce(name,'-'), coalesce(account_plan,'-'), coalesce(employees,'-') from enriched_keep order by id")" "1|Acme|pro|50
2|Globex|free|-
3|-|-|-
4|-|-|-
5|Acme|pro|50"
assert_eq "types kept" "$(q $w "select group_concat(name || ' ' || type, ', ') from pragma_table_info('enriched_keep')")" \
  "id INTEGER, email TEXT, account_id REAL, name TEXT, account_plan TEXT, employees INTEGER"
assert_eq "drop" "$(q $w "select group_concat(id) from enriched_drop")" "1,2,5"
assert_eq "reject" "$(q $w "select group_concat(id) from enriched_reject")" "1,2,5"
assert_eq "the DLQ names the key" "$(q .sluice/state.db "select reason from dlq where pipeline = 'enrich_reject' order by line")" \
  "lookup: no accounts row for account_id = 99.0
lookup: no accounts row for account_id = null"
assert_eq "query lookup" "$(q $w "select id || ':' || uname from pro_only order by id")" "1:ACME
5:ACME"
assert_eq "accounting (read = loaded + filtered + rejected)" \
  "$(q .sluice/state.db "select pipeline || ' ' || rows_read || ' ' || rows_loaded || ' ' || rows_filtered || ' ' || rows_rejected from runs where pipeline like 'enrich%' order by pipeline")" \
  "enrich_drop 5 3 2 0
enrich_keep 5 5 0 0
enrich_reject 5 3 0 2"
# validate: an added column that is there already, a key column that is not
cat > pipelines/bad.yml <<'YML'
source: {type: csv, path: data/contacts.csv}
transforms:
  - {type: lookup, from: accounts, key: {acount_id: id}, columns: [email]}
sinks: [{type: sqlite, table: bad}]
YML
assert_exit 1 "$SLUICE" validate
assert_contains "unknown key column" "no column 'acount_id'; did you mean 'account_id'?" "$T/err"
assert_contains "added column clash" "column 'email' is there already" "$T/err"
finish
