{#- leads: when each person became a lead: the first time they gave an
    e-mail (a product sign-up or a form fill on the website); the
    w_shaped attribution's lead-creation milestone. -#}
select m.entity_id, min(m.first_seen) as created_at
from {{ ref('people_map') }} m
where m.identifier_type = 'email' and m.entity_id is not null
group by m.entity_id
