/* test_lookup_pg.c: the lookup transform on a PostgreSQL warehouse (the
 * ctest fixture starts one): the table of the target schema read by key,
 * PostgreSQL's types kept (integer, timestamp, numeric), a miss rejected
 * with the key in the DLQ reason, and a query: lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"

static char *slurp(const char *dir, const char *rel)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return buf;
}

static void test_pg_lookup(void **state)
{
    th_setup(state);
    th_pg_url();
    th_pg_exec("DROP SCHEMA IF EXISTS lk_pg CASCADE; CREATE SCHEMA lk_pg;"
               "CREATE TABLE lk_pg.accounts (id integer, name text, since timestamp, amount numeric(10,2));"
               "INSERT INTO lk_pg.accounts VALUES (10, 'Acme', '2026-01-02 03:04:05', 12.50), (20, 'Globex', NULL, 3)");
    th_write(th_dir, "sluice.yml", "name: l\nwarehouse: {type: postgres, url: \"${SLUICE_TEST_PG_URL}\", schema: lk_pg}\n");
    th_write(th_dir, "data/c.csv", "id,account_id\n1,10\n2,20\n3,30\n4,10.0\n");
    th_write(th_dir, "pipelines/c.yml",
             "source: {type: csv, path: data/c.csv}\n"
             "transforms:\n"
             "  - {type: lookup, from: accounts, key: {account_id: id}, columns: [name, since, amount as paid],"
             " on_miss: reject}\n"
             "  - type: lookup\n"
             "    query: \"SELECT id, upper(name) AS uname FROM accounts WHERE amount > 10\"\n"
             "    key: {account_id: id}\n"
             "    columns: [uname]\n"
             "sinks: [{type: jsonl, path: out/c.jsonl}]\n");
    sl_run_result r = th_run_dir(th_dir, "c");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.read, 4);
    assert_int_equal(r.counts.loaded, 3);
    assert_int_equal(r.counts.rejected, 1);
    assert_string_equal(slurp(th_dir, "out/c.jsonl"),
                        "{\"id\":1,\"account_id\":10.0,\"name\":\"Acme\",\"since\":\"2026-01-02T03:04:05Z\","
                        "\"paid\":12.50,\"uname\":\"ACME\"}\n"
                        "{\"id\":2,\"account_id\":20.0,\"name\":\"Globex\",\"since\":null,\"paid\":3.00,"
                        "\"uname\":null}\n"
                        "{\"id\":4,\"account_id\":10.0,\"name\":\"Acme\",\"since\":\"2026-01-02T03:04:05Z\","
                        "\"paid\":12.50,\"uname\":\"ACME\"}\n");
    char *t = th_sql_text(th_state_db, "SELECT reason FROM dlq");
    assert_string_equal(t, "lookup: no accounts row for account_id = 30.0");
    free(t);
    th_pg_exec("DROP SCHEMA lk_pg CASCADE");
    th_teardown(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pg_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
