/* test_json.c: a JSON conformance set written from RFC 8259: valid
 * documents are accepted, invalid ones rejected with a position, deep
 * nesting refused without a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "formats/json.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid), cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_deep_nesting_refused), cmocka_unit_test(test_string_unescape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
