{{ config(materialized='table', tags=['features']) }}
{#- features: one row whose every value is computed by the template language
    (expressions, filters, loops, set, call/caller, this), checked against
    tests/dbt/expected/. -#}
{%- set nums = [3, 1, 2] -%}
{%- set info = {'name': 'sluice', 'owner': {'team': 'data'}} -%}
{%- set words = '  Alpha Beta  ' -%}
{%- set greeting -%}
    hello {{ info.name }}
{%- endset -%}
{%- set seen = [] -%}
{%- for n in nums -%}{%- if n > 1 -%}{%- do seen.append(n * 10) -%}{%- endif -%}{%- endfor -%}
{{ log("rendering " ~ this.identifier, info=false) }}
select
    {{ nums | length }} as n_length,
    {{ nums | first }} as n_first,
    {{ nums | last }} as n_last,
    '{{ nums | join("-") }}' as n_joined,
    '{{ seen | join(",") }}' as n_seen,
    '{{ info.name | upper }}' as name_upper,
    '{{ info["owner"]["team"] | replace("a", "o") }}' as team_replaced,
    '{{ words | trim | lower }}' as words_clean,
    '{{ "abc" | list | join("|") }}' as letters,
    '{{ 12 | string ~ "!" }}' as stringified,
    {{ "41" | int + 1 }} as int_plus,
    '{{ 3.14159 | round(2) }}' as rounded,
    {{ (7 / 2) | round | int }} as half_up,
    {{ 7 // 2 }} as floor_div,
    {{ 7 % 3 }} as modulo,
    {{ 2 ** 5 }} as power,
    {{ 10 - 2 * 3 }} as arith,
    '{{ undefined_thing | default("fallback") }}' as defaulted,
    '{{ var("not_set", "var_default") }}' as var_default,
    '{{ "x" ~ 1 ~ "y" }}' as tilde,
    {{ 1 if 'b' in ['a', 'b'] else 0 }} as has_b,
    {{ 1 if 'z' not in info else 0 }} as no_z,
    {{ 1 if (3 > 2 and not false) or 1 == 0 else 0 }} as logic,
    '{% for n in nums %}{{ loop.index }}:{{ n }}{% if loop.first %}^{% endif %}{% if not loop.last %},{% endif %}{% endfor %}' as looped,
    '{% for n in [] %}{{ n }}{% else %}empty{% endfor %}' as for_else,
    '{% if nums | length > 5 %}many{% elif nums | length > 2 %}some{% else %}few{% endif %}' as branch,
    '{{ greeting }}' as greeting,
    '{% call wrap("b") %}bold{% endcall %}' as called,
    '{{ this.identifier }}' as self_name,
    '{% if target.type in ['sqlite', 'postgres'] %}known{% else %}{{ exceptions.raise_compiler_error("unknown target") }}{% endif %}' as target_known
