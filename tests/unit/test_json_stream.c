/* test_json_stream.c: the streaming records scanner (formats/json_stream.h)
 * against the whole-document reader: for every document, path and way of
 * cutting the bytes into pieces (every split point, byte by byte), the
 * same elements, skeleton, kind, count and hash; errors for cut-short
 * documents, stray commas and records over the cap; stopping after a
 * record and going on; starting at array_at. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include "core/mem.h"
#include "formats/json_path.h"
#include "formats/json_stream.h"

typedef struct got {
    sl_buf all;     /* elements, each followed by '\n' */
    int stop_every; /* return 1 after every k-th element (0 = never) */
} got;

static int collect(void *ud, const char *p, size_t n, int64_t index, char *why, size_t cap)
{
    got *g = ud;
    (void)why;
    (void)cap;
    sl_buf_add(&g->all, p, n);
    sl_buf_addc(&g->all, '\n');
    return g->stop_every && (index + 1) % g->stop_every == 0;
}

/* The elements of the array at path, as the whole-document reader sees them. */
static void expected(const char *doc, const char *path, sl_buf *out, uint64_t *hash)
{
    sl_json j;
    assert_int_equal(sl_json_path_at(&j, doc, strlen(doc), path), 0);
    assert_int_equal(sl_json_peek(&j), SL_JSON_ARRAY);
    const char *at = j.p;
    int first = 1;
    sl_json_array_begin(&j);
    while (sl_json_element(&j, &first) == 1) {
        const char *s = j.p;
        assert_int_equal(sl_json_skip(&j), 0);
        sl_buf_add(out, s, (size_t)(j.p - s));
        sl_buf_addc(out, '\n');
    }
    *hash = XXH3_64bits(at, (size_t)(j.p - at));
}

/* Feed doc in pieces of `step` bytes (0: two pieces cut at `cut`). */
static void scan(const char *doc, const char *path, size_t step, size_t cut, got *g, sl_json_records *r)
{
    size_t n = strlen(doc);
    sl_json_records_init(r, path, 0, collect, g);
    size_t off = 0;
    while (off < n) {
        size_t len = step ? (n - off < step ? n - off : step) : (off < cut ? cut - off : n - off);
        ptrdiff_t used = sl_json_records_feed(r, doc + off, len);
        assert_true(used >= 0);
        off += (size_t)used;
    }
    assert_int_equal(sl_json_records_finish(r), 0);
}

static const struct { const char *doc, *path, *skeleton; } docs[] = {
    {"[1,2,3]", "", "[]"},
    {" [ {\"a\":1} , {\"b\":[1,{\"c\":\"]}\"}]} ,\"x\\\"y]\" , null,true ,-1.5e3 ]\n", "", " []\n"},
    {"{\"meta\":{\"n\":2},\"data\":[{\"id\":1},{\"id\":2}],\"next\":\"abc\"}", "data",
     "{\"meta\":{\"n\":2},\"data\":[],\"next\":\"abc\"}"},
    {"{\"data\":{\"items\":[[1,2],{}],\"x\":[9]},\"items\":[7]}", "data.items", "{\"data\":{\"items\":[],\"x\":[9]},\"items\":[7]}"},
    {"{\"other\":[1],\"d\\u0061ta\":[{\"k\":\"v\"}]}", "data", "{\"other\":[1],\"d\\u0061ta\":[]}"},
    {"{\"data\":[],\"next\":null}", "$.data", "{\"data\":[],\"next\":null}"},
    {"{\"x\":{\"data\":[5]},\"data\":[6]}", "data", "{\"x\":{\"data\":[5]},\"data\":[]}"},
    {"{\"data\":[{\"s\":\"a\\\\\"},\"\\\\\"]}", "data", "{\"data\":[]}"},
};

static void test_same_as_whole_reader(void **state)
{
    (void)state;
    for (size_t d = 0; d < sizeof docs / sizeof docs[0]; d++) {
        sl_buf want;
        sl_buf_init(&want);
        uint64_t hash;
        expected(docs[d].doc, docs[d].path, &want, &hash);
        size_t n = strlen(docs[d].doc);
        for (size_t way = 0; way <= n + 1; way++) {
            got g = {0};
            sl_buf_init(&g.all);
            sl_json_records r;
            /* way 0: byte by byte; 1..n: two pieces cut there; n+1: stop after each record */
            g.stop_every = way == n + 1;
            scan(docs[d].doc, docs[d].path, way == 0 ? 1 : way == n + 1 ? n : 0, way, &g, &r);
            assert_int_equal(r.found, SL_JSON_FOUND_ARRAY);
            assert_int_equal(g.all.len, want.len);
            if (want.len)
                assert_memory_equal(g.all.data, want.data, want.len);
            assert_string_equal(r.skeleton.data, docs[d].skeleton);
            assert_true(r.hash == hash);
            assert_int_equal(r.closed, 1);
            int64_t count = 0;
            for (size_t i = 0; i < want.len; i++)
                count += want.data[i] == '\n';
            assert_int_equal(r.count, count);
            /* the array read again from array_at: the same elements */
            got g2 = {0};
            sl_buf_init(&g2.all);
            sl_json_records r2;
            sl_json_records_init_array(&r2, 0, collect, &g2);
            for (size_t off = (size_t)r.array_at; off < n; off++)
                assert_true(sl_json_records_feed(&r2, docs[d].doc + off, 1) == 1);
            assert_int_equal(r2.closed, 1);
            assert_int_equal(g2.all.len, want.len);
            if (want.len)
                assert_memory_equal(g2.all.data, want.data, want.len);
            sl_json_records_release(&r2);
            sl_buf_release(&g2.all);
            sl_json_records_release(&r);
            sl_buf_release(&g.all);
        }
        sl_buf_release(&want);
    }
}

