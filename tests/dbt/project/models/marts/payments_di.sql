{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='order_id',
        on_schema_change='sync_all_columns'
    )
}}
{#- payments_di: payments per order, delete+insert from the last order on;
    --vars include_channel=true drops legacy_flag and adds max_payment_cents
    (on_schema_change: sync_all_columns). -#}
select
    order_id,
    count(*) as payment_count,
    cast(sum(amount_cents) as bigint) as paid_cents,
    {%- if var('include_channel', false) %}
    cast(max(amount_cents) as bigint) as max_payment_cents
    {%- else %}
    'v1' as legacy_flag
    {%- endif %}
from {{ ref('stg_payments') }}
{% if is_incremental() %}
where order_id >= (select max(order_id) from {{ this }})
{% endif %}
group by order_id
