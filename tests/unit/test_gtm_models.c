/* test_gtm_models.c: unit tests for the helpers of the score and
 * lifecycle model types (models/gtm_spec.c): timestamps as the warehouses
 * print them (SQLite text, PostgreSQL timestamp and timestamptz), the
 * entity key table, and error messages naming the rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "models/gtm_spec.h"

static void test_time_parse(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int64_t want; /* -1: refused */
    } cases[] = {
        {"2026-11-30 00:00:00", 1795996800},
        {"2026-11-30", 1795996800},
        {"2026-11-30T00:00:00Z", 1795996800},
        {"2026-11-30 00:00", 1795996800},
        {"2026-11-30 00:00:00.123456", 1795996800},
        {"2026-11-30 01:00:00+01", 1795996800},
        {"2026-11-30 01:30:00+01:30", 1795996800},
        {"2026-11-29 23:00:00-0100", 1795996800},
        {"1970-01-01 00:00:01", 1},
        {"2026-13-01", -1},
        {"2026-11-30 25:00:00", -1},
        {"30/11/2026", -1},
        {"2026-11-30 00:00:00 junk", -1},
        {"", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t t = -1;
        int rc = sl_gtms_time_parse(cases[i].in, &t);
        if (cases[i].want < 0) {
            assert_int_equal(rc, -1);
        } else {
            assert_int_equal(rc, 0);
            assert_int_equal(t, cases[i].want);
        }
    }
    char buf[32];
    sl_gtms_time_format(1795996800 + 3661, buf, sizeof buf);
    assert_string_equal(buf, "2026-11-30 01:01:01");
}

static void test_keys(void **state)
{
    (void)state;
    sl_gtms_keys k;
    sl_gtms_keys_init(&k);
    char key[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(sl_gtms_keys_add(&k, key), i);
    }
    assert_int_equal(sl_gtms_keys_add(&k, "k7"), -1);
    assert_int_equal(sl_gtms_keys_find(&k, "k999"), 999);
    assert_int_equal(sl_gtms_keys_find(&k, "k1000"), -1);
    assert_string_equal(k.v[42], "k42");
    sl_gtms_keys_release(&k);
}

static void test_error_in(void **state)
{
    (void)state;
    sl_error err = {0};
    sl_error_set(&err, SL_ECONFIG, "model s: input 'events' has no column 't'");
    sl_gtms_error_in(&err, "s", "rule r");
    assert_string_equal(err.msg, "model s: rule r: input 'events' has no column 't'");
    sl_error_set(&err, SL_ESQL, "SQLite: no such column: x");
    sl_gtms_error_in(&err, "s", "rule r");
    assert_string_equal(err.msg, "model s: rule r: SQLite: no such column: x");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_error_in),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
