{#- contacts_engaged: each CRM contact with its engagement metrics: the
    rows the lead score's rules read. -#}
select
    c.*,
    coalesce(e.events_7d, 0) as events_7d,
    coalesce(e.events_30d, 0) as events_30d,
    coalesce(e.events_90d, 0) as events_90d,
    e.days_since_last_activity
from {{ ref('stg_contacts') }} c
left join {{ ref('engagement') }} e on e.contact_id = c.contact_id
