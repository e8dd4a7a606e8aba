/* test_project.c: projection pushdown's analysis (engine/project.h): the
 * source columns a pipeline can use, through select, drop, rename,
 * derive, filter, a transform without the hook, sinks' select/where,
 * checks, declared types and SLUICE_PUSHDOWN=0; and the names an
 * expression reads (subqueries, json_each, quoted names). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine/project.h"
#include "formats/json_record.h"
#include "helpers.h"

/* The description of what pipeline "p" (source, transforms and sinks as
 * YAML text) reads. Caller frees. */
static char *reads(const char *source, const char *rest)
{
    char *dir = th_tmpdir();
    th_write(dir, "sluice.yml", "name: t\n");
    th_write(dir, "data/in.jsonl", "{\"a\": 1}\n");
    char yml[4096];
    snprintf(yml, sizeof yml, "source: %s\n%s", source, rest);
    th_write(dir, "pipelines/p.yml", yml);
    sl_project *p = th_project(dir);
    assert_non_null(p);
    assert_int_equal(p->npipelines, 1);
    sl_projection proj;
    char why[256];
    sl_projection_pipeline(p->pipelines[0], &proj, why, sizeof why);
    sl_buf b;
    sl_buf_init(&b);
    sl_projection_describe(&proj, why, &b);
    char *out = strdup(b.data ? b.data : "");
    sl_buf_release(&b);
    sl_projection_release(&proj);
    sl_project_free(p);
    th_rmtree(dir);
    free(dir);
    return out;
}

#define SRC "{type: jsonl, path: data/in.jsonl, infer_types: false}"
#define SINK "sinks: [{type: jsonl, path: out.jsonl}]\n"

static void expect(const char *source, const char *rest, const char *want)
{
    char *got = reads(source, rest);
    if (strcmp(got, want) != 0)
        fail_msg("%s\n  read: %s\n  want: %s", rest, got, want);
    free(got);
}

static void test_transforms(void **state)
{
    (void)state;
    /* no select anywhere: the sink takes every column */
    expect(SRC, SINK, "all (sink jsonl takes every column)");
    expect(SRC, "transforms: [{type: filter, where: \"a > 1\"}]\n" SINK, "all (sink jsonl takes every column)");
    /* select: exactly its columns */
    expect(SRC, "transforms: [{type: select, columns: [b, a]}]\n" SINK, "b, a");
    /* drop after select: nothing more */
    expect(SRC, "transforms: [{type: select, columns: [b, a]}, {type: drop, columns: [a]}]\n" SINK, "b, a");
    /* rename: the old name, and the new one apart, as a name it writes (a
     * source column of that name makes it collide) */
    expect(SRC, "transforms: [{type: rename, columns: {a: x}}, {type: select, columns: [x, b]}]\n" SINK,
           "b, a; if the source has them (transforms write them): x");
    /* derive: every expression's columns (also a result nobody uses), and
     * the derived names apart (not source columns it reads; read only
     * where the source has them, for their place and type) */
    expect(SRC,
           "transforms:\n"
           "  - {type: derive, columns: {f: \"lower(p ->> '$.k')\", g: \"h || 'x'\"}}\n"
           "  - {type: select, columns: [f, id]}\n" SINK,
           "id, h, p; if the source has them (transforms write them): f, g");
    /* ...an expression reads what a derive before it wrote, not the
     * source's; a stage before it that reads a derived name reads it */
    expect(SRC,
           "transforms:\n"
           "  - {type: derive, columns: {f: \"b + 1\", b: \"2\"}}\n"
           "  - {type: select, columns: [f, b]}\n" SINK,
           "b; if the source has them (transforms write them): f");
    expect(SRC,
           "transforms:\n"
           "  - {type: filter, where: \"f > 0\"}\n"
           "  - {type: derive, columns: {f: \"x\"}}\n"
           "  - {type: select, columns: [f]}\n" SINK,
           "f, x");
    /* filter: its condition's columns; quoted names, a subquery's own
     * json_each columns are not the row's, the correlated name is */
    expect(SRC,
           "transforms:\n"
           "  - {type: filter, where: \"event = 'x' AND \\\"Odd Name\\\" > 1 AND (SELECT count(*) FROM json_each(tags) "
           "WHERE value = kind) > 0\"}\n"
           "  - {type: select, columns: [u]}\n" SINK,
           "u, event, Odd Name, kind, tags");
    /* names compare without case: one entry */
    expect(SRC, "transforms: [{type: filter, where: \"A = 1\"}, {type: select, columns: [a]}]\n" SINK, "a");
    /* milestones: key, time, the conditions' columns, and its two output
     * names (a source column of either is used, or fails the run) */
    expect(SRC, "transforms: [{type: milestones, key: u, rules: [{name: m, first_time: \"a = 1\"}, "
                "{name: n, count: {when: \"b > 2\", at_least: 2, within: 1d}}]}, "
                "{type: select, columns: [c]}]\n" SINK,
           "c, u, received_at, milestone, milestone_at, a, b");
    /* a transform that may reject needs everything... */
    expect(SRC, "transforms: [{type: cast, columns: {a: int}}, {type: select, columns: [a]}]\n" SINK,
           "all (transform cast (cast) may reject a row: its DLQ record is the whole row)");
    /* ...unless a select before it narrows the set again */
    expect(SRC, "transforms: [{type: select, columns: [a, c]}, {type: cast, columns: {a: int}}]\n" SINK, "a, c");
}

