/* test_resume_gate.c: the engine's resume logic and its quality gate,
 * through the library API: a resumed run skips, without committing, the
 * batches a sink already holds (its position never moves back) and does
 * not count them again; `max_rejected` (rows or a percentage) fails the
 * run, rolls back the batch that crosses it, and holds over the epoch
 * until the limit changes or the run restarts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"

static void sh(const char *fmt, const char *arg)
{
    char cmd[9000];
    snprintf(cmd, sizeof cmd, fmt, arg);
    assert_int_equal(system(cmd), 0);
}

static sl_run_result run_restart(const char *pipeline)
{
    sl_project *p = th_project(th_dir);
    sl_run_result r;
    sl_run_options o = {0};
    o.restart = 1;
    sl_pipeline *pl = sl_project_find(p, pipeline);
    assert_non_null(pl);
    sl_state *st;
    sl_error err;
    assert_int_equal(sl_state_open_project(p, &st, &err), 0);
    sl_pipeline_run(p, pl, st, &o, &r, &err);
    sl_state_close(st);
    sl_project_free(p);
    return r;
}

/* Regression (case 45): a resumed run with a dedupe re-reads its epoch from
 * the start; the sink skipped the rows it held but committed each skipped
 * batch's end, so its position went back to the first batch and the next
 * crash loaded those rows again. Here a run fails at batch 3 (the table
 * refuses a row, on_error: fail) after committing batches 1 and 2; the
 * table is then fixed and the resumed run neither writes nor commits
 * batches 1-2, and counts only the rows it loaded. */
static void test_resumed_run_skips_without_committing(void **state)
{
    sl_buf csv;
    sl_buf_init(&csv);
    sl_buf_adds(&csv, "id,v\n");
    for (int i = 1; i <= 10; i++)
        sl_buf_addf(&csv, "%d,%d\n", i, i == 5 ? -1 : i);
    th_write(th_dir, "data/d.csv", csv.data);
    sl_buf_release(&csv);
    th_write(th_dir, "pipelines/d.yml",
             "source: {type: csv, path: data/d.csv, columns: {id: int, v: int}}\n"
             "transforms: [{type: dedupe, key: [id]}]\n"
             "sinks: [{type: sqlite, table: d}]\n"
             "batch_rows: 2\non_error: fail\n");
    sh("sqlite3 '%s' 'CREATE TABLE d (id INTEGER, v INTEGER CHECK (v >= 0))'", th_db);
    sl_run_result r = th_run_dir(th_dir, "d");
    assert_string_equal(r.status, "failed");
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM d"), 4);
    int64_t pos = th_sql_int(th_db, "SELECT offset FROM _sluice_state");
    /* the table accepts the row now; rows and position stay */
    sh("sqlite3 '%s' 'CREATE TABLE d2 (id INTEGER, v INTEGER); INSERT INTO d2 SELECT * FROM d; DROP TABLE d; "
       "ALTER TABLE d2 RENAME TO d'", th_db);
    r = th_run_dir(th_dir, "d");
    assert_string_equal(r.status, "success");
    assert_true(r.resumed);
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM d"), 10);
    assert_int_equal(th_sql_int(th_db, "SELECT count(DISTINCT id) FROM d"), 10);
    /* rows 1-4 were loaded by the failed run: not read, loaded or counted again */
    assert_int_equal(r.counts.read, 6);
    assert_int_equal(r.counts.loaded, 6);
    th_assert_accounting(&r);
    assert_true(pos > 0);
}

/* Case 31: max_rejected: 0 is a gate. The failed run's rows are rolled
 * back, the rerun (which resumes the epoch) fails the same way, and a
 * higher limit lets the same epoch finish. */
static void test_gate_rolls_back_and_holds(void **state)
{
    th_write(th_dir, "x.csv", "id,score\n1,10\n2,oops\n3,30\n");
    th_write(th_dir, "pipelines/load.yml",
             "source: {type: csv, path: x.csv, columns: {score: int}}\n"
             "sinks: [{type: sqlite, table: t}]\nmax_rejected: 0\n");
    sl_run_result r = th_run_dir(th_dir, "load");
    assert_string_equal(r.status, "failed");
    assert_non_null(strstr(r.error, "1 rows rejected, more than max_rejected (0)"));
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM sqlite_master WHERE name = 't'"), 0);
    assert_int_equal(r.counts.loaded, 0);
    r = th_run_dir(th_dir, "load");
    assert_string_equal(r.status, "failed");
    assert_true(r.resumed);
    assert_non_null(strstr(r.error, "1 rows rejected, more than max_rejected (0)"));
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM sqlite_master WHERE name = 't'"), 0);
    /* --restart opens a new epoch: same input, same verdict */
    r = run_restart("load");
    assert_string_equal(r.status, "failed");
    assert_false(r.resumed);
    /* the limit raised: the same epoch passes, and loads the good rows once */
    th_write(th_dir, "pipelines/load.yml",
             "source: {type: csv, path: x.csv, columns: {score: int}}\n"
             "sinks: [{type: sqlite, table: t}]\nmax_rejected: 1\n");
    r = th_run_dir(th_dir, "load");
    assert_string_equal(r.status, "success");
    assert_true(r.resumed);
    assert_int_equal(r.counts.loaded, 2);
    assert_int_equal(r.counts.rejected, 1);
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM t"), 2);
    th_assert_accounting(&r);
}

