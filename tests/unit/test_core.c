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
#include "core/types.h"
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

/* A record its source rejects half read (sl_batch_unadd_row): its row is
 * taken back with its cells, and the columns only it made are dropped
 * (a rejected record adds no column); the next row starts clean. */
static void test_batch_unadd_row(void **state)
{
    (void)state;
    sl_batch *b = sl_batch_new();
    size_t a = sl_batch_add_column(b, "a", 1, SL_T_TEXT, 1);
    size_t r = sl_batch_add_row(b, 0, 1);
    sl_batch_set_text(b, a, r, "x", 1);
    r = sl_batch_add_row(b, 10, 2);
    size_t ncols = b->ncols;
    sl_batch_set_text(b, a, r, "y", 1);
    size_t junk = sl_batch_add_column(b, "junk", 4, SL_T_TEXT, 1);
    sl_batch_set_text(b, junk, r, "j", 1);
    sl_batch_unadd_row(b, r, ncols);
    assert_int_equal(b->nrows, 1);
    assert_int_equal(b->ncols, 1);
    assert_int_equal(sl_batch_find(b, "junk"), -1);
    assert_string_equal(b->cols[a].str[0].p, "x");
    r = sl_batch_add_row(b, 20, 3);
    assert_int_equal(r, 1);
    assert_int_equal(b->cols[a].valid[r], 0);
    sl_batch_free(b);
}

/* Rows a transform adds (milestones): inserted in position order, marked,
 * counted in nderived (read + derived = rows + filtered + rejects), the
 * marks follow rows through sl_batch_keep and a cleared batch forgets them. */
static void test_batch_derived_rows(void **state)
{
    (void)state;
    sl_batch *b = sl_batch_new();
    size_t c = sl_batch_add_column(b, "v", 1, SL_T_INT, 0);
    for (int i = 0; i < 40; i++) {
        size_t r = sl_batch_add_row(b, i * 10, i + 1);
        b->cols[c].i64[r] = i;
        b->cols[c].valid[r] = 1;
    }
    b->nread = 40;
    size_t d = sl_batch_add_derived_row(b, 6, 50, 6); /* after row 5 (offset 50) */
    assert_int_equal(d, 6);
    b->cols[c].i64[d] = 1000;
    b->cols[c].valid[d] = 1;
    size_t e = sl_batch_add_derived_row(b, b->nrows, 390, 40); /* at the end */
    assert_int_equal(e, 41);
    assert_int_equal(b->nrows, 42);
    assert_int_equal(b->nderived, 2);
    assert_int_equal(sl_batch_check_accounting(b), 0);
    assert_int_equal(b->offset[5], 50);
    assert_int_equal(b->offset[6], 50);
    assert_int_equal(b->offset[7], 60);
    assert_int_equal(b->cols[c].i64[7], 6);
    assert_int_equal(b->cols[c].valid[41], 0);
    assert_true(sl_batch_row_derived(b, 6) && sl_batch_row_derived(b, 41));
    assert_false(sl_batch_row_derived(b, 5) || sl_batch_row_derived(b, 7));
    /* rows added after a derived one are not derived (the marks grow with the batch) */
    for (int i = 0; i < 100; i++)
        assert_false(sl_batch_row_derived(b, sl_batch_add_row(b, 400 + i, 41 + i)));
    b->nread += 100;
    /* drop every even row: the derived row 6 goes (filtered), 41 stays */
    uint8_t keep[142];
    for (size_t r = 0; r < b->nrows; r++)
        keep[r] = r % 2 == 1;
    sl_batch_keep(b, keep);
    b->nfiltered = 71;
    assert_int_equal(sl_batch_check_accounting(b), 0);
    size_t marked = 0;
    for (size_t r = 0; r < b->nrows; r++)
        marked += sl_batch_row_derived(b, r);
    assert_int_equal(marked, 1);
    sl_batch_clear(b);
    sl_batch_add_column(b, "v", 1, SL_T_INT, 0);
    assert_int_equal(b->nderived, 0);
    assert_false(sl_batch_row_derived(b, sl_batch_add_row(b, 0, 1)));
    sl_batch_free(b);
}

