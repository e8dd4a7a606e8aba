{#- money.sql: amounts are integer cents; these macros keep them integers on both warehouses. -#}

{% macro cents_to_dollars(col, divisor=100) -%}
    (cast({{ col }} as bigint) / {{ divisor }})
{%- endmacro %}

{% macro channel_expr(col, threshold=1000) -%}
    case when {{ col }} >= {{ threshold }} then 'sales' else 'self_serve' end
{%- endmacro %}