/* The hooks of cast, normalize, dedupe, lookup and aggregate: the columns
 * they read, names that would collide, and every column when a row they
 * reject (whose DLQ record is the whole row) is possible. */
static void test_more_transforms(void **state)
{
    (void)state;
    /* cast: to text cannot fail; to int may reject */
    expect(SRC, "transforms: [{type: cast, columns: {a: text}}, {type: select, columns: [b]}]\n" SINK, "b, a");
    expect(SRC, "transforms: [{type: cast, columns: {a: int}}, {type: select, columns: [a]}]\n" SINK,
           "all (transform cast (cast) may reject a row: its DLQ record is the whole row)");
    /* normalize: its columns and region_column; on_invalid: reject needs all */
    expect(SRC, "transforms: [{type: normalize, columns: {phone: phone}, region_column: ctry}, "
                "{type: select, columns: [id, phone]}]\n" SINK, "id, phone, ctry");
    expect(SRC, "transforms: [{type: normalize, columns: {phone: phone}, on_invalid: reject}, "
                "{type: select, columns: [phone]}]\n" SINK,
           "all (transform normalize (normalize) may reject a row: its DLQ record is the whole row)");
    /* dedupe: the key and order_by */
    expect(SRC, "transforms: [{type: dedupe, key: [k1, k2], keep: last, order_by: ts}, "
                "{type: select, columns: [v]}]\n" SINK, "v, k1, k2, ts");
    /* lookup: the row's key columns and the added names (a clash); reject needs all */
    expect(SRC, "transforms: [{type: lookup, from: acc, key: {acc_id: id}, columns: [name, plan as acc_plan]}, "
                "{type: select, columns: [v, acc_plan]}]\n" SINK,
           "v, acc_id; if the source has them (transforms write them): acc_plan, name");
    expect(SRC, "transforms: [{type: lookup, from: acc, key: {acc_id: id}, columns: [name], on_miss: reject}, "
                "{type: select, columns: [v]}]\n" SINK,
           "all (transform lookup (lookup) may reject a row: its DLQ record is the whole row)");
    /* aggregate: a new row set, whatever the sink takes (as select) */
    expect(SRC, "transforms: [{type: aggregate, group_by: [country], aggregates: {n: count, s: sum(amount), "
                "u: count_distinct(user)}}]\n" SINK, "country, amount, user");
    expect(SRC, "transforms: [{type: aggregate, aggregates: {n: count}, window: {time: ts, size: 1h}}]\n" SINK,
           "ts");
    expect(SRC, "transforms: [{type: aggregate, aggregates: {n: count}, window: {time: ts, size: 1h}, "
                "late: reject}, {type: select, columns: [n]}]\n" SINK,
           "all (transform aggregate (aggregate) may reject a row: its DLQ record is the whole row)");
    /* no column at all: every row still counts */
    expect(SRC, "transforms: [{type: aggregate, aggregates: {n: count}}]\n" SINK, "");
}

static void test_sinks_checks_source(void **state)
{
    (void)state;
    /* a sink's select and where; a second sink's columns add up */
    expect(SRC,
           "sinks:\n"
           "  - {type: jsonl, path: o1.jsonl, select: [a, b], where: \"c > 1\"}\n"
           "  - {type: jsonl, path: o2.jsonl, select: [d]}\n",
           "a, b, c, d");
    expect(SRC, "sinks: [{type: jsonl, path: o.jsonl, select: [a]}, {type: jsonl, path: o2.jsonl}]\n",
           "all (sink jsonl_2 takes every column)");
    /* a glob: every column */
    expect(SRC, "sinks: [{type: jsonl, path: o.jsonl, select: [a, 'user_*']}]\n",
           "all (sink jsonl selects 'user_*')");
    /* checks see whole rows */
    expect(SRC,
           "transforms: [{type: select, columns: [a]}]\n"
           "checks: [{not_null: {column: a}}]\n"
           "sinks: [{type: jsonl, path: o.jsonl, select: [a]}]\n",
           "a");
    expect(SRC,
           "checks: [{not_null: {column: a}}]\n"
           "sinks: [{type: jsonl, path: o.jsonl, select: [a]}]\n",
           "all (the pipeline has checks)");
    /* declared types: text is read; a type that may reject needs every column */
    expect("{type: jsonl, path: data/in.jsonl, columns: {z: text}}",
           "transforms: [{type: select, columns: [a]}]\n" SINK, "a, z");
    expect("{type: jsonl, path: data/in.jsonl, columns: {z: int}}",
           "transforms: [{type: select, columns: [a]}]\n" SINK,
           "all (column 'z' is declared int: a row it rejects goes whole to the DLQ)");
    /* turned off */
    setenv("SLUICE_PUSHDOWN", "0", 1);
    expect(SRC, "transforms: [{type: select, columns: [a]}]\n" SINK, "all (SLUICE_PUSHDOWN=0)");
    unsetenv("SLUICE_PUSHDOWN");
}

