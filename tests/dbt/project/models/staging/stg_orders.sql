{{ config(tags=['orders']) }}
{#- stg_orders: reads the raw_orders seed through source() (declared in
    _staging.yml); a source has no edge to the seed that fills it, so the
    dependency is declared with dbt's depends_on comment. -#}
-- depends_on: {{ ref('raw_orders') }}
select
    id as order_id,
    customer_id,
    order_date,
    {{ normalize_text('status') }} as status,
    amount_cents,
    updated_at
from {{ source('shop', 'raw_orders') }}
