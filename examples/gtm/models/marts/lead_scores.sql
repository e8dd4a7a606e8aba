{{
    config(
        materialized='incremental',
        unique_key='contact_id',
        incremental_strategy='merge',
        on_schema_change='append_new_columns'
    )
}}
{#- lead_scores: a 0-100 score per contact from the CRM's own score, the
    contact's funnel stage and their product usage; incremental: a run
    rescores only the contacts the CRM updated since the last one and merges
    them by contact_id. -#}
with contacts as (
    select * from {{ ref('stg_contacts') }}
    {% if is_incremental() -%}
    where updated_at > (select max(updated_at) from {{ this }})
    {%- endif %}
),
engagement as (
    select
        contact_id,
        count(*) as events,
        sum(case when event = 'feature_used' then 1 else 0 end) as feature_uses,
        max(event_at) as last_seen_at
    from {{ ref('stg_events') }}
    group by contact_id
),
points as (
    select
        c.contact_id,
        c.email,
        c.account_id,
        c.lifecycle_stage,
        coalesce(c.crm_score, 0) as crm_score,
        coalesce(e.feature_uses, 0) as feature_uses,
        e.last_seen_at,
        c.updated_at,
        coalesce(c.crm_score, 0) / 2
            + {{ cap('coalesce(e.feature_uses, 0) * 5', hi=30) }}
            + coalesce(c.stage_order, 0) * 4 as raw_score
    from contacts c
    left join engagement e on e.contact_id = c.contact_id
)
select
    contact_id,
    email,
    account_id,
    lifecycle_stage,
    crm_score,
    feature_uses,
    last_seen_at,
    {{ cap('raw_score') }} as lead_score,
    {{ score_band(cap('raw_score')) }} as score_band,
    updated_at
from points
