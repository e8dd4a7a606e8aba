{#- account_health: one row per account: seats, active users, feature usage,
    the usage trend (the last `health_window_days` days against the ones
    before), the last activity and a 0-100 health score. Days are counted
    back from the newest event, so the mart reads the same whenever it is built. -#}
{%- set window = var('health_window_days', 2) -%}
with events as (
    select * from {{ ref('stg_events') }}
),
as_of as (
    select max(event_date) as as_of_date from events
),
usage as (
    select
        e.account_id,
        count(*) as events_total,
        count(distinct e.user_id) as active_users,
        sum(case when {{ days_between('e.event_date', 'a.as_of_date') }} < {{ window }} then 1 else 0 end) as events_recent,
        sum(case when {{ days_between('e.event_date', 'a.as_of_date') }} >= {{ window }}
                  and {{ days_between('e.event_date', 'a.as_of_date') }} < {{ window * 2 }} then 1 else 0 end) as events_prior,
        max(e.event_at) as last_activity_at,
        max(e.event_date) as last_activity_date,
        {{ feature_columns('e.feature') }}
    from events e
    cross join as_of a
    group by e.account_id
),
seats as (
    select
        account_id,
        count(*) as seats,
        sum(case when lifecycle_stage = 'customer' then 1 else 0 end) as customer_contacts
    from {{ ref('stg_contacts') }}
    group by account_id
),
scored as (
    select
        acc.account_id,
        acc.account_name,
        acc.plan,
        acc.mrr,
        acc.owner_team,
        coalesce(s.seats, 0) as seats,
        coalesce(u.active_users, 0) as active_users,
        coalesce(u.events_recent, 0) as events_recent,
        coalesce(u.events_prior, 0) as events_prior,
        {%- for f in var('tracked_features') %}
        coalesce(u.{{ f }}_uses, 0) as {{ f }}_uses,
        {%- endfor %}
        case
            when coalesce(u.events_recent, 0) = 0 and coalesce(u.events_prior, 0) = 0 then 'inactive'
            when u.events_recent * 10 > u.events_prior * 11 then 'growing'
            when u.events_recent * 10 < u.events_prior * 9 then 'declining'
            else 'flat'
        end as usage_trend,
        u.last_activity_at,
        {{ days_between('u.last_activity_date', 'a.as_of_date') }} as days_since_last_activity
    from {{ ref('stg_accounts') }} acc
    cross join as_of a
    left join usage u on u.account_id = acc.account_id
    left join seats s on s.account_id = acc.account_id
)
select
    *,
    {{ cap("(case usage_trend when 'growing' then 40 when 'flat' then 30 when 'declining' then 10 else 0 end)"
           ~ " + " ~ cap('events_recent', hi=40)
           ~ " + (case when days_since_last_activity is null then 0 when days_since_last_activity <= 1 then 20 else 5 end)") }}
        as health_score
from scored
