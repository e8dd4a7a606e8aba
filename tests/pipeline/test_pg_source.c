/* test_pg_source.c: the postgres source against a real PostgreSQL server
 * (the ctest fixture starts one), and the sqlite source: incremental
 * extraction by (cursor, key) across batch and run boundaries, lookback
 * for late rows, start:, query:, and the database's types. */
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
    th_pg_url();
    th_pg_exec("DROP SCHEMA IF EXISTS pgsrc CASCADE; CREATE SCHEMA pgsrc");
    return 0;
}

#define SRC "{type: postgres, url: \"${SLUICE_TEST_PG_URL}\", "

/* 3000 rows over only 7 cursor values, read 50 at a time: every batch
 * boundary falls inside a run of equal cursor values. */
static void test_boundaries(void **state)
{
    th_pg_exec("CREATE TABLE pgsrc.ev (id bigint PRIMARY KEY, v text, updated_at timestamptz NOT NULL);"
               "INSERT INTO pgsrc.ev SELECT g, 'v' || g, timestamptz '2026-01-01 00:00:00+00' + (g % 7) * interval '1 hour'"
               " FROM generate_series(1, 3000) g");
    th_write(th_dir, "pipelines/ev.yml",
             "source: " SRC "table: pgsrc.ev, cursor: updated_at, cursor_key: id}\n"
             "batch_rows: 50\n"
             "sinks: [{type: sqlite, table: ev, mode: upsert, key: [id]}]\n");
    sl_run_result r = th_run_dir(th_dir, "ev");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.read, 3000); /* nothing read twice */
    assert_int_equal(th_sql_int(th_db, "SELECT count(DISTINCT id) FROM ev"), 3000);
    /* a rerun with no changes reads nothing */
    r = th_run_dir(th_dir, "ev");
    assert_int_equal(r.counts.read, 0);
    /* new rows at the boundary value (the last cursor value, larger ids),
     * and changed rows moving to a later value */
    th_pg_exec("INSERT INTO pgsrc.ev SELECT g, 'new', timestamptz '2026-01-01 06:00:00+00' FROM generate_series(3001, 3120) g;"
               "UPDATE pgsrc.ev SET v = 'changed', updated_at = '2026-01-01 07:00:00+00' WHERE id IN (1, 2, 3)");
    r = th_run_dir(th_dir, "ev");
    assert_int_equal(r.counts.read, 123);
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM ev"), 3120);
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM ev WHERE v = 'changed'"), 3);
    /* every value arrived as in the source */
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM ev WHERE v = 'v' || id"), 3000 - 3);
    r = th_run_dir(th_dir, "ev");
    assert_int_equal(r.counts.read, 0);
}

/* Rows committed late with an older cursor value are caught by lookback,
 * loaded once; a rerun with no changes loads nothing. */
static void test_lookback(void **state)
{
    th_pg_exec("CREATE TABLE pgsrc.lb (id bigint PRIMARY KEY, updated_at timestamptz NOT NULL);"
               "INSERT INTO pgsrc.lb SELECT g, timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute'"
               " FROM generate_series(1, 500) g");
    th_write(th_dir, "pipelines/lb.yml",
             "source: " SRC "table: pgsrc.lb, cursor: updated_at, cursor_key: id, lookback: 30m}\n"
             "batch_rows: 64\n"
             "sinks: [{type: sqlite, table: lb, mode: upsert, key: [id]}]\n");
    sl_run_result r = th_run_dir(th_dir, "lb");
    assert_int_equal(r.counts.read, 500);
    /* late: 10 minutes before the bookmark (00:00 + 500 min) */
    th_pg_exec("INSERT INTO pgsrc.lb VALUES (10001, '2026-01-01 08:10:00+00'), (10002, '2026-01-01 08:19:59+00')");
    r = th_run_dir(th_dir, "lb");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.read, 2);
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM lb"), 502);
    r = th_run_dir(th_dir, "lb");
    assert_int_equal(r.counts.read, 0);
    /* too late for the window: missed by design (documented) */
    th_pg_exec("INSERT INTO pgsrc.lb VALUES (10003, '2026-01-01 01:00:00+00')");
    r = th_run_dir(th_dir, "lb");
    assert_int_equal(r.counts.read, 0);
}

