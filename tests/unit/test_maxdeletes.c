/* test_maxdeletes.c: unit tests for the max_deletes guard (sinks/maxdeletes.h):
 * the forms it accepts and refuses, and where a count and a share stop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "sinks/maxdeletes.h"

static void test_parse(void **state)
{
    sl_maxdeletes m;
    char why[200];
    assert_int_equal(sl_maxdeletes_parse(&m, "10%", why, sizeof why), 0);
    assert_true(m.percent && m.limit == 10);
    assert_int_equal(sl_maxdeletes_parse(&m, "2.5%", why, sizeof why), 0);
    assert_true(m.percent && m.limit == 2.5);
    assert_int_equal(sl_maxdeletes_parse(&m, "50", why, sizeof why), 0);
    assert_true(!m.percent && m.limit == 50);
    assert_int_equal(sl_maxdeletes_parse(&m, "0", why, sizeof why), 0);
    assert_int_equal(sl_maxdeletes_parse(&m, "100%", why, sizeof why), 0);
    const char *bad[] = {"", "lots", "-1", "101%", "1.5", "10 %x", "%", "nan", "inf", "+5", NULL};
    for (int i = 0; bad[i]; i++) {
        why[0] = 0;
        assert_int_equal(sl_maxdeletes_parse(&m, bad[i], why, sizeof why), -1);
        assert_non_null(strstr(why, "max_deletes must be a number of records (50) or a share"));
    }
    assert_non_null(strstr(why, "not '+5'"));
    (void)state;
}

static void test_exceeded(void **state)
{
    sl_maxdeletes m;
    char why[200];
    assert_int_equal(sl_maxdeletes_parse(&m, "10%", why, sizeof why), 0);
    assert_false(sl_maxdeletes_exceeded(&m, 0, 0));    /* nothing to delete */
    assert_false(sl_maxdeletes_exceeded(&m, 10, 100)); /* exactly 10% */
    assert_true(sl_maxdeletes_exceeded(&m, 11, 100));
    assert_true(sl_maxdeletes_exceeded(&m, 1, 5));     /* 20%: a share is compared exactly */
    assert_true(sl_maxdeletes_exceeded(&m, 100, 100)); /* the query matched nothing */
    assert_true(sl_maxdeletes_exceeded(&m, 1, 0));
    assert_int_equal(sl_maxdeletes_parse(&m, "3", why, sizeof why), 0);
    assert_false(sl_maxdeletes_exceeded(&m, 3, 10));
    assert_true(sl_maxdeletes_exceeded(&m, 4, 1000000));
    assert_int_equal(sl_maxdeletes_parse(&m, "0", why, sizeof why), 0);
    assert_true(sl_maxdeletes_exceeded(&m, 1, 1000000));
    assert_int_equal(sl_maxdeletes_parse(&m, "100%", why, sizeof why), 0);
    assert_false(sl_maxdeletes_exceeded(&m, 100, 100));
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_exceeded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
