{#- conversions: won opportunities with the person of their contact (the
    identity map's crm_id), when it was created and when it was won. -#}
select
    o.opportunity_id,
    m.entity_id,
    o.contact_id,
    o.created_at,
    o.closed_at as converted_at,
    o.amount
from {{ ref('opportunities') }} o
join {{ ref('people_map') }} m
  on m.identifier_type = 'crm_id' and m.identifier_value = cast(o.contact_id as text)
where o.stage = 'won' and m.entity_id is not null
