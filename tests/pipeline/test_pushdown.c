/* test_pushdown.c: projection pushdown (engine/project.h) through the
 * library API, one test per reader (csv, jsonl, json): the same pipeline
 * run with pushdown and with SLUICE_PUSHDOWN=0 writes the same rows,
 * counts the same and sends the same records to the DLQ (same stage,
 * position, reason and whole raw record), also when the skipped columns
 * hold malformed JSON, invalid UTF-8, escapes, a short or long CSV row,
 * names that collide (suffixes), and members beyond max_columns
 * (`_extra`). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine/project.h"
#include "helpers.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return strdup(buf);
}

/* Run pipeline `name` (source and transforms as YAML; the sink is a jsonl
 * file) with pushdown and without; assert they agree, that the pushdown
 * run really read fewer columns (its projection is not "all") and the
 * counts. */
static void same(const char *name, const char *source, const char *transforms, int64_t loaded, int64_t rejected)
{
    char yml[4096], rel[256];
    for (int on = 1; on >= 0; on--) {
        snprintf(yml, sizeof yml, "source: %s\ntransforms: %s\nsinks: [{type: jsonl, path: out/%s_%s.jsonl}]\n",
                 source, transforms, name, on ? "on" : "off");
        snprintf(rel, sizeof rel, "pipelines/%s_%s.yml", name, on ? "on" : "off");
        th_write(th_dir, rel, yml);
    }
    /* the analysis leaves columns out */
    snprintf(rel, sizeof rel, "%s_on", name);
    sl_project *p = th_project(th_dir);
    for (size_t i = 0; i < p->npipelines; i++)
        if (strcmp(p->pipelines[i]->name, rel) == 0) {
            sl_projection proj;
            sl_projection_pipeline(p->pipelines[i], &proj, NULL, 0);
            assert_int_equal(proj.all, 0);
            sl_projection_release(&proj);
        }
    sl_project_free(p);

    sl_run_result on = th_run_dir(th_dir, rel);
    setenv("SLUICE_PUSHDOWN", "0", 1);
    snprintf(rel, sizeof rel, "%s_off", name);
    sl_run_result off = th_run_dir(th_dir, rel);
    unsetenv("SLUICE_PUSHDOWN");
    assert_string_equal(on.status, "success");
    assert_string_equal(off.status, "success");
    assert_int_equal(on.counts.read, off.counts.read);
    assert_int_equal(on.counts.loaded, loaded);
    assert_int_equal(off.counts.loaded, loaded);
    assert_int_equal(on.counts.filtered, off.counts.filtered);
    assert_int_equal(on.counts.rejected, rejected);
    assert_int_equal(off.counts.rejected, rejected);
    char path[4400];
    snprintf(path, sizeof path, "%s/out/%s_on.jsonl", th_dir, name);
    char *a = slurp(path);
    snprintf(path, sizeof path, "%s/out/%s_off.jsonl", th_dir, name);
    char *b = slurp(path);
    assert_string_equal(a, b);
    assert_true(strlen(a) > 0);
    free(a);
    free(b);
    /* the DLQ: the same records, whole */
    char sql[1024];
    const char *cols = "stage, file, \"offset\", line, reason, raw";
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM (SELECT %s FROM dlq WHERE pipeline = '%s_on' EXCEPT SELECT %s FROM dlq WHERE "
             "pipeline = '%s_off')", cols, name, cols, name);
    assert_int_equal(th_sql_int(th_state_db, sql), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM dlq WHERE pipeline = '%s_on'", name);
    assert_int_equal(th_sql_int(th_state_db, sql), rejected);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM dlq WHERE pipeline = '%s_off'", name);
    assert_int_equal(th_sql_int(th_state_db, sql), rejected);
}

static void test_csv(void **state)
{
    (void)state;
    th_write(th_dir, "data/c.csv",
             "Id,Email,email,Name,Notes\n"
             "1,A@x.com,A2@X.com,Ann,\"long, \"\"quoted\"\" note\"\n"
             "2,b@x.com,b2@x.com,Bob,\xff bad UTF-8 in a column not read\n"
             "3,c@x.com,c2@x.com,Cy\n"
             "4,d@x.com,d2@x.com,Di,n,extra\n"
             "5,e@x.com,,Eve,\"x\"y\n"
             "6,\"f@x.com\",f2@x.com,,\n"
             "7,g@x.com,g2@x.com,Gus,\"multi\nline\"\n");
    same("csv", "{type: csv, path: data/c.csv, normalize_names: snake_case}",
         "[{type: derive, columns: {e: lower(email_2)}}, {type: filter, where: \"id <> 6\"}, "
         "{type: select, columns: [id, e, name]}]",
         2, 4);
    /* the suffixed name was read from the third field, not the second */
    char path[4400];
    snprintf(path, sizeof path, "%s/out/csv_on.jsonl", th_dir);
    char *out = slurp(path);
    assert_non_null(strstr(out, "\"e\":\"a2@x.com\""));
    free(out);
}

static void test_jsonl(void **state)
{
    (void)state;
    th_write(th_dir, "data/e.jsonl",
             "{\"id\": 1, \"ev\": \"a\", \"ctx\": {\"ip\": \"1.2.3.4\", \"s\": \"x\\\"y\\u00e9\"}, \"p\": {\"k\": \"v1\"}}\n"
             "{\"id\": 2, \"ev\": \"a\", \"ctx\": {\"ip\": tru}, \"p\": {\"k\": \"v2\"}}\n"
             "{\"id\": 3, \"ev\": \"a\", \"ctx\": \"a control \x01 byte\", \"p\": {\"k\": \"v3\"}}\n"
             "[1, 2]\n"
             "{\"id\": 4, \"ev\": \"a\", \"ctx\": null, \"p\": {\"k\": \"v4\"}, \"Ev\": \"dup\"}\n"
             "{\"id\": 5, \"ev\": \"b\", \"p\": {\"k\": \"v5\"}, \"ctx\": {\"ip\": \"9\"}} trailing\n"
             "{\"id\": 6, \"ev\": \"b\", \"ctx\": \"\\ud83d\\ude00 \\q\", \"p\": {}}\n"
             "{\"id\": 7, \"ev\": \"c\", \"ctx\": [1, {\"x\": [2]}], \"p\": {\"k\": \"v7\"}}\n"
             "{\"id\": 8, \"ev\": \"b\", \"p\": {\"k\": \"v8\"}}\n");
    same("jsonl", "{type: jsonl, path: data/e.jsonl}",
         "[{type: filter, where: \"ev <> 'c'\"}, {type: derive, columns: {k: \"p ->> '$.k'\"}}, "
         "{type: select, columns: [id, ev, k, Ev_2]}]",
         3, 5);
}

static void test_json_extra(void **state)
{
    (void)state;
    /* flattened names; members beyond max_columns go into _extra whether
     * their columns are read or not */
    th_write(th_dir, "data/d.json",
             "[{\"id\": 1, \"a\": {\"b\": 1, \"c\": \"x\"}, \"z\": 1},\n"
             " {\"id\": 2, \"a\": {\"b\": 2}, \"q\": \"skip \\u00e9\", \"y\": [1], \"z\": 2},\n"
             " 7,\n"
             " {\"id\": 3, \"w\": {\"deep\": {\"er\": true}}, \"a\": {\"c\": \"y\"}}]\n");
    same("json", "{type: json, path: data/d.json, flatten: true, max_columns: 4}",
         "[{type: select, columns: [id, a_b, _extra]}]", 3, 1);
}

/* Filter pushdown (a first filter on raw text): rows that fail it are not
 * materialised, yet the output, counts, DLQ and column order are as
 * without; a repeated member that makes a row pass re-reads it. */
static void test_filter_pushdown(void **state)
{
    (void)state;
    th_write(th_dir, "data/f.jsonl",
             "{\"ev\": \"b\", \"late\": 1, \"u\": \"x1\"}\n"
             "{\"u\": \"x2\", \"ev\": \"a\", \"p\": {\"k\": \"\\u00e9\"}}\n"
             "{\"ev\": \"b\", \"u\": \"x3\", \"ev\": \"a\", \"p\": {\"k\": 3}}\n"
             "{\"ev\": \"a\", \"u\": \"x4\", \"ev\": \"b\"}\n"
             "{\"ev\": \"b\", \"u\": \"x5\", \"p\": {\"k\": tru}}\n"
             "{\"ev\": null, \"u\": \"x6\"}\n"
             "{\"ev\": 1, \"u\": \"x7\"}\n"
             "{\"ev\": \"\\u0061\", \"u\": \"x8\", \"new\": true}\n"
             "{\"u\": \"x9\"}\n");
    /* the filter is pushed down (the analysis says so) */
    th_write(th_dir, "pipelines/fj_on.yml", "source: {type: jsonl, path: data/f.jsonl, infer_types: false}\n"
                                            "transforms: [{type: filter, where: \"ev IN ('a', '1')\"}]\n"
                                            "sinks: [{type: jsonl, path: out/x.jsonl}]\n");
    sl_project *p = th_project(th_dir);
    sl_projection proj;
    sl_projection_pipeline(p->pipelines[0], &proj, NULL, 0);
    assert_string_equal(proj.fcol, "ev");
    assert_int_equal(proj.nfval, 2);
    sl_projection_release(&proj);
    sl_project_free(p);
    same("fj", "{type: jsonl, path: data/f.jsonl, infer_types: false}",
         "[{type: filter, where: \"ev IN ('a', '1')\"}, {type: select, columns: [u, p, late, new]}]", 4, 1);
    char path[4400];
    snprintf(path, sizeof path, "%s/out/fj_on.jsonl", th_dir);
    char *out = slurp(path);
    assert_non_null(strstr(out, "\"u\":\"x3\",\"p\":\"{\\\"k\\\": 3}\""));
    assert_null(strstr(out, "x4"));
    free(out);
    th_write(th_dir, "data/f.csv",
             "id,country,name\n1,US,a\n2,FR,b\n3,,c\n4,\"US\",d\n5,us,e\n6,DE,\"f \"\"q\"\"\"\n7,DE\n");
    same("fc", "{type: csv, path: data/f.csv, infer_types: false}",
         "[{type: filter, where: \"country IN ('US', 'DE')\"}, {type: derive, columns: {n: \"name || id\"}}, "
         "{type: select, columns: [n, country]}]", 3, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_csv, th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_jsonl, th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_json_extra, th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_filter_pushdown, th_setup, th_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