/* The count covers the epoch: rejects committed by a failed run count for
 * the run that resumes it, which would otherwise pass with fewer. */
static void test_gate_counts_the_epoch(void **state)
{
    th_write(th_dir, "m.csv", "id\n1\nx\n3\n4\ny\n6\n");
    th_write(th_dir, "pipelines/m.yml",
             "source: {type: csv, path: m.csv, columns: {id: int}}\n"
             "sinks: [{type: sqlite, table: m}]\nbatch_rows: 2\nmax_rejected: 1\n");
    sl_run_result r = th_run_dir(th_dir, "m");
    assert_string_equal(r.status, "failed");
    assert_non_null(strstr(r.error, "2 rows rejected, more than max_rejected (1)"));
    /* batches 1 and 2 committed (1 reject); batch 3 crossed the limit and rolled back */
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM m"), 3);
    assert_int_equal(r.counts.rejected, 1);
    r = th_run_dir(th_dir, "m");
    assert_string_equal(r.status, "failed");
    assert_non_null(strstr(r.error, "2 rows rejected, more than max_rejected (1)"));
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM m"), 3);
    th_write(th_dir, "pipelines/m.yml",
             "source: {type: csv, path: m.csv, columns: {id: int}}\n"
             "sinks: [{type: sqlite, table: m}]\nbatch_rows: 2\nmax_rejected: 2\n");
    r = th_run_dir(th_dir, "m");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.read, 2);
    assert_int_equal(r.counts.loaded, 1);
    assert_int_equal(r.counts.rejected, 1);
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM m"), 4);
    assert_int_equal(th_sql_int(th_db, "SELECT sum(id) FROM m"), 14);
}

/* A percentage is checked on the whole input, before anything is
 * published: a full_refresh keeps the previous table. */
static void test_gate_percentage(void **state)
{
    sl_buf csv;
    sl_buf_init(&csv);
    sl_buf_adds(&csv, "id\n");
    for (int i = 1; i <= 1000; i++)
        sl_buf_addf(&csv, i % 200 == 0 ? "bad%d\n" : "%d\n", i); /* 5 bad: 0.5% */
    th_write(th_dir, "p.csv", csv.data);
    th_write(th_dir, "pipelines/p.yml",
             "source: {type: csv, path: p.csv, columns: {id: int}}\n"
             "sinks: [{type: sqlite, table: p, mode: full_refresh}]\nbatch_rows: 100\nmax_rejected: 1%\n");
    sl_run_result r = th_run_dir(th_dir, "p");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.rejected, 5);
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM p"), 995);
    /* 15 bad: 1.5% */
    sl_buf_reset(&csv);
    sl_buf_adds(&csv, "id\n");
    for (int i = 1; i <= 1000; i++)
        sl_buf_addf(&csv, i % 200 == 0 || i % 100 == 50 ? "bad%d\n" : "%d\n", i);
    th_write(th_dir, "p.csv", csv.data);
    sl_buf_release(&csv);
    r = th_run_dir(th_dir, "p");
    assert_string_equal(r.status, "failed");
    assert_non_null(strstr(r.error, "15 of 1000 rows rejected (1.50%), more than max_rejected (1%)"));
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM p"), 995);
    r = th_run_dir(th_dir, "p");
    assert_string_equal(r.status, "failed");
    assert_non_null(strstr(r.error, "15 of 1000 rows rejected"));
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM p"), 995);
    th_write(th_dir, "pipelines/p.yml",
             "source: {type: csv, path: p.csv, columns: {id: int}}\n"
             "sinks: [{type: sqlite, table: p, mode: full_refresh}]\nbatch_rows: 100\nmax_rejected: 1.5%\n");
    r = th_run_dir(th_dir, "p");
    assert_string_equal(r.status, "success");
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM p"), 985);
}

/* Rows a sink refuses count toward the limit like rows typing refuses. */
static void test_gate_counts_sink_rejects(void **state)
{
    th_write(th_dir, "s.csv", "id,v\n1,1\n2,-2\n3,3\n");
    th_write(th_dir, "pipelines/s.yml",
             "source: {type: csv, path: s.csv, columns: {id: int, v: int}}\n"
             "sinks: [{type: sqlite, table: s}]\nmax_rejected: 0\n");
    sh("sqlite3 '%s' 'CREATE TABLE s (id INTEGER, v INTEGER CHECK (v >= 0))'", th_db);
    sl_run_result r = th_run_dir(th_dir, "s");
    assert_string_equal(r.status, "failed");
    assert_non_null(strstr(r.error, "1 rows rejected, more than max_rejected (0)"));
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM s"), 0);
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM dlq WHERE stage = 'sqlite'"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_resumed_run_skips_without_committing, th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_gate_rolls_back_and_holds, th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_gate_counts_the_epoch, th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_gate_percentage, th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_gate_counts_sink_rejects, th_setup, th_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
