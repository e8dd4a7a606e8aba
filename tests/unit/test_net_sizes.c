/* test_net_sizes.c: net/http.h's sizes (max_response_size: what is read,
 * how a limit is shown) and reading a body held in memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>
#include "net/http.h"

static void test_parse(void **state)
{
    (void)state;
    static const struct { const char *s; size_t v; } ok[] = {
        {"1048576", 1048576}, {"256MiB", (size_t)256 << 20}, {"256 MiB", (size_t)256 << 20}, {"10MB", 10000000},
        {"10mb", 10000000}, {"1.5KiB", 1536}, {"2G", (size_t)2 << 30}, {"1GB", 1000000000}, {"512k", 524288},
        {"100 bytes", 100}, {"7B", 7},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        size_t v = 0;
        assert_int_equal(sl_http_size_parse(ok[i].s, &v), 0);
        assert_true(v == ok[i].v);
    }
    static const char *const bad[] = {"", "lots", "10 MiBs", "-1", "MB", "1e30", "10 M B", "nan"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t v = 0;
        assert_int_equal(sl_http_size_parse(bad[i], &v), -1);
    }
}

static void test_text(void **state)
{
    (void)state;
    static const struct { size_t v; const char *s; } t[] = {
        {(size_t)256 << 20, "256 MiB"}, {10000000, "10 MB"}, {1536, "1536 bytes"}, {(size_t)3 << 30, "3 GiB"},
        {64 << 10, "64 KiB"}, {5000, "5 KB"}, {999, "999 bytes"}, {1500000, "1500 KB"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char out[40];
        sl_http_size_text(t[i].v, out, sizeof out);
        assert_string_equal(out, t[i].s);
    }
}

static void test_body_read_memory(void **state)
{
    (void)state;
    sl_http_call c = {0};
    sl_buf_init(&c.body_out);
    sl_buf_adds(&c.body_out, "[1,2,3]");
    c.body_size = c.body_out.len;
    char buf[4];
    assert_int_equal(sl_http_body_read(&c, 0, buf, sizeof buf), 4);
    assert_memory_equal(buf, "[1,2", 4);
    assert_int_equal(sl_http_body_read(&c, 4, buf, sizeof buf), 3);
    assert_memory_equal(buf, ",3]", 3);
    assert_int_equal(sl_http_body_read(&c, 7, buf, sizeof buf), 0);
    sl_http_call_reset(&c);
    assert_int_equal(c.body_size, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_body_read_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
