/* test_core.c: unit tests for core helpers: sl_buf, the arena, edit
 * distance, UTF-8 validation, durations, the batch and its accounting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "core/arena.h"
#include "core/batch.h"
#include "core/mem.h"
#include "core/sqlident.h"
#include "core/util.h"

/* Regression 2026-11-22 (found by fuzz_config): an empty value left
 * sl_buf_reserve() with an unterminated buffer that sl_buf_detach() returned. */
static void test_buf_empty_is_terminated(void **state)
{
    sl_buf b;
    sl_buf_init(&b);
    sl_buf_reserve(&b, 0);
    char *s = sl_buf_detach(&b);
    assert_string_equal(s, "");
    sl_free(s);
    sl_buf_init(&b);
    sl_buf_addf(&b, "%d-%s", 42, "x");
    sl_buf_add_json_str(&b, "a\"b\n\x01", 5);
    assert_string_equal(b.data, "42-x\"a\\\"b\\n\\u0001\"");
    sl_buf_release(&b);
}

static void test_arena_reuses_blocks(void **state)
{
    sl_arena a;
    sl_arena_init(&a);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 5000; i++) {
            char *p = sl_arena_copy(&a, "0123456789abcdef0123456789abcdef", 32);
            assert_int_equal(p[31], 'f');
            assert_int_equal(p[32], 0);
        }
        void *big = sl_arena_alloc(&a, 8u << 20); /* larger than any block */
        memset(big, 1, 8u << 20);
        sl_arena_reset(&a);
    }
    sl_arena_release(&a);
}

static void test_edit_distance(void **state)
{
    assert_int_equal(sl_edit_distance("run", "rnu", 3), 1);
    assert_int_equal(sl_edit_distance("tabel", "table", 3), 1);
    assert_int_equal(sl_edit_distance("warehous", "warehouse", 3), 1);
    assert_int_equal(sl_edit_distance("abc", "xyz", 2), 3);
    assert_int_equal(sl_edit_distance("", "abc", 5), 3);
}

static void test_utf8(void **state)
{
    assert_int_equal(sl_utf8_valid_prefix("plain ascii text, long enough", 29), 29);
    assert_int_equal(sl_utf8_valid_prefix("caf\xc3\xa9", 5), 5);
    assert_int_equal(sl_utf8_valid_prefix("ab\xff", 3), 2);
    assert_int_equal(sl_utf8_valid_prefix("\xed\xa0\x80", 3), 0);      /* a surrogate */
    assert_int_equal(sl_utf8_valid_prefix("\xc0\xaf", 2), 0);          /* overlong */
    assert_int_equal(sl_utf8_valid_prefix("12345678\xe2\x82", 10), 8); /* truncated after the fast path */
}

static void test_duration(void **state)
{
    assert_int_equal(sl_parse_duration("10m"), 600);
    assert_int_equal(sl_parse_duration("1h30m"), 5400);
    assert_int_equal(sl_parse_duration("2d"), 172800);
    assert_int_equal(sl_parse_duration("10"), -1);
    assert_int_equal(sl_parse_duration("m"), -1);
}

static void test_sql_ident(void **state)
{
    sl_buf b;
    sl_buf_init(&b);
    sl_sql_ident(&b, "we\"ird; DROP TABLE x;--");
    assert_string_equal(b.data, "\"we\"\"ird; DROP TABLE x;--\"");
    sl_buf_release(&b);
}

static void test_batch_keep_and_rejects(void **state)
{
    sl_batch *b = sl_batch_new();
    size_t c = sl_batch_add_column(b, "v", 1, SL_T_TEXT, 1);
    for (int i = 0; i < 3000; i++) {
        size_t r = sl_batch_add_row(b, i * 10, i + 1);
        char t[16];
        snprintf(t, sizeof t, "%d", i);
        sl_batch_set_text(b, c, r, t, strlen(t));
    }
    b->nread = 3000;
    uint8_t *keep = sl_malloc(b->nrows);
    for (size_t r = 0; r < b->nrows; r++)
        keep[r] = r % 3 != 0;
    sl_batch_reject_row(b, 0, "test", "because");
    sl_batch_keep(b, keep);
    b->nfiltered = 999;
    assert_int_equal(b->nrows, 2000);
    assert_int_equal(sl_batch_check_accounting(b), 0);
    assert_string_equal(b->cols[0].str[0].p, "1");
    assert_int_equal(b->offset[0], 10);
    assert_string_equal(b->rejects[0].raw, "{\"v\":\"0\"}");
    sl_free(keep);
    sl_batch_clear(b);
    assert_int_equal(b->nrows, 0);
    assert_int_equal(b->nrejects, 0);
    sl_batch_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_empty_is_terminated), cmocka_unit_test(test_arena_reuses_blocks),
        cmocka_unit_test(test_edit_distance), cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_duration), cmocka_unit_test(test_sql_ident),
        cmocka_unit_test(test_batch_keep_and_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
