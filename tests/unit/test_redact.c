/* test_redact.c: unit tests for core/redact.c: every encoding of a secret
 * is found (raw, percent-encoded in both hex cases and with '+', JSON
 * escapes incl. \u and surrogate pairs, the Latin-1 misreading, HTML
 * entities), mixed within one occurrence; short values are not secrets;
 * streams hold back a secret split across writes and only that; errors
 * and ${VAR} registration follow the rule of docs/secrets.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config/yaml.h"
#include "core/error.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/redact.h"

/* The key of case 43: every URL-special character, a quote, non-ASCII
 * (é: 2 bytes, 😀: 4 bytes). */
#define KEY "K3y+/=&%\"x é😀"

static char *red(const char *s)
{
    return sl_redact_dup(s, strlen(s));
}

static void expect(const char *in, const char *want)
{
    char *got = red(in);
    if (strcmp(got, want) != 0)
        fail_msg("redact(%s) = %s, want %s", in, got, want);
    sl_free(got);
}

static void test_every_encoding(void **state)
{
    (void)state;
    sl_redact_add(KEY);
    expect("a " KEY " b", "a *** b");
    /* curl_easy_escape: upper-case hex, space as %20 */
    expect("?k=K3y%2B%2F%3D%26%25%22x%20%C3%A9%F0%9F%98%80&n=1", "?k=***&n=1");
    /* lower-case hex, '+' for the space (forms), some characters left alone */
    expect("k=K3y%2b/%3d%26%25%22x+%c3%a9%f0%9f%98%80;", "k=***;");
    /* JSON: \" escaped, non-ASCII raw (ensure_ascii=False) */
    expect("{\"q\": \"K3y+/=&%\\\"x é😀\"}", "{\"q\": \"***\"}");
    /* JSON: ensure_ascii, \/ and a surrogate pair */
    expect("\"K3y+\\/=&%\\\"x \\u00e9\\ud83d\\ude00\"", "\"***\"");
    expect("\"K3y+/=&%\\u0022x \\u00E9\\uD83D\\uDE00\"", "\"***\"");
    /* a server that reads header bytes as Latin-1, then escapes them */
    expect("K3y+/=&%\\\"x \\u00c3\\u00a9\\u00f0\\u009f\\u0098\\u0080!", "***!");
    expect("K3y+/=&%\"x \xc3\x83\xc2\xa9\xc3\xb0\xc2\x9f\xc2\x98\xc2\x80!", "***!");
    /* JSON text kept as a string inside JSON: every escape escaped again */
    expect("{\"raw\": \"{\\\"k\\\": \\\"K3y+\\\\/=&%\\\\\\\"x \\\\u00e9\\\\ud83d\\\\ude00\\\"}\"}",
           "{\"raw\": \"{\\\"k\\\": \\\"***\\\"}\"}");
    /* HTML entities (Slack escapes & < >) */
    expect("K3y+/=&amp;%&quot;x é😀", "***");
    /* the same text without the secret's last character is kept */
    expect("K3y+/=&%\"x é", "K3y+/=&%\"x é");
    expect("K3y%2B%2F", "K3y%2B%2F");
}

/* A secret with a backslash: JSON doubles it, JSON in JSON doubles it
 * again (found by trying to break the redaction: "Abcd\\efgh" leaked). */
static void test_backslash(void **state)
{
    (void)state;
    sl_redact_add("Abcd\\efgh");
    sl_redact_add("Hk\\9/+=&%\"zz");
    expect("x Abcd\\efgh y", "x *** y");
    expect("{\"X-Token\": \"Abcd\\\\efgh\"}", "{\"X-Token\": \"***\"}");
    expect("\"{\\\"t\\\": \\\"Abcd\\\\\\\\efgh\\\"}\"", "\"{\\\"t\\\": \\\"***\\\"}\"");
    expect("Abcd%5Cefgh", "***");
    expect("{\"k\": \"Hk\\\\9\\/+=&%\\\"zz\"}", "{\"k\": \"***\"}");
    /* a lone backslash before the secret's text stays */
    expect("\\Abcd\\efgh", "\\***");
}

static void test_percent_longest(void **state)
{
    (void)state;
    /* '%' raw and "%25" both start with '%': the whole encoding goes */
    sl_redact_add("pct_%%_end%");
    expect("x=pct_%25%25_end%25&y", "x=***&y");
    expect("x=pct_%%_end%&y", "x=***&y");
}

static void test_short_and_twice(void **state)
{
    (void)state;
    size_t n = sl_redact_count();
    sl_redact_add("1");
    sl_redact_add("abc");
    sl_redact_add("");
    sl_redact_add(NULL);
    assert_int_equal(sl_redact_count(), n);
    expect("abc 1", "abc 1");
    sl_redact_add("twice-registered");
    sl_redact_add("twice-registered");
    assert_int_equal(sl_redact_count(), n + 1);
    /* a secret inside a longer one: the longer wins */
    sl_redact_add("twice-registered-and-longer");
    expect("[twice-registered-and-longer] [twice-registered]", "[***] [***]");
}

