/* test_cron.c: cron(5) semantics (lists, ranges, steps, names, macros, the
 * day-of-month / day-of-week OR rule), parse errors with their column, and
 * fire times across DST changes in Europe/Berlin and America/New_York.
 * Random expressions are also checked against croniter by
 * tests/cli/t0012-cron-oracle.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "sched/cron.h"
#include "sched/schedule.h"

static int64_t utc(const char *s)
{
    struct tm tm = {0};
    assert_non_null(strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm));
    return (int64_t)timegm(&tm);
}

static const char *fmt(int64_t t)
{
    static char buf[4][32];
    static int k;
    char *b = buf[k++ % 4];
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(b, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return b;
}

/* The next n fire times of expr in zone tz after `from`, space-separated. */
static const char *nexts(const char *expr, const char *tzname, const char *from, int n)
{
    static char out[1024];
    sl_cron c;
    char msg[256];
    int col;
    if (sl_cron_parse(expr, &c, msg, sizeof msg, &col) < 0)
        fail_msg("%s: %s", expr, msg);
    sl_tz *tz = sl_tz_open(tzname);
    assert_non_null(tz);
    out[0] = 0;
    int64_t t = utc(from);
    for (int i = 0; i < n; i++) {
        t = sl_cron_next(&c, tz, t);
        if (t < 0)
            break;
        strcat(out, i ? " " : "");
        strcat(out, fmt(t));
    }
    sl_tz_free(tz);
    return out;
}