/* base64 both ways (RFC 4648 section 10's vectors), the URL-safe
 * alphabet, padding optional, strict refusal of non-canonical text. */
static void test_base64(void **state)
{
    (void)state;
    static const char *const vec[][2] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                         {"foo", "Zm9v"},  {"foob", "Zm9vYg=="},  {"fooba", "Zm9vYmE="},
                                         {"foobar", "Zm9vYmFy"}};
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        sl_buf b;
        sl_buf_init(&b);
        sl_buf_add_base64(&b, vec[i][0], strlen(vec[i][0]));
        assert_string_equal(b.data ? b.data : "", vec[i][1]);
        sl_buf_reset(&b);
        assert_int_equal(sl_base64_decode(vec[i][1], strlen(vec[i][1]), 1, &b), 0);
        assert_int_equal(b.len, strlen(vec[i][0]));
        assert_memory_equal(b.data ? b.data : "", vec[i][0], b.len);
        sl_buf_release(&b);
    }
    sl_buf b;
    sl_buf_init(&b);
    assert_int_equal(sl_base64_decode("Zm9vYg", 6, 1, &b), 0); /* no padding */
    assert_int_equal(b.len, 4);
    sl_buf_reset(&b);
    assert_int_equal(sl_base64_decode("-_8", 3, 0, &b), 0); /* URL-safe: fb ff */
    assert_int_equal((unsigned char)b.data[0], 0xfb);
    assert_int_equal((unsigned char)b.data[1], 0xff);
    sl_buf_reset(&b);
    assert_int_equal(sl_base64_decode("Zh==", 4, 1, &b), -1); /* padding bits set */
    sl_buf_reset(&b);
    assert_int_equal(sl_base64_decode("Zh==", 4, 0, &b), 0);
    sl_buf_reset(&b);
    assert_int_equal(sl_base64_decode("Zg=x", 4, 0, &b), -1); /* only '=' after '=' */
    sl_buf_reset(&b);
    assert_int_equal(sl_base64_decode("Z g=", 4, 0, &b), -1);
    sl_buf_release(&b);
}

/* JSON string escaping with each special byte or sequence at every offset
 * of a long string (the 16-byte scan), against a byte-by-byte reference.
 * Valid UTF-8 passes unchanged; a byte that is not UTF-8 (a Latin-1 é, a
 * cut sequence, a surrogate's encoding) becomes the text \xE9 (regression
 * 2026-11-30, case 04: raw bytes made --json invalid). */
static void test_json_str_escape(void **state)
{
    static const struct {
        const char *in, *out;
    } specials[] = {
        {"\"", "\\\""}, {"\\", "\\\\"}, {"\n", "\\n"}, {"\x01", "\\u0001"}, {"\x1f", "\\u001f"},
        {" ", " "}, {"\x7f", "\x7f"}, {"\xc3", "\\\\xC3"}, {"\xe9", "\\\\xE9"},
        {"\xc3\xa9", "\xc3\xa9"}, {"\xe2\x82\xac", "\xe2\x82\xac"}, {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},
        {"\xe2\x82", "\\\\xE2\\\\x82"}, {"\xed\xa0\x80", "\\\\xED\\\\xA0\\\\x80"},
        {"\xc0\xaf", "\\\\xC0\\\\xAF"}, {"\xff", "\\\\xFF"},
    };
    for (size_t k = 0; k < sizeof specials / sizeof *specials; k++)
        for (int at = 0; at < 40; at++) {
            char in[64];
            size_t sn = strlen(specials[k].in);
            memset(in, 'a', sizeof in);
            memcpy(in + at, specials[k].in, sn);
            size_t n = 44 + sn;
            sl_buf got, want;
            sl_buf_init(&got);
            sl_buf_init(&want);
            sl_buf_add_json_str(&got, in, n);
            sl_buf_addc(&want, '"');
            for (int i = 0; i < at; i++)
                sl_buf_addc(&want, 'a');
            sl_buf_adds(&want, specials[k].out);
            for (size_t i = (size_t)at + sn; i < n; i++)
                sl_buf_addc(&want, 'a');
            sl_buf_addc(&want, '"');
            assert_int_equal(got.len, want.len);
            assert_memory_equal(got.data, want.data, want.len);
            sl_buf_release(&got);
            sl_buf_release(&want);
        }
    /* a sequence cut by the end of the string */
    sl_buf b;
    sl_buf_init(&b);
    sl_buf_add_json_str(&b, "Ren\xc3", 4);
    assert_string_equal(b.data, "\"Ren\\\\xC3\"");
    sl_buf_reset(&b);
    sl_buf_add_utf8_shown(&b, "1,Ren\xe9" "e,Z\xfc" "rich \xc3\xa9", 17);
    assert_string_equal(b.data, "1,Ren\\xE9e,Z\\xFCrich \xc3\xa9");
    sl_buf_release(&b);
}

