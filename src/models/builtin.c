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
    {NULL, NULL},
};
