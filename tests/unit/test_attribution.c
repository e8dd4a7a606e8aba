/* test_attribution.c: the credit rules of gtm/attribution.c on hand-computed
 * cases (docs/gtm/attribution.md): the window (touches after the conversion
 * or before the lookback left out, the bounds included), the order of ties
 * in time, every model on one four-touch journey, a single touch, two
 * touches, only direct touches, w_shaped with and without milestones; and
 * the reading and writing of times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>
#include "gtm/attribution.h"

#define DAY 86400.0
#define T (100 * DAY) /* the conversion */
#define EPS 1e-12

static void expect(const double *got, const double *want, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (fabs(got[i] - want[i]) > EPS)
            fail_msg("credit[%zu] = %.17g, want %.17g", i, got[i], want[i]);
        sum += got[i];
    }
    assert_true(fabs(sum - 1) < EPS);
}

/* The journey: organic 100 days before (outside 90d), paid_search -10d
 * (campaign c1), email -5d and direct -5d (a tie: direct sorts first),
 * direct -1d, paid_social +1d (after the conversion). */
static sl_attr_touch journey[] = {
    {T + DAY, "paid_social", NULL, NAN}, {T - 5 * DAY, "email", NULL, 2.5},   {T - 100 * DAY, "organic", NULL, NAN},
    {T - DAY, "direct", NULL, NAN},      {T - 10 * DAY, "paid_search", "c1", 10}, {T - 5 * DAY, "direct", NULL, NAN},
};
#define NJ (sizeof journey / sizeof journey[0])

static void window_of_journey(size_t *lo, size_t *hi)
{
    sl_attr_sort(journey, NJ);
    sl_attr_window(journey, NJ, T, 90 * DAY, lo, hi);
}

static void test_window_and_order(void **state)
{
    (void)state;
    size_t lo, hi;
    window_of_journey(&lo, &hi);
    assert_int_equal(lo, 1);
    assert_int_equal(hi, 5);
    assert_string_equal(journey[0].channel, "organic");
    assert_string_equal(journey[1].channel, "paid_search");
    assert_string_equal(journey[2].channel, "direct"); /* the tie at -5d: channel order */
    assert_string_equal(journey[3].channel, "email");
    assert_string_equal(journey[4].channel, "direct");
    assert_string_equal(journey[5].channel, "paid_social");
    /* the bounds are in: a touch at the conversion's time and one exactly
     * a lookback before it */
    sl_attr_touch edge[] = {{T - 90 * DAY, "a", NULL, NAN}, {T, "b", NULL, NAN}, {T + 1, "c", NULL, NAN}};
    sl_attr_window(edge, 3, T, 90 * DAY, &lo, &hi);
    assert_int_equal(lo, 0);
    assert_int_equal(hi, 2);
    sl_attr_window(edge, 3, T, 90 * DAY - 1, &lo, &hi);
    assert_int_equal(lo, 1);
    /* every touch after the conversion: an empty window */
    sl_attr_window(edge, 3, T - 90 * DAY - 1, DAY, &lo, &hi);
    assert_int_equal(hi - lo, 0);
    /* a full tie in time and channel: campaign (NULL first), then cost */
    sl_attr_touch tie[] = {{1, "x", "b", 1}, {1, "x", "a", 2}, {1, "x", "a", 1}, {1, "x", NULL, NAN}};
    sl_attr_sort(tie, 4);
    assert_null(tie[0].campaign);
    assert_string_equal(tie[1].campaign, "a");
    assert_true(tie[1].cost == 1);
    assert_true(tie[2].cost == 2);
    assert_string_equal(tie[3].campaign, "b");
}

