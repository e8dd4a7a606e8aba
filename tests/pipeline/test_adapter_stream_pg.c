/* test_adapter_stream_pg.c: sl_adapter_query on a PostgreSQL warehouse
 * streams its rows (single-row mode): every row arrives in order, NULL
 * cells as NULL; stopping early (max_rows, or the callback returning
 * nonzero) leaves the connection usable, outside a transaction (the rest
 * cancelled) and inside one (read to the end: the transaction survives
 * and commits); an error after rows were delivered fails the call with
 * the server's message; a borrowed connection (sl_adapter_wrap_pg) in the
 * caller's transaction keeps it; the heap stays small while 50 MB of rows
 * stream. Also: opening installs the GTM functions
 * and the schema sluice is last on the search_path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "config/project.h"
#include "models/adapter.h"
#include <libpq-fe.h>
#include <malloc.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/allocator_interface.h>
#endif

/* Heap bytes in use (the allocator's view, as sched/metrics.c measures). */
static long long heap_inuse(void)
{
#if defined(__SANITIZE_ADDRESS__)
    return (long long)__sanitizer_get_current_allocated_bytes();
#else
    struct mallinfo2 mi = mallinfo2();
    return (long long)(mi.uordblks + mi.hblkhd);
#endif
}

static sl_project *p;
static sl_adapter *a;

typedef struct {
    size_t rows, stop_at;
    int64_t sum;
    int nulls, bad_order;
    char first_name[32];
} acc;

static int take(void *ctx, size_t ncols, const char *const *names, const char *const *cells)
{
    acc *s = ctx;
    if (s->rows == 0)
        snprintf(s->first_name, sizeof s->first_name, "%s", names[0]);
    s->rows++;
    if (cells[0] && atoll(cells[0]) != (int64_t)s->rows)
        s->bad_order = 1;
    if (cells[0])
        s->sum += atoll(cells[0]);
    if (ncols > 1 && !cells[1])
        s->nulls++;
    return s->stop_at && s->rows >= s->stop_at;
}

static int64_t scalar(const char *sql)
{
    sl_error err;
    int64_t v = -1;
    if (sl_adapter_scalar(a, sql, &v, &err) < 0)
        fail_msg("%s: %s", sql, err.msg);
    return v;
}

static int setup(void **state)
{
    th_setup(state);
    th_pg_url();
    th_pg_exec("DROP SCHEMA IF EXISTS st101 CASCADE");
    th_write(th_dir, "sluice.yml", "name: t\nwarehouse: {type: postgres, url: \"${SLUICE_TEST_PG_URL}\", schema: st101}\n");
    p = th_project(th_dir);
    sl_error err;
    if (sl_adapter_open(p, &a, &err) < 0)
        fail_msg("open: %s", err.msg);
    return 0;
}

static int teardown(void **state)
{
    sl_adapter_close(a);
    sl_project_free(p);
    return th_teardown(state);
}

static void test_stream_all(void **state)
{
    (void)state;
    sl_error err;
    acc s = {0};
    assert_int_equal(sl_adapter_query(a, "SELECT g AS n, CASE WHEN g % 10 = 0 THEN NULL ELSE 'x' END AS v FROM "
                                         "generate_series(1, 100000) g",
                                      0, take, &s, &err),
                     0);
    assert_int_equal(s.rows, 100000);
    assert_int_equal(s.sum, (int64_t)100000 * 100001 / 2);
    assert_int_equal(s.nulls, 10000);
    assert_int_equal(s.bad_order, 0);
    assert_string_equal(s.first_name, "n");
    /* no rows: no call, no error */
    acc none = {0};
    assert_int_equal(sl_adapter_query(a, "SELECT 1 WHERE false", 0, take, &none, &err), 0);
    assert_int_equal(none.rows, 0);
}

/* 5000 rows of 10 kB (50 MB held at once by a buffered result): the heap
 * in use while they stream stays within a few rows' worth */
static long long heap_base, heap_peak;
static size_t heap_rows;

static int heap_row(void *ctx, size_t ncols, const char *const *names, const char *const *cells)
{
    (void)ctx;
    (void)names;
    if (ncols != 2 || !cells[1] || strlen(cells[1]) != 10000)
        return 1;
    long long d = heap_inuse() - heap_base;
    if (d > heap_peak)
        heap_peak = d;
    heap_rows++;
    return 0;
}

static void test_memory_bounded(void **state)
{
    (void)state;
    sl_error err;
    heap_base = heap_inuse();
    heap_peak = 0;
    heap_rows = 0;
    assert_int_equal(sl_adapter_query(a, "SELECT generate_series(1, 5000) AS n, repeat('x', 10000) AS pad", 0, heap_row,
                                      NULL, &err),
                     0);
    assert_int_equal(heap_rows, 5000);
    if (heap_peak > 4 * 1024 * 1024)
        fail_msg("the heap grew by %lld bytes while 50 MB of rows streamed", heap_peak);
}

