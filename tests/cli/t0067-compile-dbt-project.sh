#!/bin/sh
# t0067: `sluice compile` on a small dbt project (dbt_project.yml, no
# sluice.yml): every model, test (generic and singular), analysis and
# snapshot is rendered to target/compiled/<project>/<path>, with refs as
# quoted relations, the custom schema rule (<target schema>_<custom>), a
# project macro and a for loop, vars, an ephemeral model inlined as a CTE,
# and target/manifest.json lists the nodes with their dependencies. The
# compiled files' content is checked byte for byte; -s compiles a selection.
. "$SRC/tests/cli/lib.sh"
mkdir -p p && cd p
cat > dbt_project.yml <<'YML'
name: jaffle
version: '1.0'
config-version: 2
profile: jaffle
vars:
  currency: usd
models:
  jaffle:
    staging:
      +materialized: view
    marts:
      +materialized: table
      +schema: marts
YML
mkdir -p seeds models/staging models/marts macros tests analyses snapshots
printf 'id,customer_id,amount_cents,status\n1,7,1250,paid\n2,7,300,refunded\n3,8,990,paid\n' > seeds/raw_orders.csv
cat > macros/money.sql <<'SQL'
{% macro cents_to_dollars(col, scale=2) -%}
round({{ col }} / 100.0, {{ scale }})
{%- endmacro %}
SQL
cat > models/staging/stg_orders.sql <<'SQL'
select id as order_id, customer_id, amount_cents, status
from {{ ref('raw_orders') }}
SQL
cat > models/staging/paid_orders.sql <<'SQL'
{{ config(materialized='ephemeral') }}
select * from {{ ref('stg_orders') }} where status = 'paid'
SQL
cat > models/marts/revenue.sql <<'SQL'
{% set statuses = ['paid', 'refunded'] -%}
select
    customer_id,
    {%- for s in statuses %}
    sum(case when status = '{{ s }}' then {{ cents_to_dollars('amount_cents') }} else 0 end) as {{ s }}_{{ var('currency') }}{{ "," if not loop.last }}
    {%- endfor %}
from {{ ref('paid_orders') }}
group by customer_id
SQL
cat > models/marts/schema.yml <<'YML'
version: 2
models:
  - name: revenue
    description: revenue per customer
    columns:
      - name: customer_id
        tests: [unique, not_null]
YML
cat > models/staging/_sources.yml <<'YML'
version: 2
sources:
  - name: shop
    schema: main
    tables:
      - name: customers
models:
  - name: stg_customers
    columns:
      - name: customer_id
        tests:
          - relationships:
              to: source('shop', 'customers')
              field: id
      - name: tier
        tests:
          - accepted_values: {values: ['gold', 'silver'], config: {where: "customer_id > 0"}}
          - is_lowercase
YML
cat > models/staging/stg_customers.sql <<'SQL'
select id as customer_id, lower(tier) as tier from {{ source('shop', 'customers') }}
SQL
mkdir -p tests/generic && cat > tests/generic/is_lowercase.sql <<'SQL'
{% test is_lowercase(model, column_name) %}
select * from {{ model }} where {{ column_name }} <> lower({{ column_name }})
{% endtest %}
SQL
cat > tests/assert_no_negative_revenue.sql <<'SQL'
select * from {{ ref('revenue') }} where paid_{{ var('currency') }} < 0
SQL
cat > analyses/top_customers.sql <<'SQL'
select * from {{ ref('revenue') }} order by paid_usd desc limit {{ var('top_n', 10) }}
SQL
cat > snapshots/orders.sql <<'SQL'
{% snapshot orders_snapshot %}
{{ config(target_schema='snapshots', unique_key='order_id', strategy='check', check_cols=['status']) }}
select * from {{ ref('stg_orders') }}
{% endsnapshot %}
SQL
assert_exit 0 "$SLUICE" compile
assert_contains "summary" "compiled 4 models, 6 tests, 1 snapshot, 1 analysis into target/compiled/jaffle" "$T/err"
C=target/compiled/jaffle
# want FILE: the file's bytes, then <<END>> (so a missing final newline shows)
want() {
  if [ ! -f "$1" ]; then fail "$1 was not written"; cat > /dev/null; return; fi
  { cat "$1"; echo '<<END>>'; } > "$T/got"
  cat > "$T/want"
  if cmp -s "$T/got" "$T/want"; then ok; else fail "$1: $(diff "$T/want" "$T/got")"; fi
}
want $C/models/staging/stg_orders.sql <<'X'
select id as order_id, customer_id, amount_cents, status
from "main"."raw_orders"<<END>>
X
want $C/models/staging/stg_customers.sql <<'X'
select id as customer_id, lower(tier) as tier from "main"."customers"<<END>>
X
# an ephemeral model is compiled too, and inlined where it is ref()'d
want $C/models/staging/paid_orders.sql <<'X'

