/* test_csv_sqlite.c: the csv source into the sqlite sink, through the
 * library API: modes, types, schema evolution, incremental new_files,
 * compressed input, DLQ and the accounting invariant. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "helpers.h"

static void test_append_types_and_rejects(void **state)
{
    th_write(th_dir, "data/c.csv",
             "id,name,score,joined,active,ratio\n"
             "1,Ann,10,2026-01-01,true,0.5\n"
             "2,\"Bo, Jr\",,2026-01-02,false,1\n"
             "x,Bad,3,2026-01-03,true,2\n"
             "4,Dee,4,2026-01-04\n"
             "5,Eve,5,2026-01-05,true,2.25\n");
    th_write(th_dir, "pipelines/c.yml",
             "source: {type: csv, path: data/c.csv, columns: {id: int}}\n"
             "sinks: [{type: sqlite, table: people}]\n");
    sl_run_result r = th_run_dir(th_dir, "c");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.read, 5);
    assert_int_equal(r.counts.loaded, 3);
    assert_int_equal(r.counts.rejected, 2); /* 'x' is not an int; row 4 has 4 fields */
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM people"), 3);
    /* inferred types reach the table: ints are integers, floats reals, empty is NULL */
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM people WHERE typeof(score) = 'integer'"), 2);
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM people WHERE score IS NULL"), 1);
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM people WHERE typeof(ratio) = 'real'"), 3);
    char *t = th_sql_text(th_db, "SELECT name FROM people WHERE id = 2");
    assert_string_equal(t, "Bo, Jr");
    free(t);
    t = th_sql_text(th_db, "SELECT type FROM pragma_table_info('people') WHERE name = 'joined'");
    assert_string_equal(t, "DATE TEXT");
    free(t);
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM dlq WHERE reason = 'expected 6 fields, found 4' AND line = 5"), 1);
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM dlq WHERE reason LIKE 'column ''id'': ''x'' is not a valid int' AND line = 4"), 1);
    /* append again: a second full copy */
    r = th_run_dir(th_dir, "c");
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM people"), 6);
}

/* Regression: epochs were numbered from 1 in each state store, so a new
 * state store (.sluice deleted, the warehouse kept) reused an epoch id that
 * the warehouse's positions carried, and the run skipped every row. */
static void test_new_state_store_reloads(void **state)
{
    th_write(th_dir, "data/n.csv", "id\n1\n2\n3\n");
    th_write(th_dir, "pipelines/n.yml",
             "source: {type: csv, path: data/n.csv}\n"
             "sinks: [{type: sqlite, table: n}]\n");
    th_run_dir(th_dir, "n");
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s/.sluice'", th_dir);
    assert_int_equal(system(cmd), 0);
    sl_run_result r = th_run_dir(th_dir, "n");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.loaded, 3);
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM n"), 6);
}

static void test_upsert_and_widening(void **state)
{
    th_write(th_dir, "data/u1.csv", "id,v\n1,10\n2,20\n");
    th_write(th_dir, "pipelines/u.yml",
             "source: {type: csv, path: data/u*.csv}\n"
             "sinks: [{type: sqlite, table: u, mode: upsert, key: [id]}]\n");
    th_run_dir(th_dir, "u");
    th_write(th_dir, "data/u2.csv", "id,v,extra\n2,21.5,new\n3,30,x\n");
    sl_run_result r = th_run_dir(th_dir, "u");
    assert_string_equal(r.status, "success");
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM u"), 3);
    char *t = th_sql_text(th_db, "SELECT v FROM u WHERE id = 2");
    assert_string_equal(t, "21.5");
    free(t);
    t = th_sql_text(th_db, "SELECT extra FROM u WHERE id = 3");
    assert_string_equal(t, "x"); /* a new source column added a table column */
    free(t);
}

static void test_full_refresh_swaps(void **state)
{
    th_write(th_dir, "data/f.csv", "k\n1\n2\n3\n");
    th_write(th_dir, "pipelines/f.yml",
             "source: {type: csv, path: data/f.csv}\n"
             "sinks: [{type: sqlite, table: f, mode: full_refresh}]\n");
    th_run_dir(th_dir, "f");
    th_run_dir(th_dir, "f");
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM f"), 3);
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM sqlite_master WHERE name LIKE '%staging%'"), 0);
}

