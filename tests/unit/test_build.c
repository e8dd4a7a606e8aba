/* test_build.c: the models executor's scheduling (models/build.h) on
 * hand-built graphs, with a fake node runner: DAG order, a failure skipping
 * its descendants (through unselected nodes too), a failing test stopping
 * what reads the tested model, a relationships test that must not make a
 * cycle, --fail-fast, cancellation, ephemeral models never run, a pool of
 * threads reporting in the same order as one thread; and the error_if /
 * warn_if conditions of data tests (models/test.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "core/mem.h"
#include "models/build.h"
#include "models/test.h"

#define MAXN 64

typedef struct fake {
    sl_graph g;
    sl_node nodes[MAXN];
    size_t deps[MAXN][4];
    char ran[1024];        /* names in the order they ran */
    char reported[1024];   /* "name:status " in report order */
    size_t next_k;         /* report order check */
    _Atomic int cancel;
    const char *cancel_after; /* set cancel when this node runs */
    pthread_mutex_t lock;
} fake;

/* Node name prefixes decide the fake outcome: "bad" fails, "tfail" is a failing test. */
static size_t add(fake *f, sl_node_kind kind, const char *name, const char *mat)
{
    size_t i = f->g.n++;
    sl_node *n = &f->nodes[i];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->name = (char *)name;
    n->unique_id = sl_printf("%s.p.%s", sl_build_kind_name(kind), name);
    n->config.enabled = 1;
    n->config.materialized = (char *)mat;
    n->attached = (size_t)-1;
    n->deps = f->deps[i];
    return i;
}

static void dep(fake *f, size_t i, size_t on)
{
    f->nodes[i].deps[f->nodes[i].ndeps++] = on;
}

static void init(fake *f)
{
    memset(f, 0, sizeof *f);
    f->g.nodes = f->nodes;
    f->g.name = "p";
    pthread_mutex_init(&f->lock, NULL);
}

static void done(fake *f)
{
    for (size_t i = 0; i < f->g.n; i++)
        sl_free(f->nodes[i].unique_id);
    pthread_mutex_destroy(&f->lock);
}

static int fake_open(void *ctx, sl_graph *g, sl_adapter **a, sl_error *err)
{
    (void)ctx, (void)g, (void)err;
    *a = NULL;
    return 0;
}

static int fake_node(void *ctx, sl_graph *g, size_t i, sl_adapter *a, sl_node_result *r)
{
    fake *f = ctx;
    (void)a;
    const sl_node *n = &g->nodes[i];
    pthread_mutex_lock(&f->lock);
    strcat(f->ran, n->name);
    strcat(f->ran, " ");
    if (f->cancel_after && strcmp(f->cancel_after, n->name) == 0)
        f->cancel = 1;
    pthread_mutex_unlock(&f->lock);
    int bad = strncmp(n->name, "bad", 3) == 0 || strncmp(n->name, "tfail", 5) == 0;
    if (n->kind == SL_NODE_TEST)
        snprintf(r->status, sizeof r->status, "%s", bad ? "fail" : "pass");
    else
        snprintf(r->status, sizeof r->status, "%s", bad ? "error" : "success");
    snprintf(r->message, sizeof r->message, "%s", bad ? "boom" : "OK");
    r->rows_affected = 1;
    return bad ? -1 : 0;
}

static void fake_report(void *ctx, const sl_graph *g, const sl_node_result *r, size_t k, size_t total)
{
    fake *f = ctx;
    assert_int_equal(k, f->next_k);
    f->next_k++;
    assert_true(k < total);
    strcat(f->reported, g->nodes[r->node].name);
    strcat(f->reported, ":");
    strcat(f->reported, r->status);
    strcat(f->reported, " ");
}

static int run(fake *f, sl_build_opts *o, sl_build *b)
{
    o->ops.open = fake_open;
    o->ops.node = fake_node;
    o->ops.report = fake_report;
    o->ops.ctx = f;
    o->cancel = &f->cancel;
    sl_error err = {0};
    return sl_build_run(&f->g, o, b, &err);
}

static const sl_node_result *result_of(const sl_build *b, const fake *f, const char *name)
{
    for (size_t i = 0; i < b->n; i++)
        if (strcmp(f->nodes[b->results[i].node].name, name) == 0)
            return &b->results[i];
    return NULL;
}

