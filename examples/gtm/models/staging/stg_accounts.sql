{#- stg_accounts: the accounts pipeline's table with MRR as a number. -#}
select
    account_id,
    name as account_name,
    plan,
    cast(mrr as {{ 'numeric(12, 2)' if target.type == 'postgres' else 'real' }}) as mrr,
    owner_name,
    owner_team,
    created_at
from {{ source('crm', 'accounts') }}