static void test_stop_early_outside_txn(void **state)
{
    (void)state;
    sl_error err;
    /* max_rows over a query of 50M rows (streamed by the server: a target-list
     * set-returning function, not a materialised FROM one): cancelled */
    acc s = {0};
    assert_int_equal(sl_adapter_query(a, "SELECT generate_series(1, 50000000) AS g", 3, take, &s, &err), 0);
    assert_int_equal(s.rows, 3);
    assert_int_equal(scalar("SELECT 41 + 1"), 42);
    /* the callback stops it */
    acc t = {.stop_at = 7};
    assert_int_equal(sl_adapter_query(a, "SELECT generate_series(1, 50000000) AS g", 0, take, &t, &err), 0);
    assert_int_equal(t.rows, 7);
    assert_int_equal(t.sum, 28);
    assert_int_equal(scalar("SELECT count(*) FROM generate_series(1, 5)"), 5);
}

static void test_stop_early_inside_txn(void **state)
{
    (void)state;
    sl_error err;
    assert_int_equal(sl_adapter_ensure_schema(a, "st101", &err), 0);
    assert_int_equal(sl_adapter_begin(a, &err), 0);
    assert_int_equal(sl_adapter_exec(a, "CREATE TABLE st101.kept (id int)", &err), 0);
    acc s = {0};
    assert_int_equal(sl_adapter_query(a, "SELECT g FROM generate_series(1, 200000) g", 2, take, &s, &err), 0);
    assert_int_equal(s.rows, 2);
    /* the transaction is intact: no cancel aborted it */
    assert_int_equal(sl_adapter_exec(a, "INSERT INTO st101.kept VALUES (1), (2)", &err), 0);
    assert_int_equal(sl_adapter_commit(a, &err), 0);
    assert_int_equal(th_pg_int("SELECT count(*) FROM st101.kept"), 2);
}

static void test_error_mid_stream(void **state)
{
    (void)state;
    sl_error err;
    acc s = {0};
    assert_int_equal(sl_adapter_query(a, "SELECT 10 / (1000 - g) FROM generate_series(1, 2000) g", 0, take, &s, &err),
                     -1);
    assert_non_null(strstr(err.msg, "division by zero"));
    assert_true(s.rows < 1000);
    assert_int_equal(scalar("SELECT 7"), 7);
    /* a syntax error before any row */
    acc t = {0};
    assert_int_equal(sl_adapter_query(a, "SELEC 1", 0, take, &t, &err), -1);
    assert_non_null(strstr(err.msg, "syntax error"));
    assert_int_equal(t.rows, 0);
    /* two statements are refused by the extended protocol, as before */
    assert_int_equal(sl_adapter_query(a, "SELECT 1; SELECT 2", 0, take, &t, &err), -1);
    assert_int_equal(scalar("SELECT 8"), 8);
}

static void test_borrowed_in_callers_txn(void **state)
{
    (void)state;
    sl_error err;
    PGconn *c = PQconnectdb(th_pg_url());
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PQclear(PQexec(c, "BEGIN; CREATE TEMP TABLE w (id int); INSERT INTO w VALUES (1)"));
    sl_adapter *b;
    assert_int_equal(sl_adapter_wrap_pg(c, NULL, &b), 0);
    acc s = {0};
    assert_int_equal(sl_adapter_query(b, "SELECT g FROM generate_series(1, 100000) g", 1, take, &s, &err), 0);
    assert_int_equal(s.rows, 1);
    sl_adapter_close(b);
    assert_int_equal(PQtransactionStatus(c), PQTRANS_INTRANS);
    PGresult *r = PQexec(c, "SELECT count(*) FROM w");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(r, 0, 0), "1");
    PQclear(r);
    PQclear(PQexec(c, "COMMIT"));
    PQfinish(c);
}

static void test_gtm_schema_on_path(void **state)
{
    (void)state;
    assert_int_equal(scalar("SELECT count(*) FROM sluice.functions_version"), 1);
    assert_int_equal(scalar("SELECT (current_setting('search_path') LIKE '%, sluice')::int"), 1);
    assert_int_equal(scalar("SELECT (registered_domain('https://www.shop.example.co.uk/x') = 'example.co.uk')::int"),
                     1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_all),
        cmocka_unit_test(test_memory_bounded),
        cmocka_unit_test(test_stop_early_outside_txn),
        cmocka_unit_test(test_stop_early_inside_txn),
        cmocka_unit_test(test_error_mid_stream),
        cmocka_unit_test(test_borrowed_in_callers_txn),
        cmocka_unit_test(test_gtm_schema_on_path),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
