{#- at_least: a custom generic test with a default argument. -#}
{% test at_least(model, column_name, min_value=0) %}
    select {{ column_name }} from {{ model }}
    where {{ column_name }} < {{ min_value }}
{% endtest %}
