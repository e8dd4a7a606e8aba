/* test_json.c: a JSON conformance set written from RFC 8259: valid
 * documents are accepted, invalid ones rejected with a position, deep
 * nesting refused without a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "formats/json.h"
#include "json_skip_oracle.h"

static const char *const valid[] = {
    "{}", "[]", "0", "-0", "1.5e+10", "-1E-2", "\"\"", "true", "false", "null", " \t\r\n[1, 2 ,3]\n",
    "{\"a\":{\"b\":[1,{\"c\":null}]}}", "\"\\u00e9\\n\\t\\\"\\\\\\/\\b\\f\\r\"", "\"\\ud83d\\ude00\"",
    "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"", "9223372036854775807", "123456789012345678901234567890",
    "{\"\":0}", "[[[[[[[[[[]]]]]]]]]]", "{\"a\":1,\"a\":2}",
};

static const struct { const char *doc; const char *error; } invalid[] = {
    {"", "line 1, column 1 (byte 0): unexpected end of input (expected a value)"},
    {"{", "line 1, column 2 (byte 1): unexpected end of input in an object"},
    {"[1,]", "line 1, column 4 (byte 3): unexpected character (expected a value)"},
    {"{\"a\":1,}", "line 1, column 8 (byte 7): expected a member name (a string) in an object"},
    {"{\"a\" 1}", "line 1, column 6 (byte 5): expected ':' after a member name"},
    {"01", "line 1, column 2 (byte 1): unexpected data after the JSON value"},
    {"1.", "line 1, column 3 (byte 2): a digit must follow the decimal point"},
    {".5", "line 1, column 1 (byte 0): unexpected character (expected a value)"},
    {"1e", "line 1, column 3 (byte 2): a digit must follow the exponent"},
    {"-", "line 1, column 2 (byte 1): unexpected end of input in a number"},
    {"tru", "line 1, column 1 (byte 0): invalid literal (expected true, false or null)"},
    {"\"abc", "line 1, column 5 (byte 4): unterminated string"},
    {"\"a\nb\"", "line 1, column 3 (byte 2): control character in a string (must be escaped)"},
    {"\"\\x\"", "line 1, column 2 (byte 1): invalid escape in a string"},
    {"\"\\u12G4\"", "line 1, column 4 (byte 3): invalid \\u escape"},
    {"\"\xff\"", "line 1, column 2 (byte 1): invalid UTF-8 in a string"},
    {"[1 2]", "line 1, column 4 (byte 3): expected ',' or ']' in an array"},
    {"{\"a\":1}\n{", "line 2, column 1 (byte 8): unexpected data after the JSON value"},
    {"NaN", "line 1, column 1 (byte 0): unexpected character (expected a value)"},
    {"[\n\n  x]", "line 3, column 3 (byte 5): unexpected character (expected a value)"},
};

static void test_valid(void **state)
{
    char err[256];
    for (size_t i = 0; i < sizeof valid / sizeof *valid; i++) {
        if (sl_json_validate(valid[i], strlen(valid[i]), err, sizeof err) != 0)
            fail_msg("rejected valid document %zu (%s): %s", i, valid[i], err);
    }
}

static void test_invalid(void **state)
{
    char err[256];
    for (size_t i = 0; i < sizeof invalid / sizeof *invalid; i++) {
        if (sl_json_validate(invalid[i].doc, strlen(invalid[i].doc), err, sizeof err) == 0)
            fail_msg("accepted invalid document %zu (%s)", i, invalid[i].doc);
        if (strcmp(err, invalid[i].error) != 0)
            fail_msg("document %zu (%s):\n  got:  %s\n  want: %s", i, invalid[i].doc, err, invalid[i].error);
    }
}

static void test_deep_nesting_refused(void **state)
{
    size_t n = 100000;
    char *doc = malloc(2 * n);
    memset(doc, '[', n);
    memset(doc + n, ']', n);
    char err[256];
    assert_int_equal(sl_json_validate(doc, 2 * n, err, sizeof err), -1);
    assert_non_null(strstr(err, "nesting deeper than 512 levels"));
    /* 512 levels are fine */
    assert_int_equal(sl_json_validate(doc + n - 512, 1024, err, sizeof err), 0);
    free(doc);
}

