/* test_types.c: unit tests for core/types.c (parsing, formatting, inference, widening). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>
#include "core/types.h"

#define S(x) x, strlen(x)

static void test_parse_int(void **state)
{
    int64_t v;
    assert_int_equal(sl_parse_int(S("42"), &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(sl_parse_int(S(" -7 "), &v), 0);
    assert_int_equal(v, -7);
    assert_int_equal(sl_parse_int(S("9223372036854775807"), &v), 0);
    assert_int_equal(v, INT64_MAX);
    assert_int_equal(sl_parse_int(S("-9223372036854775808"), &v), 0);
    assert_true(v == INT64_MIN);
    assert_int_equal(sl_parse_int(S("9223372036854775808"), &v), -1);
    assert_int_equal(sl_parse_int(S("12a"), &v), -1);
    assert_int_equal(sl_parse_int(S(""), &v), -1);
    assert_int_equal(sl_parse_int(S("-"), &v), -1);
    assert_int_equal(sl_parse_int(S("1.0"), &v), -1);
}

static void test_parse_float(void **state)
{
    double d;
    assert_int_equal(sl_parse_float(S("1.5"), &d), 0);
    assert_true(d == 1.5);
    assert_int_equal(sl_parse_float(S("-2e3"), &d), 0);
    assert_true(d == -2000);
    assert_int_equal(sl_parse_float(S(".5"), &d), 0);
    assert_int_equal(sl_parse_float(S("nan"), &d), -1);
    assert_int_equal(sl_parse_float(S("inf"), &d), -1);
    assert_int_equal(sl_parse_float(S("1e"), &d), -1);
    assert_int_equal(sl_parse_float(S("0x10"), &d), -1);
    assert_int_equal(sl_parse_float(S("1e999"), &d), -1);
}

static void test_dates(void **state)
{
    int64_t days, us;
    assert_int_equal(sl_parse_date(S("1970-01-01"), &days), 0);
    assert_int_equal(days, 0);
    assert_int_equal(sl_parse_date(S("2024-02-29"), &days), 0);
    assert_int_equal(sl_parse_date(S("2023-02-29"), &days), -1);
    assert_int_equal(sl_parse_date(S("2023-13-01"), &days), -1);
    assert_int_equal(sl_parse_timestamp(S("2026-01-01T00:00:38.102Z"), &us), 0);
    char out[64];
    sl_format_timestamp(out, us);
    assert_string_equal(out, "2026-01-01T00:00:38.102Z");
    assert_int_equal(sl_parse_timestamp(S("2026-01-01 02:00:00+02:00"), &us), 0);
    sl_format_timestamp(out, us);
    assert_string_equal(out, "2026-01-01T00:00:00Z");
    assert_int_equal(sl_parse_timestamp(S("1969-12-31T23:59:59.5Z"), &us), 0);
    assert_true(us == -500000);
    sl_format_timestamp(out, us);
    assert_string_equal(out, "1969-12-31T23:59:59.500Z");
    assert_int_equal(sl_parse_timestamp(S("2026-01-01T25:00:00Z"), &us), -1);
    assert_int_equal(sl_parse_timestamp(S("2026-01-01Tjunk"), &us), -1);
    assert_int_equal(sl_parse_time_format(S("31/12/2025 23:59"), "%d/%m/%Y %H:%M", 0, &us), 0);
    sl_format_timestamp(out, us);
    assert_string_equal(out, "2025-12-31T23:59:00Z");
    assert_int_equal(sl_parse_time_format(S("31/12/2025"), "%d/%m/%Y", 1, &days), 0);
    sl_format_date(out, days);
    assert_string_equal(out, "2025-12-31");
    /* round trip over a range of days */
    for (int64_t d = -719000; d < 2900000; d += 997) { /* years 0001..9999 */
        int64_t back;
        sl_format_date(out, d);
        assert_int_equal(sl_parse_date(out, strlen(out), &back), 0);
        assert_int_equal(back, d);
    }
}