static void test_models_on_journey(void **state)
{
    (void)state;
    size_t lo, hi;
    window_of_journey(&lo, &hi);
    const sl_attr_touch *w = journey + lo;
    size_t n = hi - lo; /* paid_search, direct, email, direct */
    sl_attr_params p;
    sl_attr_params_default(&p);
    double c[4];
    assert_int_equal(sl_attr_credit(SL_ATTR_FIRST_TOUCH, &p, w, n, T, NAN, NAN, c), 0);
    expect(c, (double[]){1, 0, 0, 0}, n);
    assert_int_equal(sl_attr_credit(SL_ATTR_LAST_TOUCH, &p, w, n, T, NAN, NAN, c), 0);
    expect(c, (double[]){0, 0, 0, 1}, n);
    /* the last touch is direct: the email before it */
    assert_int_equal(sl_attr_credit(SL_ATTR_LAST_NON_DIRECT, &p, w, n, T, NAN, NAN, c), 0);
    expect(c, (double[]){0, 0, 1, 0}, n);
    assert_int_equal(sl_attr_credit(SL_ATTR_LINEAR, &p, w, n, T, NAN, NAN, c), 0);
    expect(c, (double[]){0.25, 0.25, 0.25, 0.25}, n);
    /* 2^(-10/7), 2^(-5/7), 2^(-5/7), 2^(-1/7) over their sum (Python) */
    assert_int_equal(sl_attr_credit(SL_ATTR_TIME_DECAY, &p, w, n, T, NAN, NAN, c), 0);
    expect(c, (double[]){0.14882350408487624, 0.24417036441154222, 0.24417036441154222, 0.36283576709203935}, n);
    p.half_life_s = 1 * DAY; /* 2^-9, 2^-4, 2^-4, 1 over 1 + 2^-3 + 2^-9 */
    assert_int_equal(sl_attr_credit(SL_ATTR_TIME_DECAY, &p, w, n, T, NAN, NAN, c), 0);
    expect(c, (double[]){1.0 / 577, 32.0 / 577, 32.0 / 577, 512.0 / 577}, n);
    sl_attr_params_default(&p);
    assert_int_equal(sl_attr_credit(SL_ATTR_POSITION_BASED, &p, w, n, T, NAN, NAN, c), 0);
    expect(c, (double[]){0.4, 0.1, 0.1, 0.4}, n);
    p.pb_first = 0.3;
    p.pb_last = 0.5;
    assert_int_equal(sl_attr_credit(SL_ATTR_POSITION_BASED, &p, w, n, T, NAN, NAN, c), 0);
    expect(c, (double[]){0.3, 0.1, 0.1, 0.5}, n);
    sl_attr_params_default(&p);
    /* w_shaped: lead created at -5d (the tie: the later of the two, email),
     * opportunity at -1d (the last direct); the direct at -5d gets the rest */
    assert_int_equal(sl_attr_credit(SL_ATTR_W_SHAPED, &p, w, n, T, T - 5 * DAY, T - DAY, c), 0);
    expect(c, (double[]){0.3, 0.1, 0.3, 0.3}, n);
    /* lead created between touches (-3d): the email before it */
    assert_int_equal(sl_attr_credit(SL_ATTR_W_SHAPED, &p, w, n, T, T - 3 * DAY, T - DAY, c), 0);
    expect(c, (double[]){0.3, 0.1, 0.3, 0.3}, n);
    /* no milestones: first 0.3, the others 0.1/3 each, divided by 0.4 */
    assert_int_equal(sl_attr_credit(SL_ATTR_W_SHAPED, &p, w, n, T, NAN, NAN, c), 0);
    expect(c, (double[]){0.75, 1.0 / 12, 1.0 / 12, 1.0 / 12}, n);
    /* the lead touch is the first: 0.6 on it, 0.1/3 on the others, over 0.7 */
    assert_int_equal(sl_attr_credit(SL_ATTR_W_SHAPED, &p, w, n, T, T - 10 * DAY, NAN, c), 0);
    expect(c, (double[]){6.0 / 7, 1.0 / 21, 1.0 / 21, 1.0 / 21}, n);
    /* a milestone before every touch of the window: missing */
    assert_int_equal(sl_attr_credit(SL_ATTR_W_SHAPED, &p, w, n, T, T - 20 * DAY, NAN, c), 0);
    expect(c, (double[]){0.75, 1.0 / 12, 1.0 / 12, 1.0 / 12}, n);
}

