/* test_profile_sql_pg.c: the SQL profile of a warehouse relation
 * (quality/profile_sql.c, sl_profile_relation) on a real PostgreSQL (the
 * ctest fixture starts one): the case of profile_cases.h in schema "prof". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "profile_cases.h"

static void test_pg_profile(void **state)
{
    (void)state;
    th_pg_url();
    th_pg_exec("DROP SCHEMA IF EXISTS prof CASCADE");
    th_write(th_dir, "sluice.yml", "name: t\nwarehouse: {type: postgres, url: \"${SLUICE_TEST_PG_URL}\"}\n");
    sl_project *p = th_project(th_dir);
    sl_adapter *a;
    sl_error err = {0};
    if (sl_adapter_open_target(p, "prof", &a, &err) < 0)
        fail_msg("open: %s", err.msg);
    if (sl_adapter_ensure_schema(a, "prof", &err) < 0)
        fail_msg("schema: %s", err.msg);
    pc_exec(a, "SET search_path TO prof");
    pc_case(a, 1, "prof");
    sl_adapter_close(a);
    sl_project_free(p);
    th_pg_exec("DROP SCHEMA IF EXISTS prof CASCADE");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pg_profile, th_setup, th_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
