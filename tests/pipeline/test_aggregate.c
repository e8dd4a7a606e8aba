/* test_aggregate.c: the aggregate transform through the library API: one
 * group over the whole run (ints sum to an int, dates keep their type),
 * rows without an event time dropped as late, and an empty input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"

static int setup(void **state)
{
    th_setup(state);
    th_write(th_dir, "data/e.csv",
             "n,d,ts\n"
             "3,2026-01-05,2026-01-01T00:10:00Z\n"
             "4,2026-01-02,\n"
             "5,2026-01-09,2026-01-01T00:20:00Z\n");
    th_write(th_dir, "data/empty.csv", "n,d,ts\n");
    return 0;
}

static void test_one_group(void **state)
{
    (void)state;
    th_write(th_dir, "pipelines/e.yml",
             "source: {type: csv, path: data/e.csv}\n"
             "transforms:\n"
             "  - {type: aggregate, aggregates: {rows: count, total: sum(n), lo: min(d), hi: max(d), m: avg(n)}}\n"
             "sinks: [{type: sqlite, table: e}]\n");
    sl_run_result r = th_run_dir(th_dir, "e");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.read, 3);
    assert_int_equal(r.counts.loaded, 1);
    assert_int_equal(r.counts.filtered, 2);
    char *t = th_sql_text(th_db, "SELECT rows || '|' || total || '|' || typeof(total) || '|' || lo || '|' || hi || '|' || m "
                                 "FROM e");
    assert_string_equal(t, "3|12|integer|2026-01-02|2026-01-09|4.0");
    free(t);
    t = th_sql_text(th_db, "SELECT type FROM pragma_table_info('e') WHERE name = 'lo'");
    assert_string_equal(t, "DATE TEXT");
    free(t);
}

static void test_no_event_time_is_late(void **state)
{
    (void)state;
    th_write(th_dir, "pipelines/e.yml",
             "source: {type: csv, path: data/e.csv}\n"
             "transforms:\n"
             "  - {type: aggregate, aggregates: {rows: count}, window: {time: ts, size: 1h}}\n"
             "sinks: [{type: sqlite, table: e}]\n");
    sl_run_result r = th_run_dir(th_dir, "e");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.read, 3);
    assert_int_equal(r.counts.loaded, 1);
    assert_int_equal(r.counts.filtered, 2); /* one folded into the group, one without a time dropped */
    char *t = th_sql_text(th_db, "SELECT window_start || '|' || window_end || '|' || rows FROM e");
    assert_string_equal(t, "2026-01-01T00:00:00Z|2026-01-01T01:00:00Z|2");
    free(t);
}

static void test_empty_input(void **state)
{
    (void)state;
    th_write(th_dir, "pipelines/e.yml",
             "source: {type: csv, path: data/empty.csv}\n"
             "transforms:\n"
             "  - {type: aggregate, group_by: [d], aggregates: {rows: count}}\n"
             "sinks: [{type: jsonl, path: out/e.jsonl}]\n");
    sl_run_result r = th_run_dir(th_dir, "e");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.read, 0);
    assert_int_equal(r.counts.loaded, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_group, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_no_event_time_is_late, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_empty_input, setup, th_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