static void test_set(void **state)
{
    (void)state;
    sl_projection p;
    sl_projection_init(&p);
    assert_int_equal(sl_projection_has(&p, "a", 1), 0);
    sl_projection_add(&p, "Email");
    sl_projection_add(&p, "email");
    assert_int_equal(p.n, 1);
    assert_int_equal(sl_projection_has(&p, "EMAIL", 5), 1);
    assert_int_equal(sl_projection_has(&p, "email_2", 7), 0);
    /* a row id name is read wherever an expression is */
    sl_projection_add_expr(&p, "x + 1");
    assert_int_equal(sl_projection_has(&p, "x", 1), 1);
    assert_int_equal(sl_projection_has(&p, "rowid", 5), 1);
    /* an expression that cannot be analysed: every column */
    sl_projection_add_expr(&p, "x +");
    assert_int_equal(p.all, 1);
    assert_int_equal(sl_projection_has(&p, "anything", 8), 1);
    assert_int_equal(sl_projection_has(NULL, "anything", 8), 1);
    sl_projection_release(&p);
}

/* Read one record with (proj) or without (NULL) pushdown: the return
 * code, the error text, the batch's column names. */
static int read_record(const char *rec, const sl_projection *proj, char *msg, size_t cap, char *cols, size_t ccap,
                       size_t *width)
{
    sl_json_record_ctx c;
    sl_json_record_init(&c);
    sl_json_record_project(&c, proj);
    sl_json_record_opts o = {0, 10, "_", 0, 3};
    sl_batch *b = sl_batch_new();
    sl_json j;
    sl_json_init(&j, rec, strlen(rec));
    size_t row = sl_batch_add_row(b, 0, 1);
    int rc = sl_json_record_read(&c, &j, b, row, &o);
    *msg = 0;
    if (rc == -1)
        sl_json_error_text(&j, msg, cap);
    *cols = 0;
    for (size_t i = 0; i < b->ncols; i++) {
        strncat(cols, b->cols[i].name, ccap - strlen(cols) - 2);
        strcat(cols, " ");
    }
    *width = sl_json_record_width(&c);
    sl_batch_free(b);
    sl_json_record_release(&c);
    return rc;
}

/* The JSON record reader skips members not in the set, validating them
 * as when it reads them; names and _extra are as without it. */
static void test_json_record_skip(void **state)
{
    (void)state;
    sl_projection p;
    sl_projection_init(&p);
    sl_projection_add(&p, "b");
    sl_projection_add(&p, "e");
    char m1[256], m2[256], c1[256], c2[256];
    size_t w1, w2;
    /* members beyond max_columns (3: two members and _extra) go into _extra */
    assert_int_equal(read_record("{\"a\": \"x\\u00e9\", \"b\": 2, \"c\": {\"d\": [1]}, \"e\": 5}", &p, m1,
                                 sizeof m1, c1, sizeof c1, &w1), 0);
    assert_string_equal(c1, "b _extra ");
    assert_int_equal(w1, 3);
    assert_int_equal(read_record("{\"a\": \"x\\u00e9\", \"b\": 2, \"c\": {\"d\": [1]}, \"e\": 5}", NULL, m2,
                                 sizeof m2, c2, sizeof c2, &w2), 0);
    assert_string_equal(c2, "a b _extra ");
    assert_int_equal(w2, 3);
    /* a malformed value in a skipped member: the same error, same place */
    const char *bad[] = {
        "{\"a\": \"\x01\", \"b\": 1}", "{\"a\": \"\\x\", \"b\": 1}", "{\"a\": tru, \"b\": 1}",
        "{\"a\": 01, \"b\": 1}", "{\"a\": [1, , 2], \"b\": 1}", "{\"a\": \"\xff\", \"b\": 1}",
        "{\"a\": {\"x\" 1}, \"b\": 1}", "{\"a\": \"\\ud800\\u12\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int r1 = read_record(bad[i], &p, m1, sizeof m1, c1, sizeof c1, &w1);
        int r2 = read_record(bad[i], NULL, m2, sizeof m2, c2, sizeof c2, &w2);
        assert_int_equal(r1, -1);
        assert_int_equal(r2, -1);
        assert_string_equal(m1, m2);
    }
    sl_projection_release(&p);
}