static void test_types_query_and_start(void **state)
{
    th_pg_exec("CREATE TABLE pgsrc.ty (id int, b boolean, n numeric(12,3), f double precision, d date,"
               " ts timestamp, tz timestamptz, j jsonb, t text, u uuid);"
               "INSERT INTO pgsrc.ty VALUES (1, true, 12345.678, 0.1, '2026-02-03', '2026-02-03 04:05:06.789',"
               " '2026-02-03 04:05:06+01', '{\"a\": [1, 2]}', E'tab\\there', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),"
               " (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)");
    th_write(th_dir, "pipelines/ty.yml",
             "source: " SRC "query: \"SELECT * FROM pgsrc.ty WHERE id > 0\", cursor: id, start: '1'}\n"
             "sinks: [{type: sqlite, table: ty}]\n");
    sl_run_result r = th_run_dir(th_dir, "ty");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.loaded, 2);
    char *t = th_sql_text(th_db, "SELECT group_concat(name || ':' || type, ',') FROM pragma_table_info('ty')");
    assert_string_equal(t, "id:INTEGER,b:BOOLEAN,n:DECIMAL TEXT,f:REAL,d:DATE TEXT,ts:TIMESTAMP TEXT,tz:TIMESTAMP TEXT,j:JSON TEXT,"
                           "t:TEXT,u:TEXT");
    free(t);
    t = th_sql_text(th_db, "SELECT n || '|' || f || '|' || d || '|' || ts || '|' || tz || '|' || j || '|' || t || '|' || u"
                           " FROM ty WHERE id = 1");
    assert_string_equal(t, "12345.678|0.1|2026-02-03|2026-02-03T04:05:06.789Z|2026-02-03T03:05:06Z|{\"a\": [1, 2]}|"
                           "tab\there|a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    free(t);
    assert_int_equal(th_sql_int(th_db, "SELECT b FROM ty WHERE id = 1"), 1);
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM ty WHERE id = 2 AND b IS NULL AND j IS NULL"), 1);
    /* start: 2 on a fresh pipeline reads from there */
    th_write(th_dir, "pipelines/ty2.yml",
             "source: " SRC "table: pgsrc.ty, cursor: id, start: '2'}\n"
             "sinks: [{type: sqlite, table: ty2}]\n");
    r = th_run_dir(th_dir, "ty2");
    assert_int_equal(r.counts.read, 1);
}

/* The sqlite source: the warehouse read back, incrementally. */
static void test_sqlite_source(void **state)
{
    char sql[512];
    snprintf(sql, sizeof sql, "sqlite3 %s \"CREATE TABLE src (id INTEGER, name TEXT, at TIMESTAMP, x);"
                              " WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 1000)"
                              " INSERT INTO src SELECT i, 'n' || i, '2026-01-0' || (1 + i %% 5) || 'T00:00:00Z', i * 0.5 FROM g\"",
             th_db);
    assert_int_equal(system(sql), 0);
    th_write(th_dir, "pipelines/sq.yml",
             "source: {type: sqlite, table: src, cursor: at, cursor_key: id}\n"
             "batch_rows: 33\n"
             "sinks: [{type: sqlite, table: dst, mode: upsert, key: [id]}]\n");
    sl_run_result r = th_run_dir(th_dir, "sq");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.read, 1000);
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM dst"), 1000);
    /* an expression column without a declared type still gets its numbers' type */
    char *t = th_sql_text(th_db, "SELECT type FROM pragma_table_info('dst') WHERE name = 'x'");
    assert_string_equal(t, "REAL");
    free(t);
    r = th_run_dir(th_dir, "sq");
    assert_int_equal(r.counts.read, 0);
    snprintf(sql, sizeof sql, "sqlite3 %s \"INSERT INTO src VALUES (2000, 'late-id', '2026-01-05T00:00:00Z', 1)\"", th_db);
    assert_int_equal(system(sql), 0);
    r = th_run_dir(th_dir, "sq");
    assert_int_equal(r.counts.read, 1);
}

/* Names a query's columns share become distinct columns (core/names.h:
 * `Email` and `email` would be one column in SQLite), and a double keeps
 * every digit, from PostgreSQL and from SQLite (whose own text of a REAL
 * keeps 15). Issue #10 items 5 and 6. */
static void test_names_and_exact_doubles(void **state)
{
    th_write(th_dir, "pipelines/nm.yml",
             "source: " SRC "query: \"SELECT 1 AS id, 'a' AS \\\"Email\\\", 'b' AS email, 2 AS id,"
             " 0.30000000000000004::float8 AS f\"}\n"
             "sinks: [{type: sqlite, table: nm}]\n");
    sl_run_result r = th_run_dir(th_dir, "nm");
    assert_string_equal(r.status, "success");
    char *t = th_sql_text(th_db, "SELECT group_concat(name, ',') FROM pragma_table_info('nm')");
    assert_string_equal(t, "id,Email,email_2,id_2,f");
    free(t);
    t = th_sql_text(th_db, "SELECT id || Email || email_2 || id_2 FROM nm");
    assert_string_equal(t, "1ab2");
    free(t);
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM nm WHERE f = 0.1 + 0.2"), 1);
    char sql[512];
    snprintf(sql, sizeof sql, "sqlite3 %s \"CREATE TABLE reals (id INTEGER, f REAL, g);"
                              " INSERT INTO reals VALUES (1, 0.30000000000000004, 0.1 + 0.2)\"", th_db);
    assert_int_equal(system(sql), 0);
    th_write(th_dir, "pipelines/re.yml", "source: {type: sqlite, table: reals}\nsinks: [{type: sqlite, table: reals2}]\n");
    r = th_run_dir(th_dir, "re");
    assert_string_equal(r.status, "success");
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM reals2 WHERE f = 0.30000000000000004 AND g = 0.1 + 0.2"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_boundaries, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_lookback, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_types_query_and_start, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_sqlite_source, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_names_and_exact_doubles, setup, th_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
