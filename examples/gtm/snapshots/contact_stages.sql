{#- contact_stages: the history of each contact's lifecycle stage (SCD type 2):
    a contact the CRM moved on gets a new row from its updated_at on. -#}
{% snapshot contact_stages %}
{{
    config(
        unique_key='contact_id',
        strategy='timestamp',
        updated_at='updated_at',
        hard_deletes='invalidate'
    )
}}
select contact_id, email, account_id, lifecycle_stage, stage_order, updated_at
from {{ ref('stg_contacts') }}
{% endsnapshot %}
