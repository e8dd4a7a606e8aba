{#- stg_events: product events with the contact they belong to (user ids are
    u_<contact id>) and the day they happened. -#}
select
    event,
    user_id,
    cast(substr(user_id, 3) as integer) as contact_id,
    account_id,
    ts as event_at,
    {{ to_day('ts') }} as event_date,
    feature,
    os
from {{ source('product', 'events') }}