static void test_infer_and_widen(void **state)
{
    assert_int_equal(sl_type_infer_text(S("123")), SL_T_INT);
    assert_int_equal(sl_type_infer_text(S("007")), SL_T_TEXT); /* zip codes, ids */
    assert_int_equal(sl_type_infer_text(S("0")), SL_T_INT);
    assert_int_equal(sl_type_infer_text(S("1.25")), SL_T_FLOAT);
    assert_int_equal(sl_type_infer_text(S("TRUE")), SL_T_BOOL);
    assert_int_equal(sl_type_infer_text(S("2026-01-02")), SL_T_DATE);
    assert_int_equal(sl_type_infer_text(S("2026-01-02T03:04:05Z")), SL_T_TIMESTAMP);
    assert_int_equal(sl_type_infer_text(S("+1 (415) 555-0134")), SL_T_TEXT);
    assert_int_equal(sl_type_infer_text(S("")), SL_T_NULL);
    assert_int_equal(sl_type_widen(SL_T_INT, SL_T_FLOAT), SL_T_FLOAT);
    assert_int_equal(sl_type_widen(SL_T_DATE, SL_T_TIMESTAMP), SL_T_TIMESTAMP);
    assert_int_equal(sl_type_widen(SL_T_BOOL, SL_T_INT), SL_T_TEXT);
    assert_int_equal(sl_type_widen(SL_T_NULL, SL_T_INT), SL_T_INT);
    sl_type t;
    assert_int_equal(sl_type_parse("BIGINT", &t), 0);
    assert_int_equal(t, SL_T_INT);
    assert_int_equal(sl_type_parse("intt", &t), -1);
}

/* Inference says a type only when the type gives the value back exactly
 * (issue #10 item 5: "02100" after the sample, ids beyond int64). */
