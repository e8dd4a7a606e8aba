/* test_datatests.c: data tests (models/test.h) on the SQLite warehouse:
 * the cases of dt_cases.h; store_failures lands in the attached file
 * warehouse.main_dbt_test__audit.db. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "helpers.h"
#include "dt_cases.h"

static sl_project *dt_p;

static void dt_open(void)
{
    sl_error err;
    if (!dt_p)
        dt_p = th_project(th_dir);
    if (sl_adapter_open(dt_p, &dt_a, &err) < 0)
        fail_msg("open: %s", err.msg);
}

static int dt_teardown(void **state)
{
    sl_project_free(dt_p);
    dt_p = NULL;
    return th_teardown(state);
}

static void test_statuses(void **state)
{
    (void)state;
    dt_case_statuses();
}

static void test_store_failures(void **state)
{
    (void)state;
    dt_case_store_failures("main_dbt_test__audit");
    char path[4300];
    snprintf(path, sizeof path, "%s/warehouse.main_dbt_test__audit.db", th_dir);
    assert_int_equal(access(path, F_OK), 0);
    assert_int_equal(th_sql_int(path, "select count(*) from not_null_people_email"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_statuses, th_setup, dt_teardown),
        cmocka_unit_test_setup_teardown(test_store_failures, th_setup, dt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
