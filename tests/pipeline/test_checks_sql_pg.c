/* test_checks_sql_pg.c: every check kind through sl_check_run on a real
 * PostgreSQL warehouse (the ctest fixture starts one; the cases of
 * check_cases.h in schema "ck"): the SQL of both dialects gives the same
 * statuses, observed values, failing rows and samples, and PostgreSQL's
 * format expressions accept exactly what the C validator accepts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "check_cases.h"

static sl_project *cc_p;

static int cc_setup(void **state)
{
    th_setup(state);
    th_pg_url();
    th_pg_exec("DROP SCHEMA IF EXISTS ck CASCADE");
    th_write(th_dir, "sluice.yml", "name: t\nwarehouse: {type: postgres, url: \"${SLUICE_TEST_PG_URL}\"}\n");
    cc_p = th_project(th_dir);
    sl_error err = {0};
    if (sl_adapter_open_target(cc_p, "ck", &cc_a, &err) < 0 || sl_adapter_ensure_schema(cc_a, NULL, &err) < 0)
        fail_msg("open: %s", err.msg);
    char path[4300];
    snprintf(path, sizeof path, "%s/state.db", th_dir);
    if (sl_state_open(path, &cc_st, &err) < 0)
        fail_msg("state: %s", err.msg);
    cc_pg = 1;
    cc_x("SET search_path TO ck");
    cc_tables();
    return 0;
}

static int cc_teardown(void **state)
{
    sl_adapter_close(cc_a);
    sl_state_close(cc_st);
    sl_project_free(cc_p);
    cc_a = NULL;
    cc_st = NULL;
    th_pg_exec("DROP SCHEMA IF EXISTS ck CASCADE");
    return th_teardown(state);
}

static void test_row_level(void **state) { (void)state; cc_row_level(); }
static void test_aggregates(void **state) { (void)state; cc_aggregates(); }
static void test_history(void **state) { (void)state; cc_history(); }
static void test_errors(void **state) { (void)state; cc_errors(); }
static void test_formats(void **state) { (void)state; cc_formats(); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_row_level, cc_setup, cc_teardown),
        cmocka_unit_test_setup_teardown(test_aggregates, cc_setup, cc_teardown),
        cmocka_unit_test_setup_teardown(test_history, cc_setup, cc_teardown),
        cmocka_unit_test_setup_teardown(test_errors, cc_setup, cc_teardown),
        cmocka_unit_test_setup_teardown(test_formats, cc_setup, cc_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
