{#- within_range: a custom generic test: values outside [min_value, max_value] fail. -#}
{% test within_range(model, column_name, min_value=0, max_value=100) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}
