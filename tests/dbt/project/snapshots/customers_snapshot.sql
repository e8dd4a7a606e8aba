{#- customers_snapshot: SCD type 2 by comparing columns (check strategy, config
    in _snapshots.yml); a customer gone from the export gets a new row marked
    dbt_is_deleted (hard_deletes: new_record). -#}
{% snapshot customers_snapshot %}
select id, first_name, {{ normalize_text('email') }} as email, country
from {{ ref('raw_customers') }}
{% endsnapshot %}