static void test_fields(void **state)
{
    /* examples from cron(5) */
    assert_string_equal(nexts("5 0 * * *", "UTC", "2026-01-01T00:00:00Z", 2),
                        "2026-01-01T00:05:00Z 2026-01-02T00:05:00Z");
    assert_string_equal(nexts("15 14 1 * *", "UTC", "2026-01-01T00:00:00Z", 2),
                        "2026-01-01T14:15:00Z 2026-02-01T14:15:00Z");
    assert_string_equal(nexts("0 22 * * 1-5", "UTC", "2026-01-02T23:00:00Z", 3), /* Friday night */
                        "2026-01-05T22:00:00Z 2026-01-06T22:00:00Z 2026-01-07T22:00:00Z");
    assert_string_equal(nexts("23 0-23/2 * * *", "UTC", "2026-01-01T00:30:00Z", 3),
                        "2026-01-01T02:23:00Z 2026-01-01T04:23:00Z 2026-01-01T06:23:00Z");
    assert_string_equal(nexts("5 4 * * sun", "UTC", "2026-01-01T00:00:00Z", 2),
                        "2026-01-04T04:05:00Z 2026-01-11T04:05:00Z");
    /* lists, names in ranges, weekday 7 = Sunday, N/STEP */
    assert_string_equal(nexts("0,30 9 * * MON-fri", "UTC", "2026-01-03T00:00:00Z", 3),
                        "2026-01-05T09:00:00Z 2026-01-05T09:30:00Z 2026-01-06T09:00:00Z");
    assert_string_equal(nexts("0 0 * * 7", "UTC", "2026-01-01T00:00:00Z", 1), "2026-01-04T00:00:00Z");
    assert_string_equal(nexts("0 0 * * fri-sun", "UTC", "2026-01-01T00:00:00Z", 4),
                        "2026-01-02T00:00:00Z 2026-01-03T00:00:00Z 2026-01-04T00:00:00Z 2026-01-09T00:00:00Z");
    /* weekday N/STEP runs to 7 (Sunday), as cron(5)'s N-7/STEP and croniter:
     * 6/1 is Saturday and Sunday, 1/2 is Mon, Wed, Fri and Sun (2026-01-01 is a Thursday) */
    assert_string_equal(nexts("0 0 * * 6/1", "UTC", "2026-01-01T00:00:00Z", 4),
                        "2026-01-03T00:00:00Z 2026-01-04T00:00:00Z 2026-01-10T00:00:00Z 2026-01-11T00:00:00Z");
    assert_string_equal(nexts("0 0 * * 1/2", "UTC", "2026-01-01T00:00:00Z", 4),
                        "2026-01-02T00:00:00Z 2026-01-04T00:00:00Z 2026-01-05T00:00:00Z 2026-01-07T00:00:00Z");
    assert_string_equal(nexts("0 0 * * sat/1", "UTC", "2026-01-01T00:00:00Z", 2),
                        "2026-01-03T00:00:00Z 2026-01-04T00:00:00Z");
    assert_string_equal(nexts("0 0 * * 5/3", "UTC", "2026-01-01T00:00:00Z", 2),
                        "2026-01-02T00:00:00Z 2026-01-09T00:00:00Z");
    assert_string_equal(nexts("0 0 * * 7/1", "UTC", "2026-01-01T00:00:00Z", 2),
                        "2026-01-04T00:00:00Z 2026-01-11T00:00:00Z");
    /* '*' still covers 0-6 once: '*' with step 2 is Sun, Tue, Thu, Sat */
    assert_string_equal(nexts("0 0 * * */2", "UTC", "2026-01-01T00:00:00Z", 4),
                        "2026-01-03T00:00:00Z 2026-01-04T00:00:00Z 2026-01-06T00:00:00Z 2026-01-08T00:00:00Z");
    assert_string_equal(nexts("10/20 * * * *", "UTC", "2026-01-01T00:00:00Z", 4),
                        "2026-01-01T00:10:00Z 2026-01-01T00:30:00Z 2026-01-01T00:50:00Z 2026-01-01T01:10:00Z");
    assert_string_equal(nexts("0 0 1 jan,jul *", "UTC", "2026-02-01T00:00:00Z", 2),
                        "2026-07-01T00:00:00Z 2027-01-01T00:00:00Z");
    /* both day fields restricted: either matches (the 13th, or any Friday) */
    assert_string_equal(nexts("0 0 13 * 5", "UTC", "2026-02-01T00:00:00Z", 4),
                        "2026-02-06T00:00:00Z 2026-02-13T00:00:00Z 2026-02-20T00:00:00Z 2026-02-27T00:00:00Z");
    /* day-of-month '*': only the weekday counts */
    assert_string_equal(nexts("0 0 * * 5", "UTC", "2026-02-01T00:00:00Z", 2),
                        "2026-02-06T00:00:00Z 2026-02-13T00:00:00Z");
    /* leap day, and a weekday that is rare on it */
    assert_string_equal(nexts("0 0 29 2 *", "UTC", "2026-01-01T00:00:00Z", 2),
                        "2028-02-29T00:00:00Z 2032-02-29T00:00:00Z");
    /* a step past the range picks the start only, as in cron(5) */
    assert_string_equal(nexts("0 */24 * * *", "UTC", "2026-01-01T00:00:00Z", 2),
                        "2026-01-02T00:00:00Z 2026-01-03T00:00:00Z");
    /* a day field that lists every value is still "restricted" (it does not
     * start with '*'): cron(5)'s OR applies, so this fires daily; croniter
     * would treat 0-6 as '*' and fire on the 13th only */
    assert_string_equal(nexts("0 0 13 * 0-6", "UTC", "2026-02-01T00:00:00Z", 2),
                        "2026-02-02T00:00:00Z 2026-02-03T00:00:00Z");
    /* macros */
    assert_string_equal(nexts("@hourly", "UTC", "2026-01-01T00:00:00Z", 1), "2026-01-01T01:00:00Z");
    assert_string_equal(nexts("@daily", "UTC", "2026-01-01T00:00:00Z", 1), "2026-01-02T00:00:00Z");
    assert_string_equal(nexts("@weekly", "UTC", "2026-01-01T00:00:00Z", 1), "2026-01-04T00:00:00Z");
    assert_string_equal(nexts("@monthly", "UTC", "2026-01-15T00:00:00Z", 1), "2026-02-01T00:00:00Z");
    assert_string_equal(nexts("@yearly", "UTC", "2026-01-15T00:00:00Z", 1), "2027-01-01T00:00:00Z");
    assert_string_equal(nexts("@annually", "UTC", "2026-01-15T00:00:00Z", 1), "2027-01-01T00:00:00Z");
    /* strictly after: a fire time is never returned twice */
    assert_string_equal(nexts("0 * * * *", "UTC", "2026-01-01T01:00:00Z", 1), "2026-01-01T02:00:00Z");
    /* never fires */
    sl_cron c;
    char msg[256];
    int col;
    assert_int_equal(sl_cron_parse("0 0 30 2 *", &c, msg, sizeof msg, &col), 0);
    sl_tz *tz = sl_tz_open("UTC");
    assert_int_equal(sl_cron_next(&c, tz, 0), -1);
    sl_tz_free(tz);
}

