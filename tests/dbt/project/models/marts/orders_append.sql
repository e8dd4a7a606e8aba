{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='ignore') }}
{#- orders_append: appends orders with a larger id than any loaded; a column
    added by --vars is ignored (on_schema_change: ignore). -#}
select
    order_id,
    customer_id,
    order_date,
    status,
    amount_cents
    {%- if var('include_channel', false) %},
    {{ channel_expr('amount_cents') }} as channel
    {%- endif %}
from {{ ref('stg_orders') }}
{% if is_incremental() %}
where order_id > (select max(order_id) from {{ this }})
{% endif %}
