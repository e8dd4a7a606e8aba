{% macro m(x, y=2) %}{{ x ~ y }}{{ return(x) if y > 5 }}{% endmacro %}
{% test t(model, column_name) %}select {{ column_name }} from {{ model }}{% endtest %}
{% docs x %}doc{% enddocs %}
{% snapshot s %}{{ m(1) }}{% endsnapshot %}
