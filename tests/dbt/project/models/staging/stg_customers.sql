{# stg_customers: a view (dbt_project.yml's +materialized: view) over the raw_customers seed. #}
select
    id as customer_id,
    first_name,
    last_name,
    {{ normalize_text('email') }} as email,
    {{ normalize_text('country', case='upper') }} as country_code,
    signup_date
from {{ ref('raw_customers') }}
