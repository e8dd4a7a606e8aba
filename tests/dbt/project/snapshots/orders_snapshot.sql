{#- orders_snapshot: SCD type 2 by timestamp; an order gone from the export
    is closed (hard_deletes: invalidate). -#}
{% snapshot orders_snapshot %}
{{
    config(
        unique_key='id',
        strategy='timestamp',
        updated_at='updated_at',
        hard_deletes='invalidate'
    )
}}
select id, customer_id, status, amount_cents, updated_at
from {{ ref('raw_orders') }}
{% endsnapshot %}