/* Text written byte by byte reaches the fd redacted; what cannot be a
 * secret is written at once (nothing held back before the end). */
static void test_stream_split(void **state)
{
    (void)state;
    sl_redact_add("split-secret-value");
    char path[] = "/tmp/sluice-redact-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    sl_redact_stream *s = sl_redact_stream_new(fd);
    const char *text = "one split-secret-value two split%2Dsecret%2Dvalue three split-sec";
    for (const char *p = text; *p; p++)
        assert_int_equal(sl_redact_stream_write(s, p, 1), 0);
    char got[256] = {0};
    assert_int_equal(pread(fd, got, sizeof got - 1, 0), strlen("one *** two *** three "));
    assert_string_equal(got, "one *** two *** three ");
    assert_int_equal(sl_redact_stream_flush(s), 0);
    memset(got, 0, sizeof got);
    assert_true(pread(fd, got, sizeof got - 1, 0) > 0);
    assert_string_equal(got, "one *** two *** three split-sec");
    sl_redact_stream_free(s);
    close(fd);
    unlink(path);
}

/* An error longer than sl_error's buffer: the secret at the cut is still
 * redacted (redaction happens before the cut). */
static void test_error_cut(void **state)
{
    (void)state;
    sl_redact_add("cut-secret-0123456789");
    sl_error err;
    char pad[2100];
    memset(pad, 'x', sizeof pad - 1);
    pad[sizeof pad - 1] = 0;
    sl_error_set(&err, SL_EIO, "%.2040s cut-secret-0123456789", pad);
    assert_null(strstr(err.msg, "cut-sec"));
    sl_error_set(&err, SL_EIO, "GET /x?k=cut%%2Dsecret%%2D0123456789 failed");
    assert_string_equal(err.msg, "GET /x?k=*** failed");
    sl_error_prefix(&err, "source %s", "cut-secret-0123456789");
    assert_string_equal(err.msg, "source ***: GET /x?k=*** failed");
}

/* An excerpt whose end falls inside a secret: redacted first, then cut,
 * so no prefix of the secret shows. */
static void test_cut(void **state)
{
    (void)state;
    sl_redact_add("excerpt-secret-42");
    char out[16];
    const char *url = "http://h/?k=excerpt%2Dsecret%2D42&x=1";
    /* cut before redaction would show "http://h/?k=exc" */
    assert_string_equal(sl_redact_cut(out, sizeof out, url, strlen(url)), "http://h/?k=***");
    char big[8];
    assert_string_equal(sl_redact_cut(big, sizeof big, "ab excerpt-secret-42", 20), "ab ***");
}

/* ${VAR}: secret options register any value; other options register only
 * variables named like secrets; a default is registered like a value. */
static void test_env_rule(void **state)
{
    (void)state;
    sl_diags d;
    sl_diags_init(&d);
    sl_loc loc = {"p.yml", 1, 1};
    setenv("SL_T_HDR", "header-value-1", 1);
    setenv("SL_T_TABLE", "customers_table", 1);
    setenv("SL_T_API_TOKEN", "named-token-77", 1);
    char *v = sl_interpolate("${SL_T_HDR}", strlen("${SL_T_HDR}"), loc, SL_YAML_SECRET, &d);
    sl_free(v);
    v = sl_interpolate("${SL_T_TABLE}", strlen("${SL_T_TABLE}"), loc, 0, &d);
    sl_free(v);
    v = sl_interpolate("t/${SL_T_API_TOKEN}", strlen("t/${SL_T_API_TOKEN}"), loc, 0, &d);
    sl_free(v);
    v = sl_interpolate("${SL_T_UNSET_PASSWORD:-default-pw-9}", strlen("${SL_T_UNSET_PASSWORD:-default-pw-9}"), loc, 0, &d);
    assert_string_equal(v, "default-pw-9");
    sl_free(v);
    assert_int_equal(d.n, 0);
    expect("header-value-1 customers_table named-token-77 default-pw-9", "*** customers_table *** ***");
    assert_true(sl_env_name_is_secret("STRIPE_api_key"));
    assert_true(sl_env_name_is_secret("DB_PWD"));
    assert_false(sl_env_name_is_secret("TABLE"));
    assert_false(sl_env_name_is_secret("START_DATE"));
    sl_diags_release(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_encoding), cmocka_unit_test(test_percent_longest),
        cmocka_unit_test(test_short_and_twice), cmocka_unit_test(test_stream_split),
        cmocka_unit_test(test_error_cut),      cmocka_unit_test(test_cut),
        cmocka_unit_test(test_env_rule),       cmocka_unit_test(test_backslash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