select * from "main"."stg_orders" where status = 'paid'<<END>>
X
# the marts folder's +schema: marts lands in <target schema>_marts; a macro, a loop, a var
want $C/models/marts/revenue.sql <<'X'
with __sluice_cte__paid_orders as (

select * from "main"."stg_orders" where status = 'paid'
)
select
    customer_id,
    sum(case when status = 'paid' then round(amount_cents / 100.0, 2) else 0 end) as paid_usd,
    sum(case when status = 'refunded' then round(amount_cents / 100.0, 2) else 0 end) as refunded_usd
from __sluice_cte__paid_orders
group by customer_id<<END>>
X
want $C/analyses/top_customers.sql <<'X'
select * from "main_marts"."revenue" order by paid_usd desc limit 10<<END>>
X
want $C/tests/assert_no_negative_revenue.sql <<'X'
select * from "main_marts"."revenue" where paid_usd < 0<<END>>
X
want $C/snapshots/orders_snapshot.sql <<'X'


select * from "main"."stg_orders"<<END>>
X
want $C/models/marts/schema.yml/unique_revenue_customer_id.sql <<'X'

select
    customer_id as unique_field,
    count(*) as n_records
from "main_marts"."revenue"
where customer_id is not null
group by customer_id
having count(*) > 1
<<END>>
X
want $C/models/marts/schema.yml/not_null_revenue_customer_id.sql <<'X'

select customer_id
from "main_marts"."revenue"
where customer_id is null
<<END>>
X
want $C/models/staging/_sources.yml/accepted_values_stg_customers_tier__gold__silver.sql <<'X'

with all_values as (
    select
        tier as value_field,
        count(*) as n_records
    from (select * from "main"."stg_customers" where customer_id > 0) dbt_subquery
    group by tier
)
select *
from all_values
where value_field not in (
    'gold','silver'
)
<<END>>
X
want $C/models/staging/_sources.yml/relationships_stg_customers_customer_id__id__source_shop_customers_.sql <<'X'

with child as (
    select customer_id as from_field
    from "main"."stg_customers"
    where customer_id is not null
),
parent as (
    select id as to_field
    from "main"."customers"
)
select
    from_field
from child
left join parent
    on child.from_field = parent.to_field
where parent.to_field is null
<<END>>
X
want $C/models/staging/_sources.yml/is_lowercase_stg_customers_tier.sql <<'X'

select * from "main"."stg_customers" where tier <> lower(tier)
<<END>>
X
assert_eq "files written" "$(find target/compiled -type f | wc -l)" 12
# the manifest: nodes, dependencies, parent and child maps
python3 - > "$T/manifest" <<'PY'
import json
m = json.load(open("target/manifest.json"))
n = m["nodes"]
print(m["metadata"]["project_name"], m["metadata"]["target_type"], len(n), len(m["sources"]))
r = n["model.jaffle.revenue"]
print(r["resource_type"], r["path"], r["original_file_path"], r["relation_name"], r["config"]["materialized"],
      r["depends_on"]["nodes"], r["compiled"], r["compiled_code"].startswith("with __sluice_cte__paid_orders as ("))
print(n["model.jaffle.paid_orders"]["relation_name"], n["seed.jaffle.raw_orders"]["relation_name"])
t = n["test.jaffle.unique_revenue_customer_id"]
print(t["test_metadata"]["name"], t["test_metadata"]["column_name"], t["attached_node"])
print(m["parent_map"]["model.jaffle.stg_customers"], m["child_map"]["model.jaffle.stg_orders"])
print(m["sources"]["source.jaffle.shop.customers"]["relation_name"])
PY
want "$T/manifest" <<'X'
jaffle sqlite 13 1
model marts/revenue.sql models/marts/revenue.sql "main_marts"."revenue" table ['model.jaffle.paid_orders'] True True
None "main"."raw_orders"
unique customer_id model.jaffle.revenue
['source.jaffle.shop.customers'] ['model.jaffle.paid_orders', 'snapshot.jaffle.orders_snapshot']
"main"."customers"
<<END>>
X
# --json: one document naming each compiled node and its file
assert_exit 0 "$SLUICE" --json compile
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["failed"], len(d["compiled"]), [c["path"] for c in d["compiled"] if c["unique_id"] == "model.jaffle.revenue"])
' "$T/out" > "$T/json"
want "$T/json" <<'X'
0 12 ['target/compiled/jaffle/models/marts/revenue.sql']
<<END>>
X
# a selection compiles only what it selects, with the tests of what it
# selects (dbt's indirect selection); the manifest still lists every node
rm -rf target
assert_exit 0 "$SLUICE" compile -s revenue
assert_eq "selected files" "$(cd target/compiled && find . -type f | sort)" "./jaffle/models/marts/revenue.sql
./jaffle/models/marts/schema.yml/not_null_revenue_customer_id.sql
./jaffle/models/marts/schema.yml/unique_revenue_customer_id.sql
./jaffle/tests/assert_no_negative_revenue.sql"
assert_eq "manifest compiled flags" "$(python3 -c '
import json; n = json.load(open("target/manifest.json"))["nodes"]
print(n["model.jaffle.revenue"]["compiled"], n["model.jaffle.stg_orders"]["compiled"], len(n))')" "True False 13"
assert_exit 2 "$SLUICE" compile -s revenu
assert_contains "unknown selection" "revenu" "$T/err"
finish