static void test_string_unescape(void **state)
{
    sl_json j;
    sl_buf out;
    sl_buf_init(&out);
    const char *s = "\"a\\u00e9\\ud83d\\ude00\\n\"";
    sl_json_init(&j, s, strlen(s));
    assert_int_equal(sl_json_string(&j, &out), 0);
    assert_string_equal(out.data, "a\xc3\xa9\xf0\x9f\x98\x80\n");
    const char *lone = "\"\\ud800x\"";
    sl_json_init(&j, lone, strlen(lone));
    assert_int_equal(sl_json_string(&j, &out), 0);
    assert_string_equal(out.data, "\xef\xbf\xbdx"); /* a lone surrogate becomes U+FFFD */
    sl_buf_release(&out);
}

/* Each special byte (quote, backslash escape, control byte, UTF-8, invalid
 * UTF-8) at every offset of a long string: the 16- and 8-byte scans must
 * stop exactly there. */
static void test_special_at_every_offset(void **state)
{
    char doc[128], err[256];
    sl_buf out;
    sl_buf_init(&out);
    for (int at = 0; at < 48; at++) {
        /* an escape: "xxx\nyyyy" */
        int n = 0;
        doc[n++] = '"';
        for (int i = 0; i < at; i++)
            doc[n++] = 'x';
        doc[n++] = '\\';
        doc[n++] = 'n';
        for (int i = 0; i < 20; i++)
            doc[n++] = 'y';
        doc[n++] = '"';
        sl_json j;
        sl_json_init(&j, doc, (size_t)n);
        assert_int_equal(sl_json_string(&j, &out), 0);
        assert_int_equal(out.len, (size_t)at + 21);
        assert_int_equal(out.data[at], '\n');
        /* the closing quote there */
        sl_json_init(&j, doc, (size_t)at + 2);
        doc[at + 1] = '"';
        assert_int_equal(sl_json_string(&j, &out), 0);
        assert_int_equal(out.len, (size_t)at);
        /* a control byte there: refused at its byte */
        doc[at + 1] = '\t';
        assert_int_equal(sl_json_validate(doc, (size_t)n, err, sizeof err), -1);
        char want[64];
        snprintf(want, sizeof want, "(byte %d): control character", at + 1);
        assert_non_null(strstr(err, want));
        /* two-byte UTF-8 there is kept; a lone continuation byte is refused */
        doc[at + 1] = '\xc3';
        doc[at + 2] = '\xa9';
        sl_json_init(&j, doc, (size_t)n);
        assert_int_equal(sl_json_string(&j, &out), 0);
        assert_memory_equal(out.data + at, "\xc3\xa9", 2);
        doc[at + 1] = '\xa9';
        assert_int_equal(sl_json_validate(doc, (size_t)n, err, sizeof err), -1);
        snprintf(want, sizeof want, "(byte %d): invalid UTF-8", at + 1);
        assert_non_null(strstr(err, want));
    }
    sl_buf_release(&out);
}

/* Member names without copies; escaped names unescaped into the scratch. */
static void test_member_raw(void **state)
{
    const char *doc = "{\"plain\": 1, \"a\\u0062c\": 2}";
    sl_json j;
    sl_json_init(&j, doc, strlen(doc));
    sl_buf scratch;
    sl_buf_init(&scratch);
    assert_int_equal(sl_json_object_begin(&j), 0);
    int first = 1;
    const char *k;
    size_t kn;
    assert_int_equal(sl_json_member_raw(&j, &first, &scratch, &k, &kn), 1);
    assert_int_equal(kn, 5);
    assert_memory_equal(k, "plain", 5);
    assert_true(k > doc && k < doc + strlen(doc)); /* in the input, not copied */
    assert_int_equal(sl_json_skip(&j), 0);
    assert_int_equal(sl_json_member_raw(&j, &first, &scratch, &k, &kn), 1);
    assert_int_equal(kn, 3);
    assert_memory_equal(k, "abc", 3);
    assert_ptr_equal(k, scratch.data);
    assert_int_equal(sl_json_skip(&j), 0);
    assert_int_equal(sl_json_member_raw(&j, &first, &scratch, &k, &kn), 0);
    sl_buf_release(&scratch);
}

/* A small deterministic generator (xorshift64*), no libc rand state. */
static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static unsigned rnd(unsigned n)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (unsigned)((rng * 2685821657736338717ULL) >> 33) % n;
}