/* Filter pushdown: the shapes it takes, and what it leaves to SQLite. */
static void test_filter_shapes(void **state)
{
    (void)state;
    struct {
        const char *where;
        const char *col; /* NULL: not pushed down */
        size_t n;
    } cases[] = {
        {"event = 'feature_used'", "event", 1},
        {"  'x' == kind ", "kind", 1},
        {"country IN ('US', 'it''s', '')", "country", 3},
        {"country in('US')", "country", 1},
        {"event = \"x\"", NULL, 0},         /* a double-quoted text may be a column */
        {"\"event\" = 'x'", NULL, 0},
        {"event = 'x' AND a = 'y'", NULL, 0},
        {"event <> 'x'", NULL, 0},
        {"event = 5", NULL, 0},              /* a number compares by affinity */
        {"rowid = '1'", NULL, 0},
        {"null = 'x'", NULL, 0},             /* a keyword */
        {"event = 'x' COLLATE NOCASE", NULL, 0},
        {"event IN ('a', b)", NULL, 0},
        {"event IN ('a'", NULL, 0},
        {"lower(event) = 'x'", NULL, 0},
        {"event = 'unterminated", NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sl_projection p;
        sl_projection_init(&p);
        int rc = sl_projection_parse_filter(&p, cases[i].where);
        if (!cases[i].col) {
            if (rc != -1 || p.fcol)
                fail_msg("'%s' was pushed down", cases[i].where);
        } else {
            if (rc != 0)
                fail_msg("'%s' was not pushed down", cases[i].where);
            assert_string_equal(p.fcol, cases[i].col);
            assert_int_equal(p.nfval, cases[i].n);
        }
        sl_projection_release(&p);
    }
    sl_projection p;
    sl_projection_init(&p);
    assert_int_equal(sl_projection_parse_filter(&p, "c IN ('it''s', '')"), 0);
    assert_int_equal(sl_projection_filter_match(&p, 1, "it's", 4), 1);
    assert_int_equal(sl_projection_filter_match(&p, 1, "", 0), 1);
    assert_int_equal(sl_projection_filter_match(&p, 1, "It's", 4), 0); /* bytewise, as SQLite's BINARY */
    assert_int_equal(sl_projection_filter_match(&p, 0, NULL, 0), 0);   /* NULL */
    sl_projection_release(&p);
    /* only the first transform, only on raw text, not a declared column */
    char *d = reads(SRC, "transforms: [{type: filter, where: \"a = 'x'\"}, {type: select, columns: [b]}]\n" SINK);
    free(d);
    char *dir = th_tmpdir();
    th_write(dir, "sluice.yml", "name: t\n");
    th_write(dir, "pipelines/p1.yml", "source: " SRC "\ntransforms: [{type: filter, where: \"a = 'x'\"}]\n" SINK);
    th_write(dir, "pipelines/p2.yml", "source: {type: jsonl, path: in.jsonl}\n"
                                      "transforms: [{type: filter, where: \"a = 'x'\"}]\n" SINK);
    th_write(dir, "pipelines/p3.yml", "source: " SRC "\ntransforms: [{type: select, columns: [a]}, "
                                      "{type: filter, where: \"a = 'x'\"}]\n" SINK);
    th_write(dir, "pipelines/p4.yml", "source: {type: jsonl, path: in.jsonl, infer_types: false, columns: {A: text}}\n"
                                      "transforms: [{type: filter, where: \"a = 'x'\"}]\n" SINK);
    sl_project *pr = th_project(dir);
    const char *want[] = {"p1", "a", "p2", NULL, "p3", NULL, "p4", NULL};
    for (size_t i = 0; i < pr->npipelines; i++) {
        sl_projection q;
        sl_projection_pipeline(pr->pipelines[i], &q, NULL, 0);
        for (size_t k = 0; k < 8; k += 2)
            if (strcmp(pr->pipelines[i]->name, want[k]) == 0) {
                if (want[k + 1])
                    assert_string_equal(q.fcol, want[k + 1]);
                else
                    assert_null(q.fcol);
            }
        sl_projection_release(&q);
    }
    sl_project_free(pr);
    th_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_json_record_skip),
        cmocka_unit_test(test_filter_shapes),
        cmocka_unit_test(test_transforms),
        cmocka_unit_test(test_more_transforms),
        cmocka_unit_test(test_sinks_checks_source),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
