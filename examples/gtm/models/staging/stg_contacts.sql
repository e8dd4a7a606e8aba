{#- stg_contacts: the contacts pipeline's table, one row per contact, with the
    sales region of its country (the pipeline's country_code(): every
    spelling, in any language, as an ISO code) and the funnel position of
    its stage. -#}
select
    c.id as contact_id,
    c.email,
    c.email_domain,
    c.first_name,
    c.last_name,
    c.company,
    c.country_code,
    c.phone_e164,
    c.company_key,
    cc.region,
    c.lifecycle_stage,
    s.stage_order,
    c.lead_score as crm_score,
    c.account_id,
    c.updated_at
from {{ source('crm', 'contacts') }} c
left join {{ ref('country_codes') }} cc on cc.country_code = c.country_code
left join {{ ref('lifecycle_stages') }} s on s.lifecycle_stage = c.lifecycle_stage