static void test_skip_descendants(void **state)
{
    (void)state;
    fake f;
    init(&f);
    size_t a = add(&f, SL_NODE_SEED, "a", NULL);
    size_t bad = add(&f, SL_NODE_MODEL, "bad_b", "table");
    size_t c = add(&f, SL_NODE_MODEL, "c", "view");
    size_t d = add(&f, SL_NODE_MODEL, "d", "view");
    size_t e = add(&f, SL_NODE_MODEL, "e", "view");
    dep(&f, bad, a);
    dep(&f, c, bad);
    dep(&f, d, a);
    dep(&f, e, c);
    sl_build_opts o = {0};
    sl_build b;
    assert_int_equal(run(&f, &o, &b), -1);
    assert_string_equal(f.ran, "a bad_b d ");
    assert_string_equal(f.reported, "a:success bad_b:error c:skipped d:success e:skipped ");
    assert_string_equal(result_of(&b, &f, "c")->message, "upstream model.p.bad_b failed");
    assert_string_equal(result_of(&b, &f, "e")->message, "upstream model.p.c was skipped");
    assert_int_equal(b.nsuccess, 2);
    assert_int_equal(b.nerror, 1);
    assert_int_equal(b.nskipped, 2);
    sl_build_free(&b);
    done(&f);
}

static void test_unselected_middle(void **state)
{
    (void)state;
    fake f;
    init(&f);
    size_t a = add(&f, SL_NODE_MODEL, "bad_a", "table");
    size_t b1 = add(&f, SL_NODE_MODEL, "b", "ephemeral"); /* never runs: inlined */
    size_t c = add(&f, SL_NODE_MODEL, "c", "table");
    size_t d = add(&f, SL_NODE_MODEL, "d", "table");
    dep(&f, b1, a);
    dep(&f, c, b1);
    dep(&f, d, c);
    uint8_t sel[4] = {1, 1, 1, 0}; /* d not selected */
    sl_build_opts o = {.sel = sel};
    sl_build b;
    assert_int_equal(run(&f, &o, &b), -1);
    assert_int_equal(b.n, 2);
    assert_string_equal(f.reported, "bad_a:error c:skipped ");
    assert_string_equal(f.ran, "bad_a ");
    sl_build_free(&b);
    done(&f);
}

static void test_failing_test_blocks(void **state)
{
    (void)state;
    fake f;
    init(&f);
    size_t m = add(&f, SL_NODE_MODEL, "m", "table");
    size_t n = add(&f, SL_NODE_MODEL, "n", "table");
    size_t t = add(&f, SL_NODE_TEST, "tfail_unique_m_id", "test");
    size_t w = add(&f, SL_NODE_TEST, "tok_not_null_m_id", "test");
    dep(&f, n, m);
    dep(&f, t, m);
    dep(&f, w, m);
    sl_build_opts o = {0};
    sl_build b;
    assert_int_equal(run(&f, &o, &b), -1);
    assert_string_equal(f.ran, "m tfail_unique_m_id tok_not_null_m_id ");
    assert_string_equal(result_of(&b, &f, "n")->status, "skipped");
    assert_string_equal(result_of(&b, &f, "n")->message, "upstream test.p.tfail_unique_m_id failed");
    sl_build_free(&b);
    /* `sluice run` runs no tests: n runs */
    memset(f.ran, 0, sizeof f.ran);
    memset(f.reported, 0, sizeof f.reported);
    f.next_k = 0;
    sl_build_opts o2 = {.kinds = SL_BUILD_KIND(SL_NODE_MODEL)};
    assert_int_equal(run(&f, &o2, &b), 0);
    assert_string_equal(f.reported, "m:success n:success ");
    sl_build_free(&b);
    done(&f);
}

static void test_relationships_no_cycle(void **state)
{
    (void)state;
    fake f;
    init(&f);
    size_t a = add(&f, SL_NODE_MODEL, "a", "table");
    size_t b1 = add(&f, SL_NODE_MODEL, "b", "table");
    size_t r = add(&f, SL_NODE_TEST, "relationships_b_a", "test");
    dep(&f, b1, a);
    dep(&f, r, a);
    dep(&f, r, b1);
    sl_build_opts o = {0};
    sl_build b;
    assert_int_equal(run(&f, &o, &b), 0);
    assert_string_equal(f.ran, "a b relationships_b_a ");
    sl_build_free(&b);
    done(&f);
}