static void test_small_journeys(void **state)
{
    (void)state;
    sl_attr_params p;
    sl_attr_params_default(&p);
    double c[3];
    /* a single touch: 1 in every model, whatever the milestones */
    sl_attr_touch one[] = {{T - DAY, "direct", NULL, NAN}};
    for (int m = 0; m < SL_ATTR_NMODELS; m++) {
        assert_int_equal(sl_attr_credit(m, &p, one, 1, T, T - 2 * DAY, T, c), 0);
        expect(c, (double[]){1}, 1);
    }
    /* two touches: position_based splits first/last in proportion */
    sl_attr_touch two[] = {{T - 2 * DAY, "email", NULL, NAN}, {T - DAY, "direct", NULL, NAN}};
    assert_int_equal(sl_attr_credit(SL_ATTR_POSITION_BASED, &p, two, 2, T, NAN, NAN, c), 0);
    expect(c, (double[]){0.5, 0.5}, 2);
    p.pb_first = 0.3;
    p.pb_last = 0.5;
    assert_int_equal(sl_attr_credit(SL_ATTR_POSITION_BASED, &p, two, 2, T, NAN, NAN, c), 0);
    expect(c, (double[]){0.375, 0.625}, 2);
    sl_attr_params_default(&p);
    /* w_shaped, two touches, opportunity on the second: 0.3 + 0.3, no others */
    assert_int_equal(sl_attr_credit(SL_ATTR_W_SHAPED, &p, two, 2, T, NAN, T - DAY, c), 0);
    expect(c, (double[]){0.5, 0.5}, 2);
    /* only direct touches: last_non_direct falls back to the last touch */
    sl_attr_touch direct[] = {
        {T - 3 * DAY, "Direct", NULL, NAN}, {T - 2 * DAY, "direct", NULL, NAN}, {T - DAY, "DIRECT", NULL, NAN}};
    assert_int_equal(sl_attr_credit(SL_ATTR_LAST_NON_DIRECT, &p, direct, 3, T, NAN, NAN, c), 0);
    expect(c, (double[]){0, 0, 1}, 3);
    /* other direct channels configured; a NULL channel is not direct */
    static const char *const mine[] = {"direct", "(none)"};
    p.direct = mine;
    p.ndirect = 2;
    sl_attr_touch mixed[] = {{1, NULL, NULL, NAN}, {2, "(none)", NULL, NAN}, {3, "direct", NULL, NAN}};
    assert_int_equal(sl_attr_credit(SL_ATTR_LAST_NON_DIRECT, &p, mixed, 3, T, NAN, NAN, c), 0);
    expect(c, (double[]){1, 0, 0}, 3);
    /* all shares zero and no other touch: every touch the same */
    sl_attr_params_default(&p);
    p.w_first = p.w_lead = p.w_opp = 0;
    assert_int_equal(sl_attr_credit(SL_ATTR_W_SHAPED, &p, one, 1, T, NAN, NAN, c), 0);
    expect(c, (double[]){1}, 1);
    /* no touch: no credits (the model writes a '(none)' row) */
    assert_int_equal(sl_attr_credit(SL_ATTR_LINEAR, &p, one, 0, T, NAN, NAN, c), -1);
}

static void test_names(void **state)
{
    (void)state;
    assert_int_equal(sl_attr_model_find("w_shaped"), SL_ATTR_W_SHAPED);
    assert_int_equal(sl_attr_model_find("u_shaped"), -1);
    assert_string_equal(sl_attr_model_name(SL_ATTR_LAST_NON_DIRECT), "last_non_direct");
    size_t n = 0;
    for (const char *const *v = sl_attr_model_names(); *v; v++) {
        assert_true(sl_attr_model_find(*v) >= 0);
        n++;
    }
    assert_int_equal(n, SL_ATTR_NMODELS);
}

static void test_times(void **state)
{
    (void)state;
    const double at = 1796032800; /* 2026-11-30 10:00:00 UTC */
    static const char *const same[] = {"2026-11-30 10:00:00", "2026-11-30T10:00:00Z", "2026-11-30 12:00:00+02:00",
                                       "2026-11-30 10:00:00+00", "2026-11-30T05:30:00-0430", "2026-11-30 10:00",
                                       "1796032800", " 2026-11-30 10:00:00 "};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        double t = 0;
        if (sl_attr_parse_time(same[i], &t) != 0 || t != at)
            fail_msg("'%s' -> %.17g, want %.17g", same[i], t, at);
    }
    double t;
    assert_int_equal(sl_attr_parse_time("2026-11-30", &t), 0);
    assert_true(t == at - 10 * 3600);
    assert_int_equal(sl_attr_parse_time("2026-11-30 10:00:00.25", &t), 0);
    assert_true(t == at + 0.25);
    assert_int_equal(sl_attr_parse_time("1969-07-20 20:17:40", &t), 0);
    assert_true(t == -14182940);
    static const char *const bad[] = {"2026-13-01", "2026-11-30 25:00:00", "yesterday", "", "2026-11-30 10",
                                      "2026-11-30 10:00:00 UTC", "2026/11/30 10:00:00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (sl_attr_parse_time(bad[i], &t) == 0)
            fail_msg("'%s' read as a time (%.17g)", bad[i], t);
    assert_int_equal(sl_attr_parse_time(NULL, &t), -1);
    char buf[32];
    sl_attr_format_time(at + 0.9, buf, sizeof buf);
    assert_string_equal(buf, "2026-11-30 10:00:00");
    sl_attr_format_time(-14182940, buf, sizeof buf);
    assert_string_equal(buf, "1969-07-20 20:17:40");
    sl_attr_format_time(951782400, buf, sizeof buf); /* a leap day */
    assert_string_equal(buf, "2000-02-29 00:00:00");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_and_order), cmocka_unit_test(test_models_on_journey),
        cmocka_unit_test(test_small_journeys),   cmocka_unit_test(test_names),
        cmocka_unit_test(test_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
