#!/bin/sh
# t0056: a folder with dbt_project.yml and no sluice.yml is a sluice
# project: `sluice ls` reads its standard keys (name, version,
# config-version, profile, require-dbt-version, the *-paths, target-path,
# clean-targets, vars, the models:/seeds:/snapshots:/data_tests: trees with
# and without '+') and lists every node (models, seeds, snapshots, sources,
# generic tests named as dbt names them, singular tests, analyses) as dbt
# does, with dbt's selection (-s/--exclude, graph operators, tag:, path:,
# config.materialized:, intersections) and --resource-type, --output
# name|path|json and --json.
. "$SRC/tests/cli/lib.sh"
mkdir -p shop/transform/staging shop/transform/marts shop/data shop/snapshots shop/macros shop/tests shop/analyses
cat > shop/dbt_project.yml <<'YML'
name: 'jaffle_shop'
version: '1.0.0'
config-version: 2
profile: 'jaffle_shop'
require-dbt-version: [">=1.5.0", "<2.0.0"]
model-paths: ["transform"]
seed-paths: ["data"]
target-path: "out"
clean-targets: ["out", "dbt_packages"]
vars:
  payment_methods: ['credit_card', 'coupon']
models:
  jaffle_shop:
    +materialized: table
    staging:
      materialized: view
      +tags: ["staging"]
seeds:
  jaffle_shop:
    +column_types: {id: integer}
snapshots:
  jaffle_shop:
    +target_schema: snapshots
data_tests:
  +severity: warn
YML
printf 'id,first_name\n1,Ann\n' > shop/data/raw_customers.csv
printf 'id,user_id,status\n1,1,placed\n' > shop/data/raw_orders.csv
cat > shop/transform/staging/stg_customers.sql <<'SQL'
select id as customer_id, first_name from {{ ref('raw_customers') }}
SQL
cat > shop/transform/staging/stg_orders.sql <<'SQL'
select id as order_id, user_id as customer_id, status from {{ ref('raw_orders') }}
SQL
cat > shop/transform/staging/stg_payments.sql <<'SQL'
select * from {{ source('stripe', 'payment') }}
SQL
cat > shop/transform/marts/customers.sql <<'SQL'
with c as (select * from {{ ref('stg_customers') }}), o as (select * from {{ ref('stg_orders') }})
select c.customer_id, count(o.order_id) as orders from c left join o using (customer_id) group by 1
SQL
cat > shop/transform/marts/orders.sql <<'SQL'
{{ config(materialized='incremental', unique_key='order_id') }}
select o.*, p.amount from {{ ref('stg_orders') }} o left join {{ ref('stg_payments') }} p on p.order_id = o.order_id
SQL
cat > shop/transform/schema.yml <<'YML'
version: 2
sources:
  - name: stripe
    schema: raw
    tables:
      - name: payment
        columns:
          - name: id
            data_tests: [unique]
models:
  - name: customers
    description: One row per customer
    columns:
      - name: customer_id
        data_tests: [unique, not_null]
  - name: orders
    columns:
      - name: status
        data_tests:
          - accepted_values:
              values: ['placed', 'shipped', 'completed']
      - name: customer_id
        data_tests:
          - relationships:
              to: ref('customers')
              field: customer_id
YML
cat > shop/snapshots/orders_snapshot.sql <<'SQL'
{% snapshot orders_snapshot %}
{{ config(unique_key='order_id', strategy='check', check_cols=['status']) }}
select * from {{ ref('stg_orders') }}
{% endsnapshot %}
SQL
cat > shop/macros/cents.sql <<'SQL'
{% macro cents_to_dollars(col) %}({{ col }} / 100.0){% endmacro %}
SQL
cat > shop/tests/assert_positive_orders.sql <<'SQL'
select * from {{ ref('customers') }} where orders < 0
SQL
cat > shop/analyses/order_mix.sql <<'SQL'
select status, count(*) from {{ ref('orders') }} group by 1
SQL
cd shop

