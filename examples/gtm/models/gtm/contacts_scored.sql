{#- contacts_scored: each CRM contact with its lead score and its
    opportunities: the row the lifecycle model's stage conditions read. -#}
with opps as (
    select
        contact_id,
        sum(case when stage = 'open' then 1 else 0 end) as open_opportunities,
        sum(case when stage = 'won' then 1 else 0 end) as won_opportunities
    from {{ ref('opportunities') }}
    group by contact_id
)
select
    c.contact_id,
    c.email,
    c.lifecycle_stage as crm_stage,
    s.score,
    s.grade,
    s.is_mql,
    coalesce(o.open_opportunities, 0) as open_opportunities,
    coalesce(o.won_opportunities, 0) as won_opportunities
from {{ ref('stg_contacts') }} c
left join {{ ref('lead_score') }} s on s.contact_id = c.contact_id
left join opps o on o.contact_id = c.contact_id
