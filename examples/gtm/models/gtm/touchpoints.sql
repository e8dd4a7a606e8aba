{#- touchpoints: every website visit of a known person (the identity map
    gives its anonymous id's entity), with its channel, campaign and cost:
    the touches the attribution model credits. -#}
select
    m.entity_id,
    v.visited_at as touched_at,
    v.channel,
    v.utm_campaign as campaign,
    v.cost
from {{ ref('web_visits') }} v
join {{ ref('people_map') }} m
  on m.identifier_type = 'anonymous_id' and m.identifier_value = v.anonymous_id
where m.entity_id is not null