static void test_infer_exact(void **state)
{
    int64_t i;
    double d;
    /* ints: -?[1-9][0-9]* within int64; a '+' or a redundant zero would be lost */
    assert_int_equal(sl_type_infer_text(S("02100")), SL_T_TEXT);
    assert_int_equal(sl_type_infer_text(S("+5")), SL_T_TEXT);
    assert_int_equal(sl_type_infer_text(S("+15550100")), SL_T_TEXT);
    assert_int_equal(sl_type_infer_text(S("-5")), SL_T_INT);
    assert_int_equal(sl_type_infer_text(S("-0")), SL_T_FLOAT); /* -0.0 keeps its sign, the int 0 would not */
    assert_int_equal(sl_type_infer_value(S("9223372036854775807"), &i, &d), SL_T_INT);
    assert_true(i == INT64_MAX);
    /* beyond int64: every digit kept, never a float */
    assert_int_equal(sl_type_infer_text(S("12638146518625398189")), SL_T_DECIMAL);
    assert_int_equal(sl_type_infer_text(S("-9223372036854775809")), SL_T_DECIMAL);
    assert_int_equal(sl_type_infer_text(S("123456789012345678901234567890")), SL_T_DECIMAL);
    /* floats: the double's shortest form has the same decimal value */
    assert_int_equal(sl_type_infer_value(S("1.10"), &i, &d), SL_T_FLOAT);
    assert_true(d == 1.1);
    assert_int_equal(sl_type_infer_value(S("1e3"), &i, &d), SL_T_FLOAT);
    assert_true(d == 1000.0);
    assert_int_equal(sl_type_infer_text(S("0.1")), SL_T_FLOAT);
    assert_int_equal(sl_type_infer_text(S("0.30000000000000004")), SL_T_FLOAT);
    assert_int_equal(sl_type_infer_text(S("9007199254740992.0")), SL_T_FLOAT);
    assert_int_equal(sl_type_infer_text(S("9007199254740993.0")), SL_T_DECIMAL);
    assert_int_equal(sl_type_infer_text(S("3.14159265358979323846")), SL_T_DECIMAL);
    assert_int_equal(sl_type_infer_text(S("1e-320")), SL_T_TEXT);   /* subnormal: rounded, and no decimal notation */
    assert_int_equal(sl_type_infer_text(S("1e400")), SL_T_TEXT);    /* beyond a double */
    assert_int_equal(sl_type_infer_text(S("007.5")), SL_T_TEXT);
    assert_int_equal(sl_type_infer_text(S("+1.5")), SL_T_TEXT);
    /* booleans: true and false only (yes, 1, t stay what they are) */
    assert_int_equal(sl_type_infer_value(S("False"), &i, &d), SL_T_BOOL);
    assert_int_equal(i, 0);
    assert_int_equal(sl_type_infer_text(S("yes")), SL_T_TEXT);
    /* timestamps: microseconds at most (more digits only when zeros), no leap second */
    assert_int_equal(sl_type_infer_text(S("2026-01-02T03:04:05.123456Z")), SL_T_TIMESTAMP);
    assert_int_equal(sl_type_infer_text(S("2026-01-02T03:04:05.1234560Z")), SL_T_TIMESTAMP);
    assert_int_equal(sl_type_infer_text(S("2026-01-02T03:04:05.1234567Z")), SL_T_TEXT);
    assert_int_equal(sl_type_infer_text(S("2016-12-31T23:59:60Z")), SL_T_TEXT);
    assert_int_equal(sl_type_infer_value(S("2026-01-02T03:04:05+02:00"), &i, &d), SL_T_TIMESTAMP);
    assert_true(i == (sl_days_from_civil(2026, 1, 2) * 86400 + 3600 + 4 * 60 + 5) * 1000000);
    /* declared columns still convert leniently */
    assert_int_equal(sl_parse_int(S("02100"), &i), 0);
    assert_int_equal(i, 2100);
    assert_int_equal(sl_parse_int_exact(S("02100"), &i), -1);
    assert_int_equal(sl_parse_int_exact(S("-0"), &i), -1);
    assert_int_equal(sl_parse_int_exact(S(" 42 "), &i), 0);
    assert_int_equal(i, 42);
    assert_int_equal(sl_parse_decimal_exact(S("1.50")), 0);
    assert_int_equal(sl_parse_decimal_exact(S(".5")), -1);   /* not a JSON number */
    assert_int_equal(sl_parse_decimal_exact(S("1e3")), -1);
    assert_int_equal(sl_parse_timestamp(S("2016-12-31T23:59:60Z"), &i), 0);
    static const char *const canon[][2] = {{"+5", "5"}, {".5", "0.5"}, {"-.5", "-0.5"}, {"007.50", "7.50"},
                                           {"5.", "5"}, {"00", "0"}, {" 12 ", "12"}, {"-0012", "-12"}};
    for (size_t k = 0; k < sizeof canon / sizeof *canon; k++) {
        char out[16];
        size_t n = sl_decimal_canonical(S(canon[k][0]), out);
        assert_string_equal(out, canon[k][1]);
        assert_int_equal(n, strlen(canon[k][1]));
    }
    /* widening: decimal holds ints and floats */
    assert_int_equal(sl_type_widen(SL_T_FLOAT, SL_T_DECIMAL), SL_T_DECIMAL);
    assert_int_equal(sl_type_widen(SL_T_DECIMAL, SL_T_INT), SL_T_DECIMAL);
    assert_int_equal(sl_type_widen(SL_T_DECIMAL, SL_T_TEXT), SL_T_TEXT);
}

static void test_format_float(void **state)
{
    char out[64];
    sl_format_float(out, 0.1);
    assert_string_equal(out, "0.1");
    sl_format_float(out, 3.0);
    assert_string_equal(out, "3.0");
    sl_format_float(out, 1e300);
    assert_string_equal(out, "1e+300");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_int), cmocka_unit_test(test_parse_float), cmocka_unit_test(test_dates),
        cmocka_unit_test(test_infer_and_widen), cmocka_unit_test(test_infer_exact),
        cmocka_unit_test(test_format_float),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
