/* test_build_pg.c: `sluice build`'s executor (models/build.h) on a real
 * PostgreSQL warehouse (the ctest fixture starts one), through the whole
 * models layer (graph, compile, adapter, materializations, data tests):
 * a pool of 4 workers, each with its own connection, builds 12 models
 * over a seed; a failing model skips its descendants; a failing test skips
 * what reads the tested model; results are in DAG order and equal one
 * thread's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/mem.h"
#include "helpers.h"
#include "models/build.h"

static void project(void)
{
    th_pg_url();
    th_pg_exec("DROP SCHEMA IF EXISTS bt CASCADE");
    th_write(th_dir, "sluice.yml",
             "name: b\nwarehouse: {type: postgres, url: \"${SLUICE_TEST_PG_URL}\", schema: bt}\n");
    th_write(th_dir, "seeds/nums.csv", "n\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n");
    char path[64], sql[256];
    for (int k = 1; k <= 8; k++) {
        snprintf(path, sizeof path, "models/m%d.sql", k);
        snprintf(sql, sizeof sql, "{{ config(materialized='table') }}\nselect n * %d as v from {{ ref('nums') }}\n", k);
        th_write(th_dir, path, sql);
    }
    th_write(th_dir, "models/total.sql",
             "{{ config(materialized='table') }}\n"
             "{% set ms = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8'] %}\n"
             "select sum(v) as s from ({% for m in ms %}select v from {{ ref(m) }}"
             "{% if not loop.last %} union all {% endif %}{% endfor %}) u\n");
    th_write(th_dir, "models/bad.sql", "{{ config(materialized='table') }}\nselect nope from {{ ref('m1') }}\n");
    th_write(th_dir, "models/after_bad.sql", "select * from {{ ref('bad') }}\n");
    th_write(th_dir, "models/dup.sql", "select 1 as id union all select 1\n");
    th_write(th_dir, "models/after_dup.sql", "{{ config(materialized='table') }}\nselect * from {{ ref('dup') }}\n");
    th_write(th_dir, "models/schema.yml",
             "version: 2\nmodels:\n  - name: dup\n    columns:\n      - name: id\n        tests: [unique]\n");
}

static char *statuses(const sl_graph *g, const sl_build *b)
{
    sl_buf s;
    sl_buf_init(&s);
    for (size_t i = 0; i < b->n; i++)
        sl_buf_addf(&s, "%s=%s ", g->nodes[b->results[i].node].name, b->results[i].status);
    if (b->nerror != 2)
        for (size_t i = 0; i < b->n; i++)
            fprintf(stderr, "%s: %s %s\n", g->nodes[b->results[i].node].name, b->results[i].status,
                    b->results[i].message);
    return sl_buf_detach(&s);
}

static void test_pg_pool(void **state)
{
    (void)state;
    project();
    sl_project *p = th_project(th_dir);
    sl_graph *g = NULL;
    sl_diags d;
    sl_diags_init(&d);
    if (sl_graph_load(p, NULL, &g, &d) < 0) {
        sl_buf b;
        sl_buf_init(&b);
        sl_diags_format(&d, &b);
        fail_msg("graph: %s", b.data);
    }
    sl_diags_release(&d);
    char *first = NULL;
    for (int threads = 1; threads <= 4; threads += 3) {
        th_pg_exec("DROP SCHEMA IF EXISTS bt CASCADE");
        sl_build_opts o = {.threads = threads};
        sl_build b;
        sl_error err = {0};
        assert_int_equal(sl_build_run(g, &o, &b, &err), -1);
        char *s = statuses(g, &b);
        assert_int_equal(b.threads, threads);
        assert_int_equal(b.n, 15); /* seed, 13 models, 1 test */
        assert_int_equal(b.nerror, 2); /* bad, the unique test */
        assert_int_equal(b.nskipped, 2); /* after_bad, after_dup */
        assert_non_null(strstr(s, "bad=error"));
        assert_non_null(strstr(s, "after_bad=skipped"));
        assert_non_null(strstr(s, "after_dup=skipped"));
        assert_non_null(strstr(s, "total=success"));
        if (!first)
            first = s;
        else {
            assert_string_equal(s, first); /* same report in the same order */
            sl_free(s);
        }
        assert_int_equal(th_pg_int("SELECT s FROM bt.total"), 36 * 55);
        assert_int_equal(th_pg_int("SELECT count(*) FROM bt.m8"), 10);
        assert_int_equal(th_pg_int("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'bt'"
                                   " AND table_name IN ('bad', 'after_bad', 'after_dup')"),
                         0);
        sl_build_free(&b);
    }
    sl_free(first);
    sl_graph_free(g);
    sl_project_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pg_pool, th_setup, th_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
