/* test_checks_sql.c: every check kind through sl_check_run on a SQLite
 * warehouse (the cases of check_cases.h), opened the way builds open it
 * (sl_adapter_open registers regexp() and sl_format_valid()) and wrapped
 * around a connection someone else owns (a sink's, write-audit-publish). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "check_cases.h"

static sl_project *cc_p;

static int cc_setup(void **state)
{
    th_setup(state);
    cc_p = th_project(th_dir);
    sl_error err = {0};
    if (sl_adapter_open(cc_p, &cc_a, &err) < 0)
        fail_msg("open: %s", err.msg);
    char path[4300];
    snprintf(path, sizeof path, "%s/state.db", th_dir);
    if (sl_state_open(path, &cc_st, &err) < 0)
        fail_msg("state: %s", err.msg);
    cc_pg = 0;
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
    return th_teardown(state);
}

static void test_row_level(void **state) { (void)state; cc_row_level(); }
static void test_aggregates(void **state) { (void)state; cc_aggregates(); }
static void test_history(void **state) { (void)state; cc_history(); }
static void test_errors(void **state) { (void)state; cc_errors(); }
static void test_formats(void **state) { (void)state; cc_formats(); }

/* A wrapped connection (a sink's, inside its transaction) gets the functions too. */
static void test_wrapped(void **state)
{
    (void)state;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(th_db, &db), SQLITE_OK);
    sl_adapter *saved = cc_a;
    assert_int_equal(sl_adapter_wrap_sqlite(db, &cc_a), 0);
    assert_int_equal(sqlite3_exec(db, "BEGIN; INSERT INTO people (id, code) VALUES (9, 'zz')", NULL, NULL, NULL),
                     SQLITE_OK);
    cc_case("- regex: {column: code, pattern: '^AB-[0-9]$'}\n", "fail", 2, 2, NULL, "\"code\":\"zz\"");
    cc_case("- format: {column: email, format: email}\n", "fail", 1, 1, NULL, NULL);
    sl_adapter_close(cc_a);
    cc_a = saved;
    /* the staged row was never committed; the connection is still open and in its transaction */
    assert_int_equal(sqlite3_get_autocommit(db), 0);
    assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(cc_int("SELECT count(*) FROM people"), 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_row_level, cc_setup, cc_teardown),
        cmocka_unit_test_setup_teardown(test_aggregates, cc_setup, cc_teardown),
        cmocka_unit_test_setup_teardown(test_history, cc_setup, cc_teardown),
        cmocka_unit_test_setup_teardown(test_errors, cc_setup, cc_teardown),
        cmocka_unit_test_setup_teardown(test_formats, cc_setup, cc_teardown),
        cmocka_unit_test_setup_teardown(test_wrapped, cc_setup, cc_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