static void gen_string(sl_buf *o)
{
    static const char *const parts[] = {"a", "event", "user_id", " ", "\\n", "\\\"", "\\u00e9", "\\ud83d\\ude00",
                                        "\xc3\xa9", "\xf0\x9f\x98\x80", "0123456789abcdef", "/", "\\/"};
    sl_buf_addc(o, '"');
    for (unsigned i = rnd(6); i > 0; i--)
        sl_buf_adds(o, parts[rnd(sizeof parts / sizeof *parts)]);
    sl_buf_addc(o, '"');
}

static void gen_value(sl_buf *o, int depth)
{
    static const char *const ws[] = {"", "", "", " ", "\n", " \t\r\n "};
    sl_buf_adds(o, ws[rnd(6)]);
    unsigned k = rnd(depth > 4 ? 6 : 8);
    switch (k) {
    case 0: sl_buf_adds(o, "null"); break;
    case 1: sl_buf_adds(o, rnd(2) ? "true" : "false"); break;
    case 2: {
        static const char *const nums[] = {"0", "-0", "12", "-1.5", "1e10", "2E-3", "123456789012345678901", "0.25"};
        sl_buf_adds(o, nums[rnd(8)]);
        break;
    }
    case 3:
    case 4:
    case 5: gen_string(o); break;
    case 6: {
        sl_buf_addc(o, '{');
        for (unsigned i = 0, n = rnd(5); i < n; i++) {
            if (i)
                sl_buf_adds(o, rnd(4) ? "," : " , ");
            gen_string(o);
            sl_buf_adds(o, rnd(4) ? ":" : " : ");
            gen_value(o, depth + 1);
        }
        sl_buf_addc(o, '}');
        break;
    }
    default: {
        sl_buf_addc(o, '[');
        for (unsigned i = 0, n = rnd(5); i < n; i++) {
            if (i)
                sl_buf_addc(o, ',');
            gen_value(o, depth + 1);
        }
        sl_buf_addc(o, ']');
        break;
    }
    }
    sl_buf_adds(o, ws[rnd(6)]);
}

/* sl_json_skip (one loop) against the walker-based oracle, and against
 * itself allowed to read past the end: 30,000 generated values, most of
 * them broken by a few byte edits, followed by bytes that must not count
 * (quotes, braces, more JSON). Same verdict, end, depth and error. */
static void test_skip_matches_oracle(void **state)
{
    (void)state;
    static const char edits[] = "{}[]\":,\\ \t\n0123456789-+.eEtrufalsn\x01\x1f\x7f\x80\xc3\xa9\xff";
    sl_buf doc;
    sl_buf_init(&doc);
    char why[512];
    int broken = 0;
    for (int i = 0; i < 30000; i++) {
        sl_buf_reset(&doc);
        gen_value(&doc, 0);
        size_t n = doc.len;
        for (unsigned e = rnd(4); e > 0 && n > 0; e--) {
            size_t at = rnd((unsigned)n);
            switch (rnd(3)) {
            case 0: doc.data[at] = edits[rnd(sizeof edits - 1)]; break;
            case 1: memmove(doc.data + at, doc.data + at + 1, n - at - 1); n--; break;
            default: n = at; break; /* cut */
            }
        }
        doc.len = n;
        /* what follows the input: must never be taken for part of it */
        static const char *const tails[] = {"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"", "}}}}]]]]", "{\"x\":1}\n{\"y\":2}",
                                            "\\\\\\\\\\\\\\\\\\", ""};
        const char *tail = tails[rnd(5)];
        size_t more = strlen(tail);
        sl_buf_add(&doc, tail, more);
        if (oracle_compare(doc.data, n, more, why, sizeof why) != 0)
            fail_msg("value %d (%.*s): %s", i, (int)n, doc.data, why);
        sl_json t;
        sl_json_init(&t, doc.data, n);
        broken += sl_json_skip(&t) < 0;
    }
    /* both kinds were compared */
    assert_true(broken > 5000 && broken < 25000);
    sl_buf_release(&doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid), cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_deep_nesting_refused), cmocka_unit_test(test_string_unescape),
        cmocka_unit_test(test_special_at_every_offset), cmocka_unit_test(test_member_raw),
        cmocka_unit_test(test_skip_matches_oracle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
