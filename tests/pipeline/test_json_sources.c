/* test_json_sources.c: the jsonl and json sources through the library API:
 * bad lines, flattening, json columns, int64 precision, records_path,
 * and whole-file rejection of an invalid document. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"

static void test_jsonl(void **state)
{
    th_write(th_dir, "data/e.jsonl",
             "{\"id\": 9007199254740993, \"event\": \"signup\", \"props\": {\"plan\": \"pro\", \"seats\": 3}, \"ok\": true}\n"
             "\n"
             "{\"id\": 2, \"event\": \"login\", \"props\": {\"plan\": \"free\"}, \"tags\": [1, 2]}\n"
             "{\"id\": 3, \"event\": \"broken\"\n"
             "[1, 2, 3]\n"
             "{\"id\": 4, \"event\": \"caf\\u00e9\", \"ts\": \"2026-01-02T03:04:05Z\"}\n");
    th_write(th_dir, "pipelines/e.yml",
             "source: {type: jsonl, path: data/e.jsonl}\nsinks: [{type: sqlite, table: e}]\n");
    sl_run_result r = th_run_dir(th_dir, "e");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.read, 5);
    assert_int_equal(r.counts.loaded, 3);
    assert_int_equal(r.counts.rejected, 2);
    /* 64-bit integers survive exactly */
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM e WHERE id = 9007199254740993"), 1);
    char *t = th_sql_text(th_db, "SELECT props ->> '$.plan' FROM e WHERE id = 2");
    assert_string_equal(t, "free");
    free(t);
    t = th_sql_text(th_db, "SELECT tags FROM e WHERE id = 2");
    assert_string_equal(t, "[1, 2]");
    free(t);
    t = th_sql_text(th_db, "SELECT event FROM e WHERE id = 4");
    assert_string_equal(t, "caf\xc3\xa9");
    free(t);
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM dlq WHERE line = 4 AND reason LIKE "
                                          "'invalid JSON: line 1, column 28 (byte 27): unexpected end of input in an object'"), 1);
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM dlq WHERE line = 5 AND reason = 'not a JSON object'"), 1);
}

static void test_jsonl_flatten(void **state)
{
    th_write(th_dir, "data/f.jsonl",
             "{\"id\": 1, \"a\": {\"b\": {\"c\": 1, \"d\": {\"e\": 5}}, \"x\": \"y\"}}\n");
    th_write(th_dir, "pipelines/f.yml",
             "source: {type: jsonl, path: data/f.jsonl, flatten: true, max_depth: 2}\n"
             "sinks: [{type: sqlite, table: f}]\n");
    th_run_dir(th_dir, "f");
    assert_int_equal(th_sql_int(th_db, "SELECT a_b_c FROM f"), 1);
    char *t = th_sql_text(th_db, "SELECT a_b_d FROM f");
    assert_string_equal(t, "{\"e\": 5}"); /* deeper than max_depth: a json column */
    free(t);
    t = th_sql_text(th_db, "SELECT a_x FROM f");
    assert_string_equal(t, "y");
    free(t);
}

static void test_json_documents(void **state)
{
    th_write(th_dir, "data/docs/1.json", "{\"data\": {\"items\": [{\"id\": 1, \"n\": \"a\"}, {\"id\": 2, \"n\": \"b\"}, 7]}}");
    th_write(th_dir, "data/docs/2.json", "{\"data\": {\"items\": [{\"id\": 3, \"n\": \"c\"},\n {\"id\": 4,, \"n\": \"d\"}]}}");
    th_write(th_dir, "data/docs/3.json", "{\"data\": {\"items\": [{\"id\": 5, \"n\": \"e\"}]}}");
    th_write(th_dir, "pipelines/d.yml",
             "source: {type: json, path: data/docs, records_path: data.items}\n"
             "sinks: [{type: sqlite, table: d}]\n");
    sl_run_result r = th_run_dir(th_dir, "d");
    /* file 2 is invalid: its records cannot be told apart, so the run fails
     * (never a whole file counted as one rejected row, never a short read
     * that looks whole); file 1 was read */
    assert_string_equal(r.status, "failed");
    assert_non_null(strstr(r.error, "2.json: invalid JSON document, no row of it can be loaded: line 2, column 11 "
                                    "(byte 51): expected a member name (a string) in an object"));
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM dlq WHERE reason LIKE 'invalid JSON%'"), 0);
    /* fixed: the run resumes after file 1 and loads the rest; file 1's
     * element that is not an object is rejected alone */
    th_write(th_dir, "data/docs/2.json", "{\"data\": {\"items\": [{\"id\": 3, \"n\": \"c\"},\n {\"id\": 4, \"n\": \"d\"}]}}");
    r = th_run_dir(th_dir, "d");
    assert_string_equal(r.status, "success");
    char *t = th_sql_text(th_db, "SELECT group_concat(id) FROM (SELECT id FROM d ORDER BY id)");
    assert_string_equal(t, "1,2,3,4,5");
    free(t);
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM dlq WHERE reason = 'array element is not a JSON object'"), 1);
    /* records_path leading nowhere fails the same way */
    th_write(th_dir, "pipelines/d2.yml",
             "source: {type: json, path: data/docs, records_path: data.nothing}\n"
             "sinks: [{type: sqlite, table: d2}]\n");
    r = th_run_dir(th_dir, "d2");
    assert_string_equal(r.status, "failed");
    assert_non_null(strstr(r.error, "1.json: records_path does not lead to an array in this document"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_jsonl, th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_jsonl_flatten, th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_json_documents, th_setup, th_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
