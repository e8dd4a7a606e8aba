/* test_datatests_pg.c: data tests (models/test.h) on a real PostgreSQL
 * warehouse (the ctest fixture starts one): the cases of dt_cases.h in
 * target schema "dt"; store_failures creates schema dt_dbt_test__audit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "dt_cases.h"

static sl_project *dt_p;

static void dt_open(void)
{
    sl_error err;
    if (!dt_p)
        dt_p = th_project(th_dir);
    if (sl_adapter_open_target(dt_p, "dt", &dt_a, &err) < 0)
        fail_msg("open: %s", err.msg);
    if (sl_adapter_ensure_schema(dt_a, NULL, &err) < 0)
        fail_msg("schema: %s", err.msg);
    dt_x("SET search_path TO dt");
}

static int dt_setup(void **state)
{
    dt_p = NULL;
    th_setup(state);
    th_pg_url();
    th_pg_exec("DROP SCHEMA IF EXISTS dt CASCADE; DROP SCHEMA IF EXISTS dt_dbt_test__audit CASCADE");
    th_write(th_dir, "sluice.yml", "name: t\nwarehouse: {type: postgres, url: \"${SLUICE_TEST_PG_URL}\"}\n");
    return 0;
}

static int dt_teardown(void **state)
{
    sl_project_free(dt_p);
    dt_p = NULL;
    return th_teardown(state);
}

static void test_pg_statuses(void **state)
{
    (void)state;
    dt_case_statuses();
}

static void test_pg_store_failures(void **state)
{
    (void)state;
    dt_case_store_failures("dt_dbt_test__audit");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pg_statuses, dt_setup, dt_teardown),
        cmocka_unit_test_setup_teardown(test_pg_store_failures, dt_setup, dt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