static void test_incremental_new_files(void **state)
{
    th_write(th_dir, "data/in/a.csv", "id\n1\n2\n");
    th_write(th_dir, "pipelines/inc.yml",
             "source: {type: csv, path: data/in, incremental: new_files}\n"
             "sinks: [{type: sqlite, table: inc}]\n");
    sl_run_result r = th_run_dir(th_dir, "inc");
    assert_int_equal(r.counts.loaded, 2);
    r = th_run_dir(th_dir, "inc");
    assert_int_equal(r.counts.read, 0); /* nothing new */
    th_write(th_dir, "data/in/b.csv", "id\n3\n");
    r = th_run_dir(th_dir, "inc");
    assert_int_equal(r.counts.loaded, 1);
    /* touching a file without changing it does not reload it */
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "touch -d '2030-01-01' '%s/data/in/a.csv'", th_dir);
    assert_int_equal(system(cmd), 0);
    r = th_run_dir(th_dir, "inc");
    assert_int_equal(r.counts.read, 0);
    /* a changed file is loaded again */
    th_write(th_dir, "data/in/a.csv", "id\n1\n2\n4\n");
    r = th_run_dir(th_dir, "inc");
    assert_int_equal(r.counts.loaded, 3);
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM inc"), 6);
}

static void test_compressed_inputs(void **state)
{
    th_write(th_dir, "data/z/a.csv", "id,name\n1,one\n2,two\n");
    th_write(th_dir, "data/z/b.csv", "id,name\n3,three\n");
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "cd '%s/data/z' && gzip a.csv && zstd -q --rm b.csv", th_dir);
    assert_int_equal(system(cmd), 0);
    th_write(th_dir, "pipelines/z.yml", "source: {type: csv, path: 'data/z/*'}\nsinks: [{type: sqlite, table: z}]\n");
    sl_run_result r = th_run_dir(th_dir, "z");
    assert_string_equal(r.status, "success");
    assert_int_equal(th_sql_int(th_db, "SELECT sum(id) FROM z"), 6);
}

static void test_on_error_fail(void **state)
{
    th_write(th_dir, "data/e.csv", "id\n1\nbad\n3\n");
    th_write(th_dir, "pipelines/e.yml",
             "source: {type: csv, path: data/e.csv, columns: {id: int}}\n"
             "sinks: [{type: sqlite, table: e}]\non_error: fail\n");
    sl_project *p = th_project(th_dir);
    sl_run_result r;
    assert_int_equal(th_run(p, "e", &r), -1);
    sl_project_free(p);
    assert_string_equal(r.status, "failed");
    assert_non_null(strstr(r.error, "line 3"));
    assert_non_null(strstr(r.error, "'bad' is not a valid int"));
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM sqlite_master WHERE name = 'e'"), 0);
}

static void test_csv_options(void **state)
{
    th_write(th_dir, "data/o.csv",
             "exported by crm v2\n"
             "1;\"semi;colon\";NULL\n"
             "2;\"quote \\\" inside\";7\n"
             "3;caf\xe9;N/A\n"
             "4;plain;\"NULL\"\n");
    th_write(th_dir, "pipelines/o.yml",
             "source:\n"
             "  type: csv\n"
             "  path: data/o.csv\n"
             "  delimiter: ';'\n"
             "  escape: '\\'\n"
             "  header: false\n"
             "  skip_rows: 1\n"
             "  column_names: [id, name, v]\n"
             "  null_values: ['NULL', 'N/A']\n"
             "  encoding_errors: replace\n"
             "  infer_types: false\n"
             "sinks: [{type: sqlite, table: o}]\n");
    sl_run_result r = th_run_dir(th_dir, "o");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.loaded, 4);
    char *t = th_sql_text(th_db, "SELECT name FROM o WHERE id = '1'");
    assert_string_equal(t, "semi;colon");
    free(t);
    t = th_sql_text(th_db, "SELECT name FROM o WHERE id = '2'");
    assert_string_equal(t, "quote \" inside");
    free(t);
    t = th_sql_text(th_db, "SELECT name FROM o WHERE id = '3'");
    assert_string_equal(t, "caf\xef\xbf\xbd"); /* the invalid byte became U+FFFD */
    free(t);
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM o WHERE v IS NULL"), 2);
    t = th_sql_text(th_db, "SELECT v FROM o WHERE id = '4'");
    assert_string_equal(t, "NULL"); /* quoted: a value, not a null */
    free(t);
    /* encoding_errors: reject (the default) sends the row to the DLQ */
    th_write(th_dir, "pipelines/o2.yml",
             "source: {type: csv, path: data/o.csv, delimiter: ';', escape: '\\', header: false, skip_rows: 1}\n"
             "sinks: [{type: sqlite, table: o2}]\n");
    r = th_run_dir(th_dir, "o2");
    assert_int_equal(r.counts.rejected, 1);
    assert_int_equal(r.counts.loaded, 3);
    t = th_sql_text(th_db, "SELECT group_concat(name) FROM pragma_table_info('o2')");
    assert_string_equal(t, "column_1,column_2,column_3");
    free(t);
}

