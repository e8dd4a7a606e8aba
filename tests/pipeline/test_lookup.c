/* test_lookup.c: the lookup transform through the library API: a
 * compound key, the types of the added columns, a later transform using
 * them, and a lookup table that is not there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"

static void warehouse_exec(const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(th_db, &db), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("%s", msg);
    sqlite3_close(db);
}

static int setup(void **state)
{
    th_setup(state);
    th_write(th_dir, "data/c.csv",
             "id,region,code\n"
             "1,eu,7\n"
             "2,us,7\n"
             "3,eu,8\n"
             "4,EU,7\n");
    warehouse_exec("CREATE TABLE regions (region TEXT, code INTEGER, label TEXT, since TIMESTAMP, score REAL);"
                   "INSERT INTO regions VALUES ('eu', 7, 'Europe 7', '2026-01-02 03:04:05', 1.5),"
                   " ('us', '7', 'US 7', NULL, 2), ('eu', 8, NULL, '2026-02-01 00:00:00', NULL);");
    return 0;
}

static void test_compound_key_and_types(void **state)
{
    (void)state;
    th_write(th_dir, "pipelines/c.yml",
             "source: {type: csv, path: data/c.csv}\n"
             "transforms:\n"
             "  - {type: lookup, from: regions, key: {region: region, code: code}, columns: [label, since, score],"
             " on_miss: drop}\n"
             "  - {type: derive, columns: {double_score: score * 2}}\n"
             "sinks: [{type: sqlite, table: c}]\n");
    sl_run_result r = th_run_dir(th_dir, "c");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.read, 4);
    assert_int_equal(r.counts.loaded, 3);
    assert_int_equal(r.counts.filtered, 1); /* 'EU' is not 'eu': case matters */
    char *t = th_sql_text(th_db, "SELECT group_concat(id || ':' || coalesce(label, '-') || ':' || coalesce(since, '-')"
                                 " || ':' || coalesce(double_score, '-'), ' ') FROM c");
    assert_string_equal(t, "1:Europe 7:2026-01-02T03:04:05Z:3.0 2:US 7:-:4.0 3:-:2026-02-01T00:00:00Z:-");
    free(t);
    /* the declared types are kept: a timestamp, a float */
    t = th_sql_text(th_db, "SELECT group_concat(name || ' ' || type, ', ') FROM pragma_table_info('c')");
    assert_string_equal(t, "id INTEGER, region TEXT, code INTEGER, label TEXT, since TIMESTAMP TEXT, score REAL, "
                           "double_score REAL");
    free(t);
}

static void test_missing_table(void **state)
{
    (void)state;
    th_write(th_dir, "pipelines/c.yml",
             "source: {type: csv, path: data/c.csv}\n"
             "transforms:\n"
             "  - {type: lookup, from: regionz, key: {region: region}, columns: [label]}\n"
             "sinks: [{type: sqlite, table: c}]\n");
    sl_run_result r = th_run_dir(th_dir, "c");
    assert_string_equal(r.status, "failed");
    assert_non_null(strstr(r.error, "there is no table 'regionz' in the warehouse"));
    th_write(th_dir, "pipelines/c.yml",
             "source: {type: csv, path: data/c.csv}\n"
             "transforms:\n"
             "  - {type: lookup, from: regions, key: {region: region}, columns: [labl]}\n"
             "sinks: [{type: sqlite, table: c}]\n");
    r = th_run_dir(th_dir, "c");
    assert_string_equal(r.status, "failed");
    assert_non_null(strstr(r.error, "columns: 'labl' is not a column of regions"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_compound_key_and_types, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_missing_table, setup, th_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
