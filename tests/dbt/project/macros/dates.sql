{#- dates.sql: date arithmetic, branching on the warehouse (target.type). -#}

{% macro days_between(start_col, end_col) -%}
    {%- if target.type == 'postgres' -%}
        (cast({{ end_col }} as date) - cast({{ start_col }} as date))
    {%- elif target.type == 'sqlite' -%}
        cast(julianday({{ end_col }}) - julianday({{ start_col }}) as integer)
    {%- else -%}
        {{ exceptions.raise_compiler_error("days_between: unsupported warehouse " ~ target.type) }}
    {%- endif -%}
{%- endmacro %}
