/* test_materialize.c: materializations on the SQLite warehouse (the cases
 * in mat_cases.h), plus what only SQLite has: custom schemas as attached
 * files next to the warehouse, and its busy/WAL settings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "helpers.h"
#include <sqlite3.h>
#include "mat_cases.h"

static void mc_open(void)
{
    sl_error err;
    if (!mc_p)
        mc_p = th_project(th_dir);
    if (sl_adapter_open(mc_p, &mc_a, &err) < 0)
        fail_msg("open: %s", err.msg);
    assert_string_equal(sl_adapter_type(mc_a), "sqlite");
    assert_string_equal(sl_adapter_schema(mc_a), "main");
}

static int mc_setup(void **state)
{
    mc_p = NULL;
    return th_setup(state);
}

static int mc_teardown(void **state)
{
    sl_project_free(mc_p);
    mc_p = NULL;
    return th_teardown(state);
}

/* schema: staging is the file warehouse.staging.db, attached at open */
static void test_sqlite_custom_schema(void **state)
{
    (void)state;
    mc_open();
    mc_raw();
    sl_node n = mc_node("st", "table");
    n.schema = "staging";
    mc_build(&n, "select id, v from main.raw", 0);
    char path[4300];
    snprintf(path, sizeof path, "%s/warehouse.staging.db", th_dir);
    assert_int_equal(access(path, F_OK), 0);
    MC_ROWS("SELECT id, v FROM staging.st ORDER BY id", "1,a;2,b");
    sl_adapter_close(mc_a);
    /* a new connection sees it */
    mc_open();
    assert_true(mc_exists("staging", "st", NULL));
    assert_false(mc_exists("staging", "raw", NULL));
    assert_false(mc_exists("nowhere", "st", NULL));
    /* a view in one file cannot read another: the error says what to do */
    sl_node v = mc_node("sv", "view");
    v.schema = "staging";
    char msg[2048];
    mc_build_fails(&v, "select * from \"main\".\"raw\"", 0, msg, sizeof msg);
    assert_non_null(strstr(msg, "materialize it as a table"));
    /* a view over its own schema's table works */
    mc_build(&v, "select count(*) as n from \"staging\".\"st\"", 0);
    MC_ROWS("SELECT n FROM staging.sv", "2");
    /* names that cannot be files */
    sl_node bad = mc_node("b", "table");
    bad.schema = "../up";
    mc_build_fails(&bad, "select 1 as x", 0, msg, sizeof msg);
    assert_non_null(strstr(msg, "schema '../up' cannot be a SQLite schema"));
    sl_adapter_close(mc_a);
}

/* md5() matches PostgreSQL's; sha256() from the expression functions */
static void test_sqlite_functions(void **state)
{
    (void)state;
    mc_open();
    MC_ROWS("SELECT md5('abc'), md5(NULL) IS NULL", "900150983cd24fb0d6963f7d28e17f72,1");
    MC_ROWS("SELECT sha256('abc')", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    MC_ROWS("PRAGMA journal_mode", "wal");
    sl_adapter_close(mc_a);
}

/* A reader in the middle of a read transaction neither fails the table
 * swap nor sees half of it: it keeps the old table until it ends, then
 * sees the new one whole. */
static void reader_during_swap(const char *name)
{
    sl_node n = mc_node(name, "table");
    mc_build(&n, "select id, v from raw", 0);
    char count[100];
    snprintf(count, sizeof count, "SELECT count(*) FROM %s", name);
    sqlite3 *rd;
    assert_int_equal(sqlite3_open(th_db, &rd), SQLITE_OK);
    assert_int_equal(sqlite3_exec(rd, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(rd, count, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int before = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    mc_x("INSERT INTO raw SELECT max(id) + 1, 'n' FROM raw");
    sl_mat_result r = mc_build(&n, "select id, v from raw", 0);
    assert_int_equal(r.rows_affected, before + 1);
    /* still the reader's snapshot */
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), before);
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_exec(rd, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(rd);
    assert_int_equal(th_sql_int(th_db, count), before + 1);
}

/* A reader in the middle of a read transaction neither fails the table
 * build nor sees half of it: it keeps the old table until it ends, then
 * sees the new one whole; through the work table and RENAME ("t" is in
 * the SQL), and built in place ("kept" is not). */
static void test_sqlite_reader_during_swap(void **state)
{
    (void)state;
    mc_open();
    mc_raw();
    reader_during_swap("t");
    reader_during_swap("kept");
    sl_adapter_close(mc_a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        MC_CASES,
        cmocka_unit_test_setup_teardown(test_sqlite_custom_schema, mc_setup, mc_teardown),
        cmocka_unit_test_setup_teardown(test_sqlite_functions, mc_setup, mc_teardown),
        cmocka_unit_test_setup_teardown(test_sqlite_reader_during_swap, mc_setup, mc_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
