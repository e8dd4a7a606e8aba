{#- dates.sql: date helpers that read the same on SQLite and PostgreSQL (target.type). -#}

{% macro to_day(col) -%}
    {%- if target.type == 'postgres' -%} cast({{ col }} as date)
    {%- else -%} date({{ col }})
    {%- endif -%}
{%- endmacro %}

{% macro days_between(start_col, end_col) -%}
    {%- if target.type == 'postgres' -%} (cast({{ end_col }} as date) - cast({{ start_col }} as date))
    {%- else -%} cast(julianday({{ end_col }}) - julianday({{ start_col }}) as integer)
    {%- endif -%}
{%- endmacro %}
