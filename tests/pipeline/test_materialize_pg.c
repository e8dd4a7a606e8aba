/* test_materialize_pg.c: materializations on a real PostgreSQL warehouse
 * (the ctest fixture starts one): the cases of mat_cases.h in schema "mt",
 * plus PostgreSQL's own: the target schema (the warehouse's schema:), custom
 * schemas created, CREATE OR REPLACE VIEW keeping the views over a view. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "mat_cases.h"

static void mc_open(void)
{
    sl_error err;
    if (!mc_p)
        mc_p = th_project(th_dir);
    if (sl_adapter_open_target(mc_p, "mt", &mc_a, &err) < 0)
        fail_msg("open: %s", err.msg);
    assert_string_equal(sl_adapter_type(mc_a), "postgres");
    assert_string_equal(sl_adapter_schema(mc_a), "mt");
    if (sl_adapter_ensure_schema(mc_a, NULL, &err) < 0)
        fail_msg("schema: %s", err.msg);
    mc_x("SET search_path TO mt");
}

static int mc_setup(void **state)
{
    mc_p = NULL;
    th_setup(state);
    th_pg_url();
    th_pg_exec("DROP SCHEMA IF EXISTS mt CASCADE; DROP SCHEMA IF EXISTS mt_staging CASCADE");
    th_write(th_dir, "sluice.yml", "name: t\nwarehouse: {type: postgres, url: \"${SLUICE_TEST_PG_URL}\"}\n");
    return 0;
}

static int mc_teardown(void **state)
{
    sl_project_free(mc_p);
    mc_p = NULL;
    return th_teardown(state);
}

static void test_pg_schemas(void **state)
{
    (void)state;
    sl_error err;
    mc_p = th_project(th_dir);
    /* no schema given: public, or the warehouse's schema: */
    assert_int_equal(sl_adapter_open(mc_p, &mc_a, &err), 0);
    assert_string_equal(sl_adapter_schema(mc_a), "public");
    sl_adapter_close(mc_a);
    sl_project_free(mc_p);
    th_write(th_dir, "sluice.yml",
             "name: t\nwarehouse: {type: postgres, url: \"${SLUICE_TEST_PG_URL}\", schema: mt}\n");
    mc_p = th_project(th_dir);
    assert_int_equal(sl_adapter_open(mc_p, &mc_a, &err), 0);
    assert_string_equal(sl_adapter_schema(mc_a), "mt");
    sl_adapter_close(mc_a);
    mc_open();
    mc_raw();
    /* a custom schema is created */
    sl_node n = mc_node("st", "table");
    n.schema = "mt_staging";
    mc_build(&n, "select id, v from mt.raw", 0);
    assert_int_equal(th_pg_int("SELECT count(*) FROM mt_staging.st"), 2);
    /* a view whose columns stay: replaced in place, the view over it survives */
    sl_node v = mc_node("v1", "view");
    mc_build(&v, "select id, v from raw", 0);
    sl_node over = mc_node("v2", "view");
    mc_build(&over, "select count(*) as n from v1", 0);
    mc_build(&v, "select id, v from raw where id = 1", 0);
    MC_ROWS("SELECT n FROM v2", "1");
    /* its columns changed: dropped with CASCADE (as dbt), rebuilt */
    mc_build(&v, "select id from raw", 0);
    assert_false(mc_exists(NULL, "v2", NULL));
    MC_ROWS("SELECT count(*) FROM v1", "2");
    /* a type change under sync_all_columns */
    sl_node s = mc_node("ty", "incremental");
    s.config.on_schema_change = "sync_all_columns";
    mc_build(&s, "select 1 as id, 2 as x", 0);
    mc_build(&s, "select 2 as id, 'two'::text as x", 0);
    MC_ROWS("SELECT id, x FROM ty ORDER BY id", "1,2;2,two");
    MC_ROWS("SELECT data_type FROM information_schema.columns WHERE table_schema = 'mt' AND table_name = 'ty' AND "
            "column_name = 'x'",
            "text");
    /* the error position of a bad model becomes its line */
    sl_node t = mc_node("bad", "table");
    char msg[2048];
    mc_build_fails(&t, "select 1 as id,\n\n  nope\n", 0, msg, sizeof msg);
    assert_non_null(strstr(msg, "(line 3 of the compiled SQL)"));
    sl_adapter_close(mc_a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        MC_CASES,
        cmocka_unit_test_setup_teardown(test_pg_schemas, mc_setup, mc_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
