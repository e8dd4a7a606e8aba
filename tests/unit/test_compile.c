/* test_compile.c: unit tests for models/compile.c and context.c: what a
 * template sees in the project's context (ref, source, var, env_var,
 * config, this, target, is_incremental, refusals), errors word for word at
 * file:line:col, ephemeral models inlined as CTEs, dbt's custom schema rule
 * and the generic tests' SQL. Each test writes a small project, loads its
 * graph (graph.h) and compiles nodes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config/project.h"
#include "core/mem.h"
#include "core/redact.h"
#include "helpers.h"
#include "models/compile.h"
#include "models/graph.h"

static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = th_tmpdir();
    th_write(dir, "sluice.yml", "name: p\nvars:\n  region: emea\n  limit_rows: 10\n  p:\n    scoped: yes_scoped\n");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_rmtree(dir);
    free(dir);
    return 0;
}

typedef struct loaded {
    sl_project *p;
    sl_graph *g;
    sl_diags d;
    int rc;
} loaded;

/* Load the project in dir with --vars vars (or NULL). */
static loaded load(const char *vars)
{
    loaded l = {0};
    sl_diags_init(&l.d);
    l.p = th_project(dir);
    sl_graph_opts o = {.vars_yaml = vars};
    l.rc = sl_graph_load(l.p, &o, &l.g, &l.d);
    return l;
}

static void unload(loaded *l)
{
    if (l->g)
        sl_graph_free(l->g);
    sl_project_free(l->p);
    sl_diags_release(&l->d);
}

/* The diagnostics as text. */
static char *diags_text(loaded *l)
{
    sl_buf b;
    sl_buf_init(&b);
    sl_diags_format(&l->d, &b);
    return sl_buf_detach(&b);
}

/* Compile node `name` (execute mode); its SQL (caller frees) or NULL with err. */
static char *compile(loaded *l, const char *name, int incremental, sl_error *err)
{
    int64_t i = sl_graph_find(l->g, name);
    assert_true(i >= 0);
    sl_buf b;
    sl_buf_init(&b);
    int rc = l->g->nodes[i].kind == SL_NODE_TEST ? sl_graph_compile_test(l->g, (size_t)i, &b, err)
                                                  : sl_graph_compile(l->g, (size_t)i, incremental, &b, err);
    if (rc < 0) {
        sl_buf_release(&b);
        return NULL;
    }
    if (!b.data)
        sl_buf_add(&b, "", 0);
    return sl_buf_detach(&b);
}

static void assert_compiles(loaded *l, const char *name, int incremental, const char *want)
{
    sl_error err = {0};
    char *got = compile(l, name, incremental, &err);
    if (!got)
        fail_msg("%s: %s", name, err.msg);
    assert_string_equal(got, want);
    sl_free(got);
}

static void assert_loaded(loaded *l)
{
    if (l->rc < 0) {
        char *t = diags_text(l);
        fail_msg("load failed: %s", t);
    }
}

static void test_ref_and_relations(void **state)
{
    (void)state;
    th_write(dir, "models/a.sql", "select 1 as id");
    th_write(dir, "models/b.sql",
             "select * from {{ ref('a') }} -- {{ ref('a').identifier }} {{ ref('p', 'a').schema }} {{ ref('a').name }}");
    th_write(dir, "models/marts/c.sql", "{{ config(materialized='table', schema='marts') }}select * from {{ ref('b') }}");
    th_write(dir, "models/d.sql", "select * from {{ ref('c') }} /* {{ this }} {{ this.identifier }} */");
    th_write(dir, "models/al.sql", "{{ config(alias='aliased') }}select 2");
    th_write(dir, "models/e.sql", "select * from {{ ref('al') }}");
    loaded l = load(NULL);
    assert_loaded(&l);
    assert_compiles(&l, "b", 0, "select * from \"main\".\"a\" -- a main a");
    /* dbt's custom schema rule: <target schema>_<custom> */
    assert_compiles(&l, "d", 0, "select * from \"main_marts\".\"c\" /* \"main\".\"d\" d */");
    assert_compiles(&l, "e", 0, "select * from \"main\".\"aliased\"");
    int64_t c = sl_graph_find(l.g, "c");
    assert_string_equal(l.g->nodes[c].config.materialized, "table");
    assert_string_equal(l.g->nodes[c].schema, "main_marts");
    unload(&l);
}