static void test_dst(void **state)
{
    /* Europe/Berlin, 2026-03-29: 02:00 CET -> 03:00 CEST. 02:30 does not
     * exist: it fires once, at the change (01:00Z = 03:00 CEST). */
    assert_string_equal(nexts("30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", 3),
                        "2026-03-29T01:00:00Z 2026-03-30T00:30:00Z 2026-03-31T00:30:00Z");
    /* every 15 minutes: the four skipped slots fire once, merged with 03:00 */
    assert_string_equal(nexts("*/15 * * * *", "Europe/Berlin", "2026-03-29T00:30:00Z", 4),
                        "2026-03-29T00:45:00Z 2026-03-29T01:00:00Z 2026-03-29T01:15:00Z 2026-03-29T01:30:00Z");
    /* 2026-10-25: 03:00 CEST -> 02:00 CET. 02:30 happens twice: fires once,
     * at the first (00:30Z); the next is the next day */
    assert_string_equal(nexts("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 2),
                        "2026-10-25T00:30:00Z 2026-10-26T01:30:00Z");
    /* and asked from inside the second pass, it does not fire again */
    assert_string_equal(nexts("30 2 * * *", "Europe/Berlin", "2026-10-25T01:10:00Z", 1), "2026-10-26T01:30:00Z");
    /* hourly through the repeated hour: 02:00 fires once (00:00Z), then 03:00 CET */
    assert_string_equal(nexts("0 * * * *", "Europe/Berlin", "2026-10-24T23:30:00Z", 3),
                        "2026-10-25T00:00:00Z 2026-10-25T02:00:00Z 2026-10-25T03:00:00Z");
    /* America/New_York, 2026-03-08 02:00 EST -> 03:00 EDT, and 11-01 back */
    assert_string_equal(nexts("30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", 2),
                        "2026-03-08T07:00:00Z 2026-03-09T06:30:00Z");
    assert_string_equal(nexts("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", 2),
                        "2026-11-01T05:30:00Z 2026-11-02T06:30:00Z");
    /* a zone without DST and a non-hour offset */
    assert_string_equal(nexts("0 9 * * *", "Asia/Kolkata", "2026-01-01T00:00:00Z", 1), "2026-01-01T03:30:00Z");
}

static void test_errors(void **state)
{
    static const struct {
        const char *expr;
        int col;
        const char *msg;
    } cases[] = {
        {"0 6 * *", 8, "expected 5 fields (minute hour day-of-month month day-of-week), found 4"},
        {"0 6 * * 1 2", 11, "more than 5 fields (minute hour day-of-month month day-of-week; no seconds or years)"},
        {"60 * * * *", 1, "minute field: 60 is out of range 0-59"},
        {"0 24 * * *", 3, "hour field: 24 is out of range 0-23"},
        {"0 0 0 * *", 5, "day-of-month field: 0 is out of range 1-31"},
        {"0 0 * 13 *", 7, "month field: 13 is out of range 1-12"},
        {"0 6 * * mun", 9, "day-of-week field: expected a number (0-7 or sun-sat), '*' or a list, found 'mun'"},
        {"0 6 * foo *", 7, "month field: expected a number (1-12 or jan-dec), '*' or a list, found 'foo'"},
        {"*/0 * * * *", 3, "minute field: a step must be a whole number 1-999"},
        {"5-1 * * * *", 1, "minute field: range 5-1 runs backwards"},
        {"1,,2 * * * *", 3, "minute field: expected a number, '*' or a list, found ''"},
        {"1, * * * *", 2, "minute field: a list item is missing"},
        {"0 6-x * * *", 5, "hour field: a range needs an end"},
        {"@reboot", 1, "unknown macro '@reboot' (@yearly, @monthly, @weekly, @daily, @hourly)"},
        {"@daily 5", 8, "nothing may follow @daily"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sl_cron c;
        char msg[256];
        int col = 0;
        assert_int_equal(sl_cron_parse(cases[i].expr, &c, msg, sizeof msg, &col), -1);
        if (strcmp(msg, cases[i].msg) != 0 || col != cases[i].col)
            fail_msg("'%s': got col %d '%s', want col %d '%s'", cases[i].expr, col, msg, cases[i].col, cases[i].msg);
    }
}

static void test_every(void **state)
{
    sl_schedule s;
    char msg[256];
    assert_int_equal(sl_schedule_parse_expr("every 15m", "UTC", &s, msg, sizeof msg), 0);
    assert_string_equal(fmt(sl_schedule_next(&s, utc("2026-01-01T00:07:00Z"))), "2026-01-01T00:15:00Z");
    assert_string_equal(fmt(sl_schedule_next(&s, utc("2026-01-01T00:15:00Z"))), "2026-01-01T00:30:00Z");
    /* the latest slot in (since, at] */
    assert_string_equal(fmt(sl_schedule_prev(&s, utc("2026-01-01T00:00:00Z"), utc("2026-01-01T01:07:00Z"))),
                        "2026-01-01T01:00:00Z");
    assert_int_equal(sl_schedule_prev(&s, utc("2026-01-01T01:00:00Z"), utc("2026-01-01T01:07:00Z")), -1);
    sl_schedule_free_fields(&s);
    assert_int_equal(sl_schedule_parse_expr("every soon", "UTC", &s, msg, sizeof msg), -1);
    assert_int_equal(sl_schedule_parse_expr("0 6 * * *", "Mars/Olympus", &s, msg, sizeof msg), -1);
    assert_string_equal(msg, "unknown time zone 'Mars/Olympus' (an IANA name such as UTC, Europe/Berlin)");
    /* a caret under the bad field */
    assert_int_equal(sl_schedule_parse_expr("0 6 * * mun", "UTC", &s, msg, sizeof msg), -1);
    assert_string_equal(msg, "day-of-week field: expected a number (0-7 or sun-sat), '*' or a list, found 'mun'\n"
                             "  0 6 * * mun\n"
                             "          ^");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_dst),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_every),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
