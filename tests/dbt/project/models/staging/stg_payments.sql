{#- stg_payments: ephemeral (config in _staging.yml): inlined as a CTE wherever it is ref()'d. -#}
select
    id as payment_id,
    order_id,
    {{ normalize_text('method') }} as method,
    amount_cents
from {{ ref('raw_payments') }}
