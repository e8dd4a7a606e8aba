{#- orders_merge: incremental merge on order_id (config in _marts.yml): rows
    updated since the last run replace theirs; a column added by --vars is
    appended (on_schema_change: append_new_columns), NULL in rows not merged. -#}
select
    order_id,
    customer_id,
    status,
    amount_cents,
    updated_at
    {%- if var('include_channel', false) %},
    {{ channel_expr('amount_cents', threshold=2000) }} as channel
    {%- endif %}
from {{ ref('stg_orders') }}
{% if is_incremental() %}
where updated_at > (select max(updated_at) from {{ this }})
{% endif %}
