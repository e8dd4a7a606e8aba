{#- text.sql: text cleaning macros, called from models in other files. -#}

{% macro normalize_text(col, case='lower') -%}
    {{ case }}(trim({{ col }}))
{%- endmacro %}

{% macro payment_methods() %}
    {#- a macro that return()s a value instead of printing text -#}
    {{ return(var('payment_methods')) }}
{% endmacro %}

{% macro wrap(tag) -%}
    <{{ tag }}>{{ caller() }}</{{ tag }}>
{%- endmacro %}
