/* test_profile_sql.c: the SQL profile of a warehouse relation
 * (quality/profile_sql.c, sl_profile_relation) on SQLite: every kind of
 * column (profile_cases.h), names that need quoting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "profile_cases.h"

static void test_sqlite_profile(void **state)
{
    (void)state;
    sl_project *p = th_project(th_dir);
    sl_adapter *a;
    sl_error err = {0};
    if (sl_adapter_open(p, &a, &err) < 0)
        fail_msg("open: %s", err.msg);
    pc_case(a, 0, NULL);
    sl_adapter_close(a);
    sl_project_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sqlite_profile, th_setup, th_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