static void test_generate_schema_name_macro(void **state)
{
    (void)state;
    th_write(dir, "macros/schemas.sql",
             "{% macro generate_schema_name(custom_schema_name, node) -%}\n"
             "{%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}\n"
             "{%- endmacro %}\n");
    th_write(dir, "macros/aliases.sql",
             "{% macro generate_alias_name(custom_alias_name, node) -%}\n"
             "{{ 'v_' ~ (custom_alias_name or node.name) }}\n"
             "{%- endmacro %}\n");
    th_write(dir, "models/m.sql", "{{ config(schema='analytics') }}select 1");
    th_write(dir, "models/n.sql", "select * from {{ ref('m') }}, {{ this }}");
    th_write(dir, "models/o.sql", "{{ config(alias='renamed') }}select * from {{ ref('n') }}");
    th_write(dir, "models/q.sql", "select * from {{ ref('o') }}");
    loaded l = load(NULL);
    assert_loaded(&l);
    /* the project's macros decide: the schema as written, names prefixed */
    assert_compiles(&l, "n", 0, "select * from \"analytics\".\"v_m\", \"main\".\"v_n\"");
    assert_compiles(&l, "q", 0, "select * from \"main\".\"v_renamed\"");
    int64_t m = sl_graph_find(l.g, "m");
    assert_string_equal(l.g->nodes[m].schema, "analytics");
    assert_string_equal(l.g->nodes[m].identifier, "v_m");
    unload(&l);
}

static void test_unknown_ref_suggests(void **state)
{
    (void)state;
    th_write(dir, "models/stg_contacts.sql", "select 1 as id");
    th_write(dir, "models/m.sql", "select 1");
    loaded l = load(NULL);
    assert_loaded(&l);
    /* at execute time (the loader reports it too, at load) */
    int64_t m = sl_graph_find(l.g, "m");
    sl_free(l.g->nodes[m].raw);
    l.g->nodes[m].raw = sl_strdup("select *\nfrom {{ ref('stg_contact') }}");
    sl_error err = {0};
    assert_null(compile(&l, "m", 0, &err));
    assert_string_equal(err.msg, "models/m.sql:2:9: ref('stg_contact'): no model, seed, snapshot or pipeline named "
                                 "'stg_contact' (did you mean 'stg_contacts'?)");
    unload(&l);
}

static void test_vars(void **state)
{
    (void)state;
    th_write(dir, "models/v.sql",
             "{{ var('region') }} {{ var('limit_rows') + 1 }} {{ var('scoped') }} {{ var('missing', 'dflt') }} "
             "{{ var('cli', 'none') }}");
    loaded l = load(NULL);
    assert_loaded(&l);
    assert_compiles(&l, "v", 0, "emea 11 yes_scoped dflt none");
    unload(&l);
    /* --vars overrides the project's, YAML or JSON */
    l = load("{region: apac, cli: 3}");
    assert_loaded(&l);
    assert_compiles(&l, "v", 0, "apac 11 yes_scoped dflt 3");
    unload(&l);
    l = load("{\"limit_rows\": 41}");
    assert_loaded(&l);
    assert_compiles(&l, "v", 0, "emea 42 yes_scoped dflt none");
    unload(&l);
    /* a var without a default that nobody sets: dbt's error, at the call */
    th_write(dir, "models/w.sql", "select\n  {{ var('start_date') }}");
    l = load(NULL);
    assert_int_equal(l.rc, -1);
    char *t = diags_text(&l);
    if (!strstr(t, "models/w.sql:2:6: Required var 'start_date' not found in config"))
        fail_msg("got %s", t);
    sl_free(t);
    unload(&l);
}

static void test_env_var(void **state)
{
    (void)state;
    setenv("SLUICE_TEST_REGION", "north", 1);
    setenv("SLUICE_TEST_API_TOKEN", "tok-very-secret-123", 1);
    unsetenv("SLUICE_TEST_UNSET");
    th_write(dir, "models/e.sql",
             "{{ env_var('SLUICE_TEST_REGION') }} {{ env_var('SLUICE_TEST_UNSET', 'fallback') }} "
             "{{ env_var('SLUICE_TEST_API_TOKEN') | length }}");
    size_t before = sl_redact_count();
    loaded l = load(NULL);
    assert_loaded(&l);
    assert_compiles(&l, "e", 0, "north fallback 19");
    /* the token's value is a secret now: redacted wherever it is printed */
    assert_true(sl_redact_count() > before);
    char s[] = "x tok-very-secret-123 y";
    sl_redact_str(s);
    assert_string_equal(s, "x *** y");
    unload(&l);
    th_write(dir, "models/e.sql", "{{ env_var('SLUICE_TEST_UNSET') }}");
    l = load(NULL);
    assert_int_equal(l.rc, -1);
    char *t = diags_text(&l);
    if (!strstr(t, "models/e.sql:1:4: Env var required but not provided: 'SLUICE_TEST_UNSET'"))
        fail_msg("got %s", t);
    sl_free(t);
    unload(&l);
}

