{#- tests.sql: a custom generic test defined among the macros (dbt allows both places). -#}

{% test is_positive(model, column_name) %}
    select * from {{ model }} where {{ column_name }} <= 0
{% endtest %}
