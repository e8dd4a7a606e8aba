/*
 * builtin.c: sluice's built-in macros, as Jinja text loaded into a
 * project's environment beside the project's own macros (compile.c).
 *
 * The generic data tests dbt ships (unique, not_null, accepted_values,
 * relationships) are {% test %} blocks selecting the failing rows, with
 * dbt's SQL. A project's macro or test of the same name replaces the
 * built-in one, as in dbt: compile.c loads the project's macros first and
 * then each entry here whose name the project does not define.
 *
 * `model` is the tested relation as the test sees it: the relation, or with
 * a `where:` config dbt's subquery "(select * from REL where COND)
 * dbt_subquery" (compile.c builds it). accepted_values doubles quotes in
 * a quoted value, so a value holding one stays one string literal.
 */
#include "models/builtin.h"
#include <stddef.h>

const sl_builtin sl_builtins[] = {
    {"test_unique",
     "{% test unique(model, column_name) %}\n"
     "select\n"
     "    {{ column_name }} as unique_field,\n"
     "    count(*) as n_records\n"
     "from {{ model }}\n"
     "where {{ column_name }} is not null\n"
     "group by {{ column_name }}\n"
     "having count(*) > 1\n"
     "{% endtest %}\n"},
    {"test_not_null",
     "{% test not_null(model, column_name) %}\n"
     "select {{ column_name }}\n"
     "from {{ model }}\n"
     "where {{ column_name }} is null\n"
     "{% endtest %}\n"},
    {"test_accepted_values",
     "{% test accepted_values(model, column_name, values, quote=True) %}\n"
     "with all_values as (\n"
     "    select\n"
     "        {{ column_name }} as value_field,\n"
     "        count(*) as n_records\n"
     "    from {{ model }}\n"
     "    group by {{ column_name }}\n"
     ")\n"
     "select *\n"
     "from all_values\n"
     "where value_field not in (\n"
     "    {% for value in values -%}\n"
     "        {% if quote -%}\n"
     "        '{{ value | string | replace(\"'\", \"''\") }}'\n"
     "        {%- else -%}\n"
     "        {{ value }}\n"
     "        {%- endif -%}\n"
     "        {%- if not loop.last -%},{%- endif %}\n"
     "    {%- endfor %}\n"
     ")\n"
     "{% endtest %}\n"},
    {"test_relationships",
     "{% test relationships(model, column_name, to, field) %}\n"
     "with child as (\n"
     "    select {{ column_name }} as from_field\n"
     "    from {{ model }}\n"
     "    where {{ column_name }} is not null\n"
     "),\n"
     "parent as (\n"
     "    select {{ field }} as to_field\n"
     "    from {{ to }}\n"
     ")\n"
     "select\n"
     "    from_field\n"
     "from child\n"
     "left join parent\n"
     "    on child.from_field = parent.to_field\n"
     "where parent.to_field is null\n"
     "{% endtest %}\n"},
    {"sluice_days_between",
     "{% macro sluice_days_between(start, end) -%}\n"
     "{%- if target.type == 'postgres' -%}\n"
     "(extract(epoch from (cast({{ end }} as timestamp) - cast({{ start }} as timestamp))) / 86400.0)\n"
     "{%- else -%}\n"
     "(julianday({{ end }}) - julianday({{ start }}))\n"
     "{%- endif -%}\n"
     "{%- endmacro %}\n"},
    {"sluice_as_of_sql",
     "{% macro sluice_as_of_sql(as_of=none) -%}\n"
     "{%- if as_of is none -%}\n"
     "{%- if target.type == 'postgres' -%}(now() at time zone 'UTC'){%- else -%}'now'{%- endif -%}\n"
     "{%- else -%}\n"
     "'{{ as_of | string | replace(\"'\", \"''\") }}'\n"
     "{%- endif -%}\n"
     "{%- endmacro %}\n"},
    {"sluice_age_days",
     "{% macro sluice_age_days(time_column, as_of=none) -%}\n"
     "{{ sluice_days_between(time_column, sluice_as_of_sql(as_of)) }}\n"
     "{%- endmacro %}\n"},
    {"rolling_count",
     "{% macro rolling_count(time_column, days, where=none, as_of=none) -%}\n"
     "sum(case when {{ sluice_age_days(time_column, as_of) }} >= 0 and {{ sluice_age_days(time_column, as_of) }} < {{ days }}\n"
     "{%- if where is not none %} and ({{ where }}){% endif %} then 1 else 0 end)\n"
     "{%- endmacro %}\n"},
    {"days_since_last_activity",
     "{% macro days_since_last_activity(time_column, as_of=none) -%}\n"
     "{%- if target.type == 'postgres' -%}\n"
     "cast(floor(min(case when {{ sluice_age_days(time_column, as_of) }} >= 0 then {{ sluice_age_days(time_column, as_of) }} end)) as integer)\n"
     "{%- else -%}\n"
     "cast(min(case when {{ sluice_age_days(time_column, as_of) }} >= 0 then {{ sluice_age_days(time_column, as_of) }} end) as integer)\n"
     "{%- endif -%}\n"
     "{%- endmacro %}\n"},
    {"email_click_rate",
     "{% macro email_click_rate(event_column, clicked='email_clicked', sent='email_sent') -%}\n"
     "{%- set rate -%}\n"
     "1.0 * sum(case when {{ event_column }} = '{{ clicked | string | replace(\"'\", \"''\") }}' then 1 else 0 end)\n"
     " / nullif(sum(case when {{ event_column }} = '{{ sent | string | replace(\"'\", \"''\") }}' then 1 else 0 end), 0)\n"
     "{%- endset -%}\n"
     "{%- if target.type == 'postgres' -%}\n"
     "cast(round(cast({{ rate }} as numeric), 4) as double precision)\n"
     "{%- else -%}\n"
     "round({{ rate }}, 4)\n"
     "{%- endif -%}\n"
     "{%- endmacro %}\n"},
    {"engagement_metrics",
     "{% macro engagement_metrics(events, entity, time_column, event_column=none, windows=[7, 30, 90], as_of=none, clicked='email_clicked', sent='email_sent') -%}\n"
     "select\n"
     "    {{ entity }},\n"
     "    {%- for d in windows %}\n"
     "    {{ rolling_count(time_column, d, as_of=as_of) }} as events_{{ d }}d,\n"
     "    {%- endfor %}\n"
     "    {%- if event_column is not none %}\n"
     "    {{ email_click_rate(event_column, clicked, sent) }} as email_click_rate,\n"
     "    {%- endif %}\n"
     "    {{ days_since_last_activity(time_column, as_of) }} as days_since_last_activity\n"
     "from {{ events }}\n"
     "where {{ entity }} is not null\n"
     "group by {{ entity }}\n"
     "{%- endmacro %}\n"},
    {NULL, NULL},
};