/* Regression 2026-11-30 (issue #10 item 10): malformed quoting changed
 * field boundaries silently ("b"c loaded as bc, "b,c<newline>d"e as
 * b,c<newline>de, nothing in the DLQ); with escape: '\\' the field "c\d"
 * lost its backslash. Comment lines are skipped and not counted. */
static void test_csv_bad_quotes_and_comments(void **state)
{
    th_write(th_dir, "data/q.csv",
             "# exported 2026-11-30\n"
             "id,a,b\n"
             "1,\"b\"c,x\n"
             "2,\"b,c\nd\"e,y\n"
             "# a note between rows\n"
             "3,\"ok\"  ,\"c\\d\"\n"
             "4,\"say \\\"hi\\\"\",z\n");
    th_write(th_dir, "pipelines/q.yml",
             "source: {type: csv, path: data/q.csv, escape: '\\', comment: '#', infer_types: false}\n"
             "sinks: [{type: sqlite, table: q}]\n");
    sl_run_result r = th_run_dir(th_dir, "q");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.read, 4); /* comment lines are no records */
    assert_int_equal(r.counts.loaded, 2);
    assert_int_equal(r.counts.rejected, 2);
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM dlq WHERE line = 3 AND reason = "
                                                 "'text after the closing quote of field 2 at line 3, column 6'"), 1);
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM dlq WHERE line = 4 AND reason = "
                                                 "'text after the closing quote of field 2 at line 5, column 3'"), 1);
    char *t = th_sql_text(th_db, "SELECT a || '|' || b FROM q WHERE id = '3'");
    assert_string_equal(t, "ok|c\\d"); /* spaces after the quote trimmed; the backslash kept */
    free(t);
    t = th_sql_text(th_db, "SELECT a FROM q WHERE id = '4'");
    assert_string_equal(t, "say \"hi\"");
    free(t);
}

static void test_widening_mid_run(void **state)
{
    /* batches of 2 rows: the first batch infers int; later values widen it */
    th_write(th_dir, "data/w.csv", "id,v\n1,1\n2,2\n3,3.5\n4,4\n5,n/a\n6,6\n");
    th_write(th_dir, "pipelines/w.yml",
             "source: {type: csv, path: data/w.csv}\nbatch_rows: 2\nsinks: [{type: sqlite, table: w}]\n");
    sl_run_result r = th_run_dir(th_dir, "w");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.loaded, 6); /* nothing rejected: inferred types widen */
    char *t = th_sql_text(th_db, "SELECT group_concat(v, '|') FROM w");
    /* the table was created INTEGER from the first batch: SQLite keeps 3.5 and
     * 'n/a' as they are and stores the float 4.0 as the integer 4 (lossless) */
    assert_string_equal(t, "1|2|3.5|4|n/a|6");
    free(t);
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM schema_changes WHERE column_name = 'v' AND "
                                                 "change LIKE 'widened from int to float (value at line 4)'"), 1);
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM schema_changes WHERE column_name = 'v' AND "
                                                 "change LIKE 'widened from float to text (value at line 6)'"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_append_types_and_rejects, th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_upsert_and_widening, th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_new_state_store_reloads, th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_full_refresh_swaps, th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_incremental_new_files, th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_compressed_inputs, th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_on_error_fail, th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_csv_options, th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_widening_mid_run, th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_csv_bad_quotes_and_comments, th_setup, th_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