static void test_found_kinds(void **state)
{
    (void)state;
    static const struct { const char *doc, *path; sl_json_found found; } k[] = {
        {"{\"data\":null}", "data", SL_JSON_FOUND_NULL},
        {"{\"data\":{\"a\":[1]}}", "data", SL_JSON_FOUND_OTHER},
        {"{\"data\":\"[1]\"}", "data", SL_JSON_FOUND_OTHER},
        {"{\"items\":[1]}", "data", SL_JSON_FOUND_NONE},
        {"[{\"data\":[1]}]", "data", SL_JSON_FOUND_NONE},
        {"{\"data\":null,\"data\":[1]}", "data", SL_JSON_FOUND_NULL}, /* the first member counts */
        {"{\"a\":{\"data\":[1]}}", "data", SL_JSON_FOUND_NONE},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        got g = {0};
        sl_buf_init(&g.all);
        sl_json_records r;
        scan(k[i].doc, k[i].path, 1, 0, &g, &r);
        assert_int_equal(r.found, k[i].found);
        sl_json_records_release(&r);
        sl_buf_release(&g.all);
    }
}

static int feed_all(sl_json_records *r, const char *doc)
{
    size_t n = strlen(doc);
    for (size_t off = 0; off < n; off++)
        if (sl_json_records_feed(r, doc + off, 1) < 0)
            return -1;
    return sl_json_records_finish(r);
}

static void test_errors(void **state)
{
    (void)state;
    static const struct { const char *doc; const char *why; } e[] = {
        {"[{\"a\":1},{\"a\"", "the answer ends inside the records array, after record 1 (cut short?)"},
        {"[1,2", "the answer ends inside the records array, after record 1 (cut short?)"},
        {"[1,]", "the answer is not JSON: a ',' before ']' after record 1"},
        {"[1 2]", "the answer is not JSON: ',' or ']' expected after record 1"},
        {"[,1]", "the answer is not JSON: a record expected after record 0"},
        {"{\"data\":[1],\"n\":\"x", "the answer ends inside a string (cut short?)"},
        {"{\"data\":[1],\"n\":{", "the answer ends with 2 objects or arrays open (cut short?)"},
        {"{\"data\":[1]} x", "invalid JSON body (outside its records): line 1, column 13 (byte 12): unexpected data after the JSON value"},
        {"", "invalid JSON body: line 1, column 1 (byte 0): unexpected end of input (expected a value)"},
    };
    for (size_t i = 0; i < sizeof e / sizeof e[0]; i++) {
        sl_json_records r;
        sl_json_records_init(&r, i >= 5 && i <= 7 ? "data" : "", 0, NULL, NULL);
        assert_int_equal(feed_all(&r, e[i].doc), -1);
        assert_string_equal(r.why, e[i].why);
        sl_json_records_release(&r);
    }
}

static void test_record_cap(void **state)
{
    (void)state;
    /* a 10-byte cap: an element of 10 bytes passes, 11 does not, however cut */
    const char *doc = "[\"12345678\",\"123456789\"]";
    for (size_t step = 1; step <= strlen(doc); step++) {
        got g = {0};
        sl_buf_init(&g.all);
        sl_json_records r;
        sl_json_records_init(&r, "", 10, collect, &g);
        int rc = 0;
        for (size_t off = 0; off < strlen(doc) && rc == 0; off += step) {
            size_t len = strlen(doc) - off < step ? strlen(doc) - off : step;
            rc = sl_json_records_feed(&r, doc + off, len) < 0 ? -1 : 0;
        }
        assert_int_equal(rc, -1);
        assert_string_equal(r.why, "record 2 is larger than 10 bytes, the limit of one record");
        assert_string_equal(g.all.data, "\"12345678\"\n");
        sl_json_records_release(&r);
        sl_buf_release(&g.all);
    }
    assert_int_equal(SL_RECORD_MAX, 64u << 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_as_whole_reader),
        cmocka_unit_test(test_found_kinds),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_record_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