static void test_config_and_target(void **state)
{
    (void)state;
    th_write(dir, "models/inc.sql",
             "{{ config(materialized='incremental', unique_key='id', tags=['a']) }}"
             "select {{ target.name }}, {{ target.type }}, {{ target.schema }}, {{ execute }}"
             "{% if is_incremental() %} where id > (select max(id) from {{ this }}){% endif %}");
    loaded l = load(NULL);
    assert_loaded(&l);
    int64_t i = sl_graph_find(l.g, "inc");
    assert_string_equal(l.g->nodes[i].config.materialized, "incremental");
    assert_int_equal(l.g->nodes[i].config.unique_key.n, 1);
    assert_string_equal(l.g->nodes[i].config.unique_key.v[0], "id");
    assert_compiles(&l, "inc", 0, "select dev, sqlite, main, True");
    assert_compiles(&l, "inc", 1, "select dev, sqlite, main, True where id > (select max(id) from \"main\".\"inc\")");
    unload(&l);
    /* an unknown key, with the closest one */
    th_write(dir, "models/inc.sql", "select 1\n{{ config(materialised='table') }}");
    l = load(NULL);
    assert_int_equal(l.rc, -1);
    char *t = diags_text(&l);
    if (!strstr(t, "models/inc.sql:2:4: ") || !strstr(t, "'materialised'") || !strstr(t, "materialized"))
        fail_msg("got: %s", t);
    sl_free(t);
    unload(&l);
}

