{#- scoring.sql: the scoring rules shared by the marts. -#}

{# cap(expr, hi=100): expr, at most hi, as an integer #}
{% macro cap(expr, hi=100) -%}
    cast(case when {{ expr }} > {{ hi }} then {{ hi }} else {{ expr }} end as integer)
{%- endmacro %}

{# score_band(col): hot / warm / cold by the thresholds of var('score_bands') #}
{% macro score_band(col) -%}
    {%- set bands = var('score_bands', {'hot': 70, 'warm': 40}) -%}
    case
    {%- for band, floor in bands.items() %}
        when {{ col }} >= {{ floor }} then '{{ band }}'
    {%- endfor %}
        else 'cold'
    end
{%- endmacro %}

{# feature_columns(): one count column per feature of var('tracked_features') #}
{% macro feature_columns(feature_col='feature') -%}
    {%- for f in var('tracked_features') %}
    sum(case when {{ feature_col }} = '{{ f }}' then 1 else 0 end) as {{ f | lower | replace('-', '_') }}_uses
    {{- "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}
