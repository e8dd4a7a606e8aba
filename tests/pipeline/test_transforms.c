/* test_transforms.c: select, drop, rename, cast, derive, filter and dedupe,
 * through the library API, into the stdout-free jsonl and sqlite sinks. */
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
    th_write(th_dir, "data/c.csv",
             "id,Email Address,score,when,updated\n"
             "1, Ann@X.com ,10,01/02/2026,2026-01-01\n"
             "2,bo@y.org,abc,02/02/2026,2026-01-01\n"
             "3,nope,30,03/02/2026,2026-01-01\n"
             "1,ann@new.com,11,04/02/2026,2026-03-01\n"
             "4,dee@z.io,40,31/13/2026,2026-01-01\n"
             "1,ann@old.com,12,05/02/2026,2026-02-01\n");
    return 0;
}

static void test_chain(void **state)
{
    th_write(th_dir, "pipelines/c.yml",
             "source: {type: csv, path: data/c.csv, infer_types: false}\n"
             "transforms:\n"
             "  - {type: rename, columns: {\"Email Address\": email}}\n"
             "  - type: derive\n"
             "    columns:\n"
             "      email: lower(trim(email))\n"
             "      domain: substr(email, instr(email, '@') + 1)\n"
             "      double: score * 2\n"
             "  - {type: filter, where: \"email LIKE '%_@_%.__%'\"}\n"
             "  - {type: cast, columns: {score: int, when: date}, format: '%d/%m/%Y'}\n"
             "  - {type: drop, columns: [updated]}\n"
             "  - {type: select, columns: [id, email, domain, score, when, double]}\n"
             "sinks: [{type: sqlite, table: c}]\n");
    sl_run_result r = th_run_dir(th_dir, "c");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.read, 6);
    assert_int_equal(r.counts.filtered, 1);  /* 'nope' */
    assert_int_equal(r.counts.rejected, 2);  /* score 'abc', date 31/13 */
    assert_int_equal(r.counts.loaded, 3);
    char *t = th_sql_text(th_db, "SELECT email || '|' || domain || '|' || score || '|' || \"when\" FROM c WHERE rowid = 1");
    assert_string_equal(t, "ann@x.com|x.com|10|2026-02-01");
    free(t);
    t = th_sql_text(th_db, "SELECT group_concat(name) FROM pragma_table_info('c')");
    assert_string_equal(t, "id,email,domain,score,when,double");
    free(t);
    /* derive typed the product as a number even though score was text */
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM c WHERE typeof(double) = 'integer'"), 3);
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM dlq WHERE stage = 'cast' AND reason = "
                                          "'column ''score'': cannot cast ''abc'' (text) to int with format ''%d/%m/%Y'''"), 1);
}

static void test_dedupe_first_streaming(void **state)
{
    th_write(th_dir, "pipelines/d.yml",
             "source: {type: csv, path: data/c.csv}\n"
             "transforms: [{type: dedupe, key: [id]}]\n"
             "sinks: [{type: sqlite, table: d}]\n");
    sl_run_result r = th_run_dir(th_dir, "d");
    assert_int_equal(r.counts.loaded, 4);
    assert_int_equal(r.counts.filtered, 2);
    char *t = th_sql_text(th_db, "SELECT score FROM d WHERE id = 1");
    assert_string_equal(t, "10");
    free(t);
}

static void test_dedupe_last_and_order_by(void **state)
{
    th_write(th_dir, "pipelines/l.yml",
             "source: {type: csv, path: data/c.csv}\n"
             "transforms: [{type: dedupe, key: [id], keep: last}]\n"
             "sinks: [{type: sqlite, table: l}]\n");
    sl_run_result r = th_run_dir(th_dir, "l");
    assert_int_equal(r.counts.loaded, 4);
    assert_int_equal(r.counts.filtered, 2);
    char *t = th_sql_text(th_db, "SELECT score FROM l WHERE id = 1");
    assert_string_equal(t, "12"); /* the last row of id 1 */
    free(t);
    /* output keeps input order of the winners */
    t = th_sql_text(th_db, "SELECT group_concat(id) FROM l");
    assert_string_equal(t, "2,3,4,1");
    free(t);
    th_write(th_dir, "pipelines/o.yml",
             "source: {type: csv, path: data/c.csv}\n"
             "transforms: [{type: dedupe, key: [id], keep: last, order_by: updated}]\n"
             "sinks: [{type: sqlite, table: o}]\n");
    r = th_run_dir(th_dir, "o");
    t = th_sql_text(th_db, "SELECT score FROM o WHERE id = 1");
    assert_string_equal(t, "11"); /* the newest `updated`, not the last row */
    free(t);
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM o"), 4);
}

/* 2026-11: a NULL key is no row's duplicate (as in a UNIQUE constraint and
 * the upsert sinks): every such row is kept, in both modes, where dedupe
 * used to keep one of them and count the others as filtered. */
static void test_dedupe_null_keys_are_kept(void **state)
{
    th_write(th_dir, "data/n.csv", "id,v\n1,a\n,b\n1,c\n,d\n,e\n");
    static const char *modes[] = {"keep: first", "keep: last"};
    for (int m = 0; m < 2; m++) {
        char yml[256];
        snprintf(yml, sizeof yml,
                 "source: {type: csv, path: data/n.csv}\n"
                 "transforms: [{type: dedupe, key: [id], %s}]\n"
                 "sinks: [{type: sqlite, table: n%d}]\n", modes[m], m);
        th_write(th_dir, "pipelines/n.yml", yml);
        sl_run_result r = th_run_dir(th_dir, "n");
        assert_string_equal(r.status, "success");
        assert_int_equal(r.counts.loaded, 4);
        assert_int_equal(r.counts.filtered, 1);
        char q[128];
        snprintf(q, sizeof q, "SELECT group_concat(v, '') FROM n%d", m);
        char *t = th_sql_text(th_db, q);
        assert_string_equal(t, m == 0 ? "abde" : "bcde");
        free(t);
    }
}

static void test_bad_expression_names_location(void **state)
{
    th_write(th_dir, "pipelines/x.yml",
             "source: {type: csv, path: data/c.csv}\n"
             "transforms:\n"
             "  - type: derive\n"
             "    columns: {y: nosuchcol + 1}\n"
             "sinks: [{type: sqlite, table: x}]\n");
    sl_project *p = th_project(th_dir);
    sl_run_result r;
    assert_int_equal(th_run(p, "x", &r), -1);
    sl_project_free(p);
    assert_non_null(strstr(r.error, "pipelines/x.yml:4:18: transform derive, column 'y'"));
    assert_non_null(strstr(r.error, "no such column: nosuchcol"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_chain, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_dedupe_first_streaming, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_dedupe_last_and_order_by, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_dedupe_null_keys_are_kept, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_bad_expression_names_location, setup, th_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