static void test_fail_fast_and_cancel(void **state)
{
    (void)state;
    fake f;
    init(&f);
    add(&f, SL_NODE_MODEL, "bad_x", "table");
    add(&f, SL_NODE_MODEL, "y", "table");
    add(&f, SL_NODE_MODEL, "z", "table");
    sl_build_opts o = {.fail_fast = 1};
    sl_build b;
    assert_int_equal(run(&f, &o, &b), -1);
    assert_string_equal(f.ran, "bad_x ");
    assert_string_equal(result_of(&b, &f, "y")->message, "--fail-fast: an earlier node failed");
    sl_build_free(&b);
    /* without it, the independent ones run */
    memset(f.ran, 0, sizeof f.ran);
    memset(f.reported, 0, sizeof f.reported);
    f.next_k = 0;
    sl_build_opts o2 = {0};
    assert_int_equal(run(&f, &o2, &b), -1);
    assert_string_equal(f.ran, "bad_x y z ");
    sl_build_free(&b);
    /* Ctrl-C while y runs: z never starts */
    memset(f.ran, 0, sizeof f.ran);
    memset(f.reported, 0, sizeof f.reported);
    f.next_k = 0;
    f.cancel_after = "y";
    sl_build_opts o3 = {0};
    assert_int_equal(run(&f, &o3, &b), -1);
    assert_string_equal(f.ran, "bad_x y ");
    assert_string_equal(f.reported, "bad_x:error y:success z:skipped ");
    assert_string_equal(result_of(&b, &f, "z")->message, "interrupted");
    sl_build_free(&b);
    done(&f);
}

/* 40 nodes in layers; 4 threads report exactly what 1 thread reports. */
static void test_threads_deterministic(void **state)
{
    (void)state;
    static char names[40][16];
    char want[1024] = "";
    for (int threads = 1; threads <= 4; threads += 3) {
        fake f;
        init(&f);
        for (int i = 0; i < 40; i++) {
            snprintf(names[i], sizeof names[i], "%sn%02d", i == 13 ? "bad" : "", i);
            size_t k = add(&f, i % 7 == 0 ? SL_NODE_SEED : SL_NODE_MODEL, names[i], "table");
            if (i >= 10)
                dep(&f, k, (size_t)(i - 10));
            if (i >= 20)
                dep(&f, k, (size_t)(i % 10));
        }
        sl_build_opts o = {.threads = threads};
        sl_build b;
        assert_int_equal(run(&f, &o, &b), -1);
        assert_int_equal(b.threads, threads);
        assert_int_equal(b.n, 40);
        assert_int_equal(b.nerror, 1);
        assert_int_equal(b.nskipped, 2); /* 23 and 33 */
        if (threads == 1)
            snprintf(want, sizeof want, "%s", f.reported);
        else
            assert_string_equal(f.reported, want);
        sl_build_free(&b);
        done(&f);
    }
}

static void test_conditions(void **state)
{
    (void)state;
    static const struct {
        const char *cond;
        int64_t failures;
        int holds;
    } cases[] = {
        {NULL, 0, 0},   {NULL, 3, 1},       {"", 1, 1},     {"!=0", 0, 0},  {"!= 0", 2, 1},
        {">10", 10, 0}, {"> 10", 11, 1},    {">=5", 5, 1},  {"<3", 2, 1},   {"<= 3", 4, 0},
        {"=0", 0, 1},   {"== 2", 2, 1},     {"<>1", 1, 0},  {" >  -1 ", 0, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int holds = -1;
        sl_error err = {0};
        assert_int_equal(sl_test_condition(cases[i].cond, cases[i].failures, &holds, &err), 0);
        if (holds != cases[i].holds)
            fail_msg("'%s' with %lld failures: got %d", cases[i].cond ? cases[i].cond : "(null)",
                     (long long)cases[i].failures, holds);
    }
    static const char *bad[] = {"10", "> ten", ">10 rows", "~5", ">"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int holds;
        sl_error err = {0};
        assert_int_equal(sl_test_condition(bad[i], 1, &holds, &err), -1);
        char want[200];
        snprintf(want, sizeof want, "condition '%s' is not a comparison with a number (like '>10' or '!=0')", bad[i]);
        assert_string_equal(err.msg, want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_skip_descendants),
        cmocka_unit_test(test_unselected_middle),
        cmocka_unit_test(test_failing_test_blocks),
        cmocka_unit_test(test_relationships_no_cycle),
        cmocka_unit_test(test_fail_fast_and_cancel),
        cmocka_unit_test(test_threads_deterministic),
        cmocka_unit_test(test_conditions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
