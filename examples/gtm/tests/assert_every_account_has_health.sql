-- Singular test: every account of the CRM has a row in account_health (returned rows fail).
select a.account_id
from {{ ref('stg_accounts') }} a
left join {{ ref('account_health') }} h on h.account_id = a.account_id
where h.account_id is null