static void test_refused_by_name(void **state)
{
    (void)state;
    const char *cases[][2] = {
        {"{% set r = run_query('select 1') %}", "models/r.sql:1:12: run_query is not supported"},
        {"{{ adapter.get_relation(this) }}", "models/r.sql:1:12: adapter.get_relation is not supported"},
        {"{{ modules.datetime.datetime.now() }}", "models/r.sql:1:30: modules.datetime is not supported: sluice's templates have no Python modules"},
        {"{{ modules.re.match('a', 'b') }}", "models/r.sql:1:15: modules.re is not supported"},
        {"{% call statement('x', fetch_result=True) %}select 1{% endcall %}",
         "models/r.sql:1:9: statement is not supported"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        th_write(dir, "models/r.sql", cases[k][0]);
        loaded l = load(NULL);
        assert_int_equal(l.rc, -1);
        char *t = diags_text(&l);
        if (!strstr(t, cases[k][1]))
            fail_msg("%s: got %s, want %s", cases[k][0], t, cases[k][1]);
        sl_free(t);
        unload(&l);
    }
}

static void test_ephemeral_ctes(void **state)
{
    (void)state;
    th_write(dir, "models/e1.sql", "{{ config(materialized='ephemeral') }}select 1 as id\n");
    th_write(dir, "models/e2.sql", "{{ config(materialized='ephemeral') }}select id from {{ ref('e1') }}");
    th_write(dir, "models/m1.sql", "select * from {{ ref('e2') }} join {{ ref('e1') }} using (id)");
    th_write(dir, "models/m2.sql",
             "-- leading comment\nWITH x as (select * from {{ ref('e2') }})\nselect * from x");
    th_write(dir, "models/m3.sql", "with recursive r(n) as (select 1) select * from r, {{ ref('e1') }}");
    loaded l = load(NULL);
    assert_loaded(&l);
    assert_compiles(&l, "m1", 0,
                    "with __sluice_cte__e1 as (\nselect 1 as id\n), __sluice_cte__e2 as (\nselect id from __sluice_cte__e1\n)\n"
                    "select * from __sluice_cte__e2 join __sluice_cte__e1 using (id)");
    assert_compiles(&l, "m2", 0,
                    "-- leading comment\nWITH __sluice_cte__e1 as (\nselect 1 as id\n), __sluice_cte__e2 as (\n"
                    "select id from __sluice_cte__e1\n), x as (select * from __sluice_cte__e2)\nselect * from x");
    assert_compiles(&l, "m3", 0,
                    "with recursive __sluice_cte__e1 as (\nselect 1 as id\n), r(n) as (select 1) select * from r, "
                    "__sluice_cte__e1");
    unload(&l);
}

static void test_generic_tests(void **state)
{
    (void)state;
    th_write(dir, "models/orders.sql", "select 1 as id, 'open' as status, 7 as customer_id");
    th_write(dir, "models/customers.sql", "select 7 as id");
    th_write(dir, "models/schema.yml",
             "version: 2\n"
             "models:\n"
             "  - name: orders\n"
             "    columns:\n"
             "      - name: id\n"
             "        tests: [unique, not_null]\n"
             "      - name: status\n"
             "        data_tests:\n"
             "          - accepted_values: {values: ['open', \"it's\"], config: {where: \"id > 0\"}}\n"
             "      - name: customer_id\n"
             "        tests:\n"
             "          - relationships: {to: ref('customers'), field: id}\n"
             "          - is_even\n");
    th_write(dir, "tests/generic/is_even.sql",
             "{% test is_even(model, column_name) %}select * from {{ model }} where {{ column_name }} % 2 = 1{% endtest %}\n");
    loaded l = load(NULL);
    assert_loaded(&l);
    size_t seen = 0;
    for (size_t i = 0; i < l.g->n; i++) {
        sl_node *n = &l.g->nodes[i];
        if (n->kind != SL_NODE_TEST)
            continue;
        sl_error err = {0};
        sl_buf b;
        sl_buf_init(&b);
        if (sl_graph_compile_test(l.g, i, &b, &err) < 0)
            fail_msg("%s: %s", n->name, err.msg);
        const char *want = NULL;
        if (!strcmp(n->test_name, "unique"))
            want = "\nselect\n    id as unique_field,\n    count(*) as n_records\nfrom \"main\".\"orders\"\n"
                   "where id is not null\ngroup by id\nhaving count(*) > 1\n";
        else if (!strcmp(n->test_name, "not_null"))
            want = "\nselect id\nfrom \"main\".\"orders\"\nwhere id is null\n";
        else if (!strcmp(n->test_name, "accepted_values"))
            want = "\nwith all_values as (\n    select\n        status as value_field,\n        count(*) as n_records\n"
                   "    from (select * from \"main\".\"orders\" where id > 0) dbt_subquery\n    group by status\n)\n"
                   "select *\nfrom all_values\nwhere value_field not in (\n    'open','it''s'\n)\n";
        else if (!strcmp(n->test_name, "relationships"))
            want = "\nwith child as (\n    select customer_id as from_field\n    from \"main\".\"orders\"\n"
                   "    where customer_id is not null\n),\nparent as (\n    select id as to_field\n"
                   "    from \"main\".\"customers\"\n)\nselect\n    from_field\nfrom child\nleft join parent\n"
                   "    on child.from_field = parent.to_field\nwhere parent.to_field is null\n";
        else if (!strcmp(n->test_name, "is_even"))
            want = "select * from \"main\".\"orders\" where customer_id % 2 = 1";
        else
            fail_msg("unexpected test %s", n->test_name);
        assert_string_equal(b.data, want);
        sl_buf_release(&b);
        seen++;
    }
    assert_int_equal(seen, 5);
    unload(&l);
}

static void test_project_overrides_builtin_test(void **state)
{
    (void)state;
    th_write(dir, "models/t.sql", "select 1 as id");
    th_write(dir, "models/schema.yml", "version: 2\nmodels:\n  - name: t\n    columns:\n      - name: id\n        tests: [unique]\n");
    th_write(dir, "macros/my_unique.sql",
             "{% test unique(model, column_name) %}select {{ column_name }} from {{ model }} -- mine{% endtest %}\n");
    loaded l = load(NULL);
    assert_loaded(&l);
    for (size_t i = 0; i < l.g->n; i++)
        if (l.g->nodes[i].kind == SL_NODE_TEST) {
            sl_buf b;
            sl_buf_init(&b);
            sl_error err = {0};
            assert_int_equal(sl_graph_compile_test(l.g, i, &b, &err), 0);
            assert_string_equal(b.data, "select id from \"main\".\"t\" -- mine");
            sl_buf_release(&b);
        }
    unload(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ref_and_relations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generate_schema_name_macro, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_ref_suggests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vars, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_var, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_and_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_by_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ephemeral_ctes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generic_tests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_project_overrides_builtin_test, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
