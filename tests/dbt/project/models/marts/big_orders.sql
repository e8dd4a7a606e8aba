{#- big_orders: a view (dbt_project.yml names it), filtered by a var (--vars overrides it). -#}
select order_id, customer_id, amount_cents
from {{ ref('sl_shop', 'stg_orders') }}
where amount_cents >= {{ var('min_amount_cents') }}
{%- for s in var('excluded_statuses', []) %}
  and status <> '{{ s }}'
{%- else %}
  and 1 = 1
{%- endfor %}
