/* test_aggregate.c: the aggregate transform through the library API: one
 * group over the whole run (ints sum to an int, dates keep their type),
 * rows without an event time dropped as late, an empty input, and the
 * native group table (agg_hash.h) against the SQLite path on generated
 * mixed-type rows, with and without a spill, and groups whose only values
 * are text (they sum to numbers, not NULL). */
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

/* The next value of a fixed-seed generator (deterministic data). */
static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 8) & 0xffffff;
}

static char *slurp(const char *dir, const char *rel)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *t = calloc(1, (size_t)n + 1);
    assert_int_equal(fread(t, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return t;
}

/* Mixed types, NULLs, keys that are one group for SQLite's table (1, 1.0,
 * '1') or two ('01' and 1, 'a' and 'A'), sums that overflow 64 bits,
 * texts whose number is a prefix, in batches of 16 rows (so a column's
 * type changes from batch to batch): the native table, the native table
 * spilling after a few groups (memory_limit 4096: 1 KiB) and the SQLite
 * path (SLUICE_AGG_NATIVE=0) write the same lines. */
static void test_native_matches_sqlite(void **state)
{
    (void)state;
    static const char *const keys[] = {"1", "1.0", "\"1\"", "\"01\"", "null", "\"a\"", "\"A\"", "true", "2",
                                       "\"2.0\"", "1e3", "\"1000\"", "0", "-0.5"};
    static const char *const vals[] = {"5", "-3", "9223372036854775807", "9223372036854775000",
                                       "-9223372036854775808", "2.5", "1e308", "-1e308", "\"7\"", "\"12abc\"",
                                       "\" 3\"", "\"x\"", "\"\"", "null", "true", "\"1e3\"",
                                       "\"9223372036854775808\"", "\"0x10\"", "0.1", "\"-4.5\""};
    static const char *const ints[] = {"1", "-7", "4611686018427387904", "9223372036854775807", "null", "42"};
    uint32_t seed = 20261201;
    sl_buf data;
    sl_buf_init(&data);
    for (int i = 0; i < 240; i++) {
        /* the first batches one type per column, then mixed */
        const char *k = i < 32 ? keys[lcg(&seed) % 3 == 0 ? 8 : 0] : keys[lcg(&seed) % 14];
        const char *v = i < 16 ? "5" : i < 32 ? "2.5" : vals[lcg(&seed) % 20];
        const char *n = ints[lcg(&seed) % 6];
        sl_buf_addf(&data, "{\"id\": %d, \"g\": %u, \"k\": %s, \"v\": %s, \"n\": %s, \"f\": %s}\n", i,
                    lcg(&seed) % 97, k, v, n, lcg(&seed) % 5 ? "0.25" : "null");
    }
    sl_buf_addc(&data, 0);
    th_write(th_dir, "data/m.jsonl", data.data);
    sl_buf_release(&data);
    static const char *const groups[] = {"[k]", "[g, k]", "[]"};
    static const char *const limits[] = {"", ", memory_limit: 4096", ""};
    const char *aggs = "{c: count, cv: count(v), s: sum(v), lo: min(v), hi: max(v), m: avg(v), fi: first(v), "
                       "la: last(v), sn: sum(n), mn: avg(n), lon: min(n), sf: sum(f), lok: min(k), hik: max(k)}";
    for (int gi = 0; gi < 3; gi++) {
        char *out[3];
        for (int mode = 0; mode < 3; mode++) {
            char yml[1200];
            snprintf(yml, sizeof yml,
                     "batch_rows: 16\n"
                     "source: {type: jsonl, path: data/m.jsonl}\n"
                     "transforms:\n"
                     "  - {type: aggregate, group_by: %s, aggregates: %s%s}\n"
                     "sinks: [{type: jsonl, path: out/m%d.jsonl}]\n",
                     groups[gi], aggs, limits[mode], mode);
            th_write(th_dir, "pipelines/m.yml", yml);
            if (mode == 2)
                setenv("SLUICE_AGG_NATIVE", "0", 1);
            sl_run_result r = th_run_dir(th_dir, "m");
            unsetenv("SLUICE_AGG_NATIVE");
            assert_string_equal(r.status, "success");
            assert_int_equal(r.counts.read, 240);
            th_assert_accounting(&r);
            char rel[64];
            snprintf(rel, sizeof rel, "out/m%d.jsonl", mode);
            out[mode] = slurp(th_dir, rel);
        }
        assert_string_equal(out[0], out[2]);
        assert_string_equal(out[1], out[2]);
        size_t lines = 0;
        for (const char *p = out[2]; *p; p++)
            lines += *p == '\n';
        /* [k]: 1, 1.0, '1', true(1) are one key... at least 8 groups; [g, k]: many; []: one */
        if (gi == 0)
            assert_true(lines >= 8 && lines <= 14);
        else if (gi == 1)
            assert_true(lines > 100);
        else
            assert_non_null(strstr(out[2], "\"c\":240"));
        for (int mode = 0; mode < 3; mode++)
            free(out[mode]);
    }
}

/* A group whose only values are text (the sum's input column turned text
 * in a later batch): its sum and avg are numbers, as SQLite's sum() and
 * `+` take a text (its leading number, else 0), never NULL; the native
 * table and the SQLite path agree. (Before: the group's sum was its first
 * text, which no number column holds: NULL.) */
static void test_text_only_group_sums(void **state)
{
    (void)state;
    th_write(th_dir, "data/t.jsonl",
             "{\"g\": \"a\", \"v\": 5}\n{\"g\": \"a\", \"v\": 7}\n"
             "{\"g\": \"b\", \"v\": \"x\"}\n{\"g\": \"c\", \"v\": \"12abc\"}\n"
             "{\"g\": \"c\", \"v\": \"y\"}\n{\"g\": \"d\", \"v\": \"x\"}\n"
             "{\"g\": \"d\", \"v\": null}\n");
    char *out[2];
    for (int mode = 0; mode < 2; mode++) {
        char yml[600];
        snprintf(yml, sizeof yml,
                 "batch_rows: 2\n"
                 "source: {type: jsonl, path: data/t.jsonl}\n"
                 "transforms:\n"
                 "  - {type: aggregate, group_by: [g], aggregates: {s: sum(v), m: avg(v)}}\n"
                 "sinks: [{type: sqlite, table: t%d}]\n",
                 mode);
        th_write(th_dir, "pipelines/t.yml", yml);
        if (mode == 1)
            setenv("SLUICE_AGG_NATIVE", "0", 1);
        sl_run_result r = th_run_dir(th_dir, "t");
        unsetenv("SLUICE_AGG_NATIVE");
        assert_string_equal(r.status, "success");
        assert_int_equal(r.counts.read, 7);
        assert_int_equal(r.counts.loaded, 4);
        th_assert_accounting(&r);
        char sql[300];
        snprintf(sql, sizeof sql,
                 "SELECT group_concat(g || ':' || quote(s) || ':' || quote(m), ' ') FROM (SELECT * FROM t%d "
                 "ORDER BY g)",
                 mode);
        out[mode] = th_sql_text(th_db, sql);
    }
    assert_string_equal(out[0], "a:12.0:6.0 b:0.0:0.0 c:12.0:6.0 d:0.0:0.0");
    assert_string_equal(out[0], out[1]);
    free(out[0]);
    free(out[1]);
}

/* A sum that meets inf + -inf is NaN, which SQLite's sum() and avg()
 * end as NULL: it stayed NULL for one row, then the next value started
 * the sum again (5.0, avg 1.667) on both paths. A fresh user found it. */
static void test_nan_sum_stays_null(void **state)
{
    (void)state;
    th_write(th_dir, "data/n.jsonl",
             "{\"g\": \"a\", \"v\": \"1e400\"}\n{\"g\": \"a\", \"v\": \"-1e400\"}\n"
             "{\"g\": \"a\", \"v\": \"5\"}\n{\"g\": \"a\", \"v\": null}\n"
             "{\"g\": \"b\", \"v\": \"1e400\"}\n{\"g\": \"b\", \"v\": \"2\"}\n"
             "{\"g\": \"c\", \"v\": null}\n{\"g\": \"c\", \"v\": \"3\"}\n");
    char *out[2];
    for (int mode = 0; mode < 2; mode++) {
        char yml[600];
        snprintf(yml, sizeof yml,
                 "batch_rows: 2\n"
                 "source: {type: jsonl, path: data/n.jsonl}\n"
                 "transforms:\n"
                 "  - {type: aggregate, group_by: [g], aggregates: {s: sum(v), m: avg(v), c: count(v)}}\n"
                 "sinks: [{type: sqlite, table: n%d}]\n",
                 mode);
        th_write(th_dir, "pipelines/n.yml", yml);
        if (mode == 1)
            setenv("SLUICE_AGG_NATIVE", "0", 1);
        sl_run_result r = th_run_dir(th_dir, "n");
        unsetenv("SLUICE_AGG_NATIVE");
        assert_string_equal(r.status, "success");
        th_assert_accounting(&r);
        char sql[300];
        snprintf(sql, sizeof sql,
                 "SELECT group_concat(g || ':' || quote(s) || ':' || quote(m) || ':' || c, ' ') FROM (SELECT * FROM "
                 "n%d ORDER BY g)",
                 mode);
        out[mode] = th_sql_text(th_db, sql);
    }
    /* sqlite3: SELECT g, sum(v), avg(v), count(v) over the same texts */
    assert_string_equal(out[0], "a:NULL:NULL:3 b:Inf:Inf:2 c:3.0:3.0:1");
    assert_string_equal(out[0], out[1]);
    free(out[0]);
    free(out[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_group, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_no_event_time_is_late, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_empty_input, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_native_matches_sqlite, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_text_only_group_sums, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_nan_sum_stays_null, setup, th_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