/* The reference for a timestamp's text, written independently of
 * sl_format_timestamp: floor division, then snprintf. */
static void ref_timestamp(char *out, size_t cap, int64_t us)
{
    int64_t day = us / 86400000000LL, tod = us % 86400000000LL;
    if (tod < 0) {
        tod += 86400000000LL;
        day--;
    }
    char date[32];
    sl_format_date(date, day);
    int64_t secs = tod / 1000000, frac = tod % 1000000;
    int n = snprintf(out, cap, "%sT%02d:%02d:%02d", date, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    if (frac % 1000 == 0 && frac)
        n += snprintf(out + n, cap - (size_t)n, ".%03d", (int)(frac / 1000));
    else if (frac)
        n += snprintf(out + n, cap - (size_t)n, ".%06d", (int)frac);
    snprintf(out + n, cap - (size_t)n, "Z");
}

/* sl_batch_render_times against the reference: negative times, whole and
 * fractional seconds, nulls, the extremes of int64. */
static void test_render_times(void **state)
{
    sl_batch *b = sl_batch_new();
    size_t ts = sl_batch_add_column(b, "ts", 2, SL_T_TIMESTAMP, 0);
    size_t dt = sl_batch_add_column(b, "d", 1, SL_T_DATE, 0);
    uint64_t x = 12345;
    const int64_t fixed[] = {0, -1, 1, INT64_MAX, INT64_MIN, -86400000000LL, 86399999999LL,
                             512 * 86400000000LL, 1024 * 86400000000LL + 1000, -500000};
    size_t nfixed = sizeof fixed / sizeof *fixed;
    for (size_t i = 0; i < 5000; i++) {
        size_t r = sl_batch_add_row(b, (int64_t)i, (int64_t)i + 1);
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        int64_t us = i < nfixed ? fixed[i] : (int64_t)(x >> 8) % (400LL * 365 * 86400000000LL);
        if (i >= nfixed && i % 3 == 0)
            us -= us % 1000000; /* whole seconds */
        sl_column_ensure(&b->cols[ts], b->rowcap);
        sl_column_ensure(&b->cols[dt], b->rowcap);
        b->cols[ts].i64[r] = us;
        b->cols[ts].valid[r] = i % 17 != 5;
        b->cols[dt].i64[r] = (int64_t)(x >> 40) % 800000 - 400000;
        b->cols[dt].valid[r] = 1;
    }
    sl_batch_render_times(b);
    char want[64];
    for (size_t r = 0; r < b->nrows; r++) {
        if (b->cols[ts].valid[r]) {
            ref_timestamp(want, sizeof want, b->cols[ts].i64[r]);
            assert_int_equal(b->cols[ts].str[r].n, strlen(want));
            assert_string_equal(b->cols[ts].str[r].p, want);
        }
        sl_format_date(want, b->cols[dt].i64[r]);
        assert_string_equal(b->cols[dt].str[r].p, want);
    }
    assert_true(b->cols[ts].rendered && b->cols[dt].rendered);
    sl_batch_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_empty_is_terminated), cmocka_unit_test(test_arena_reuses_blocks),
        cmocka_unit_test(test_edit_distance), cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_duration), cmocka_unit_test(test_sql_ident),
        cmocka_unit_test(test_batch_keep_and_rejects), cmocka_unit_test(test_batch_derived_rows),
        cmocka_unit_test(test_batch_unadd_row),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_render_times),
        cmocka_unit_test(test_json_str_escape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