assert_exit 0 "$SLUICE" ls
cat > "$T/want" <<'OUT'
jaffle_shop.order_mix
jaffle_shop.marts.customers
jaffle_shop.marts.orders
jaffle_shop.staging.stg_customers
jaffle_shop.staging.stg_orders
jaffle_shop.staging.stg_payments
jaffle_shop.raw_customers
jaffle_shop.raw_orders
jaffle_shop.orders_snapshot
source:jaffle_shop.stripe.payment
jaffle_shop.accepted_values_orders_status__placed__shipped__completed
jaffle_shop.assert_positive_orders
jaffle_shop.not_null_customers_customer_id
jaffle_shop.relationships_orders_customer_id__customer_id__ref_customers_
jaffle_shop.source_unique_stripe_payment_id
jaffle_shop.unique_customers_customer_id
OUT
assert_eq "ls: every node, dbt's selectors" "$(cat "$T/out")" "$(cat "$T/want")"
assert_eq "no sluice.yml was written" "$(ls -A . | tr '\n' ' ')" "analyses data dbt_project.yml macros snapshots tests transform "

# selection: ancestors, descendants with depth, tags, paths, config, intersections, exclusion
assert_exit 0 "$SLUICE" ls -s +customers --output name --resource-type model seed
assert_eq "+customers" "$(tr '\n' ' ' < "$T/out")" "customers stg_customers stg_orders raw_customers raw_orders "
assert_exit 0 "$SLUICE" ls -s stg_orders+1 --output name
assert_eq "stg_orders+1 (tests go with their models)" "$(tr '\n' ' ' < "$T/out")" \
  "customers orders stg_orders orders_snapshot accepted_values_orders_status__placed__shipped__completed assert_positive_orders not_null_customers_customer_id relationships_orders_customer_id__customer_id__ref_customers_ unique_customers_customer_id "
assert_exit 0 "$SLUICE" ls -s tag:staging --exclude stg_payments --output path
assert_eq "tag:staging minus one" "$(tr '\n' ' ' < "$T/out")" "transform/staging/stg_customers.sql transform/staging/stg_orders.sql "
assert_exit 0 "$SLUICE" ls -s path:transform/marts,config.materialized:incremental --resource-type model --output name
assert_eq "intersection" "$(cat "$T/out")" "orders"
assert_exit 0 "$SLUICE" ls -s source:stripe+ --resource-type model source --output name
assert_eq "source:stripe+" "$(tr '\n' ' ' < "$T/out")" "orders stg_payments stripe.payment "

# configs resolved from the trees (with and without +), JSON lines like dbt's
assert_exit 0 "$SLUICE" ls --output json
python3 - "$T/out" > "$T/cfg" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    n = json.loads(line)
    c = n["config"]
    print(n["unique_id"], c.get("materialized"), ",".join(c["tags"]), c.get("severity", "-"), n["original_file_path"], ",".join(n["depends_on"]["nodes"]))
PY
assert_contains "staging view, tagged" "model.jaffle_shop.stg_orders view staging - transform/staging/stg_orders.sql seed.jaffle_shop.raw_orders" "$T/cfg"
assert_contains "marts table" "model.jaffle_shop.customers table  - transform/marts/customers.sql model.jaffle_shop.stg_customers,model.jaffle_shop.stg_orders" "$T/cfg"
assert_contains "config() wins" "model.jaffle_shop.orders incremental  -" "$T/cfg"
assert_contains "data_tests tree severity" "test.jaffle_shop.unique_customers_customer_id test  warn transform/schema.yml model.jaffle_shop.customers" "$T/cfg"
assert_contains "relationships depends on both" "relationships_orders_customer_id__customer_id__ref_customers_ test  warn transform/schema.yml model.jaffle_shop.customers,model.jaffle_shop.orders" "$T/cfg"

# --json: one document
assert_exit 0 "$SLUICE" --json ls -s resource_type:seed
assert_eq "--json" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["schema_version"], [n["name"] for n in d["nodes"]])' "$T/out")" "1 ['raw_customers', 'raw_orders']"

# a misspelt selector is an error with the closest name
assert_exit 2 "$SLUICE" ls -s stg_order
assert_contains "suggestion" "sluice: error: --select 'stg_order': no node called 'stg_order'; did you mean 'stg_orders'?" "$T/err"
assert_exit 2 "$SLUICE" ls --resource-type modle
assert_contains "resource type" "sluice ls: unknown resource type 'modle'; did you mean 'model'?" "$T/err"
finish
