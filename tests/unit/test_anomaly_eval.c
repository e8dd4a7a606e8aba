/* test_anomaly_eval.c: the proof of the anomaly detector (quality/anomaly.h,
 * docs/quality/anomaly.md "Evaluation"). 200 synthetic series from a fixed
 * seed (splitmix64), one point a day for 120 days at about 06:00 UTC:
 *   level 10^U(2,5) rows; noise with coefficient of variation U(2 %, 8 %),
 *   gaussian, or Student-t with 4 degrees of freedom (heavy tails) on a
 *   quarter of the series; weekly seasonality on every 2nd series (weekend days at
 *   U(35 %, 70 %) of the weekday level, each weekday within +-5 %); values
 *   rounded to whole rows.
 * Injected at known points: per series two transient events in days
 * 35..85 (a spike of +max(6..12 sigma, 30 %) or a drop to zero, one point
 * each) and one persistent event from day 92..100 (a level shift of
 * +-max(6..10 sigma, 25 %), or a slow drift of +-1..2 sigma a day whose
 * known point is where it has moved 6 sigma).
 * The detector runs point by point as a monitor does (each point judged
 * against up to the 112 before it, default configuration). An event is
 * caught when flagged at its point, or for shifts and drifts within the
 * next 2 points (for a drift: anywhere from its start to 2 points after its
 * known point). Normal points: every judged (non-training) point that is
 * not an event point and not after the start of the persistent event;
 * after a shift or a drift the band re-learns the new level over about
 * half a window, and the alerts there are reported apart (not hidden).
 * Bounds asserted: recall >= 90 %, false alerts <= 1 per 100 normal points.
 * Also edge cases: flat series, all zeros, short history, NaN. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "quality/anomaly.h"

#define NSERIES 200
#define NDAYS 120
#define HISTORY 112
#define T0 1767247200 /* 2026-01-01T06:00:00Z */

static uint64_t rng_state;

static uint64_t splitmix64(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double unif(void) { return (double)(splitmix64() >> 11) / 9007199254740992.0; }
static double unif_in(double a, double b) { return a + (b - a) * unif(); }
static int irange(int a, int b) { return a + (int)(unif() * (b - a + 1)); }

static double gauss(void)
{
    double u = unif(), v = unif();
    if (u < 1e-300)
        u = 1e-300;
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* Student-t with 4 degrees of freedom, scaled to unit variance. */
static double t4(void)
{
    double z = gauss(), c = 0;
    for (int i = 0; i < 4; i++) {
        double g = gauss();
        c += g * g;
    }
    return z / sqrt(c / 4) / sqrt(2.0);
}

enum { EV_NONE, EV_SPIKE, EV_ZERO, EV_SHIFT, EV_DRIFT, EV_N };
static const char *const ev_name[EV_N] = {"none", "spike", "drop to zero", "level shift", "slow drift"};

typedef struct series {
    double v[NDAYS];
    int64_t at[NDAYS];
    int ev_at[3], ev_kind[3];   /* the events' known points */
    int persist_start;          /* first point of the shift or drift */
} series;

static void make_series(int idx, series *s)
{
    double level = pow(10, unif_in(2, 5)), cv = unif_in(0.02, 0.08), sigma = level * cv;
    int heavy = idx % 8 >= 6, seasonal = idx % 2 == 1;
    double week[7];
    double weekend = unif_in(0.35, 0.70);
    for (int d = 0; d < 7; d++)
        week[d] = seasonal ? (d >= 5 ? weekend : 1.0) * unif_in(0.95, 1.05) : 1.0;
    /* transient events */
    s->ev_at[0] = irange(35, 58);
    s->ev_at[1] = irange(s->ev_at[0] + 8, 85);
    for (int k = 0; k < 2; k++)
        s->ev_kind[k] = unif() < 0.5 ? EV_SPIKE : EV_ZERO;
    double spike_mag[2];
    for (int k = 0; k < 2; k++)
        spike_mag[k] = fmax(unif_in(6, 12) * sigma, 0.30 * level);
    /* the persistent event */
    s->persist_start = irange(92, 100);
    s->ev_kind[2] = unif() < 0.5 ? EV_SHIFT : EV_DRIFT;
    double sign = unif() < 0.5 ? -1 : 1;
    double shift = sign * fmax(unif_in(6, 10) * sigma, 0.25 * level);
    double slope = sign * unif_in(1, 2) * sigma;
    s->ev_at[2] = s->ev_kind[2] == EV_SHIFT ? s->persist_start : s->persist_start + (int)ceil(6 / fabs(slope / sigma)) - 1;
    int64_t jitter = (int64_t)irange(0, 300);
    for (int t = 0; t < NDAYS; t++) {
        s->at[t] = T0 + (int64_t)t * 86400 + jitter + irange(-120, 120);
        int dow = (int)(((s->at[t] / 86400) + 3) % 7); /* 0 = Monday */
        double base = level * week[dow];
        if (t >= s->persist_start) {
            if (s->ev_kind[2] == EV_SHIFT)
                base += shift * week[dow];
            else
                base += slope * (t - s->persist_start + 1) * week[dow];
        }
        double noise = (heavy ? t4() : gauss()) * sigma * week[dow];
        double x = base + noise;
        for (int k = 0; k < 2; k++)
            if (t == s->ev_at[k])
                x = s->ev_kind[k] == EV_ZERO ? 0 : x + spike_mag[k] * week[dow];
        s->v[t] = x < 0 ? 0 : round(x);
    }
}

typedef struct eval {
    int events[EV_N], caught[EV_N];
    int normal, false_alerts;
    int after_change_points, after_change_alerts;
    int after_shift_points, after_shift_alerts; /* of those, after a level shift (a drift keeps drifting) */
    int cls_normal[4], cls_false[4]; /* by series class: bit 0 seasonal, bit 1 heavy-tailed */
} eval;

static void run_eval(const sl_anomaly_config *cfg, eval *e)
{
    memset(e, 0, sizeof *e);
    rng_state = 20261130; /* fixed seed */
    sl_anomaly_point h[NDAYS];
    for (int i = 0; i < NSERIES; i++) {
        series s;
        make_series(i, &s);
        int flagged[NDAYS] = {0}, judged[NDAYS] = {0};
        for (int t = 0; t < NDAYS; t++) {
            int from = t > HISTORY ? t - HISTORY : 0;
            for (int k = from; k < t; k++)
                h[k - from] = (sl_anomaly_point){s.v[k], s.at[k]};
            sl_anomaly_verdict vd;
            sl_anomaly_detect(cfg, h, (size_t)(t - from), (sl_anomaly_point){s.v[t], s.at[t]}, &vd);
            assert_true(isfinite(vd.expected) && isfinite(vd.lower) && isfinite(vd.upper) && isfinite(vd.score));
            judged[t] = !vd.training;
            flagged[t] = vd.anomaly;
        }
        for (int k = 0; k < 3; k++) {
            int kind = s.ev_kind[k], p = s.ev_at[k], got = 0;
            int lo = kind == EV_DRIFT ? s.persist_start : p, hi = kind == EV_SHIFT || kind == EV_DRIFT ? p + 2 : p;
            for (int t = lo; t <= hi && t < NDAYS; t++)
                got |= flagged[t];
            e->events[kind]++;
            e->caught[kind] += got;
        }
        for (int t = 0; t < NDAYS; t++) {
            if (!judged[t] || t == s.ev_at[0] || t == s.ev_at[1])
                continue;
            if (t >= s.persist_start) {
                if (t > s.ev_at[2] + 2) {
                    e->after_change_points++;
                    e->after_change_alerts += flagged[t];
                    if (s.ev_kind[2] == EV_SHIFT) {
                        e->after_shift_points++;
                        e->after_shift_alerts += flagged[t];
                    }
                }
                continue;
            }
            int cls = (i % 2 == 1) | (i % 8 >= 6) << 1;
            e->normal++;
            e->false_alerts += flagged[t];
            e->cls_normal[cls]++;
            e->cls_false[cls] += flagged[t];
        }
    }
}

static void test_evaluation(void **st)
{
    (void)st;
    eval e;
    run_eval(NULL, &e);
    int events = 0, caught = 0;
    printf("anomaly evaluation: %d series x %d daily points, seed 20261130, default configuration "
           "(sensitivity %.1f, window 28, min_history 7, seasonality auto)\n",
           NSERIES, NDAYS, SL_ANOMALY_DEFAULT_SENSITIVITY);
    for (int k = EV_SPIKE; k < EV_N; k++) {
        printf("  %-13s caught %3d of %3d (%.1f %%)\n", ev_name[k], e.caught[k], e.events[k],
               100.0 * e.caught[k] / e.events[k]);
        events += e.events[k];
        caught += e.caught[k];
    }
    double recall = 100.0 * caught / events, fa = 100.0 * e.false_alerts / e.normal;
    printf("  recall %.1f %% (%d of %d injected anomalies)\n", recall, caught, events);
    printf("  false alerts %.2f per 100 normal points (%d of %d)\n", fa, e.false_alerts, e.normal);
    static const char *const cls_name[4] = {"gaussian", "gaussian, weekly", "heavy-tailed", "heavy-tailed, weekly"};
    for (int k = 0; k < 4; k++)
        if (e.cls_normal[k])
            printf("    %-22s %.2f per 100 (%d of %d)\n", cls_name[k], 100.0 * e.cls_false[k] / e.cls_normal[k],
                   e.cls_false[k], e.cls_normal[k]);
    printf("  after a shift or drift (not counted above): %d alerts over %d points; after a level shift alone: "
           "%d over %d (%.1f per shift: the new level is learnt after 5 anomalies in a row)\n",
           e.after_change_alerts, e.after_change_points, e.after_shift_alerts, e.after_shift_points,
           (double)e.after_shift_alerts / e.events[EV_SHIFT]);
    /* a level shift is learnt: a few alerts after it, not weeks of them */
    assert_true(e.after_shift_alerts <= 5 * e.events[EV_SHIFT]);
    assert_true(events == 3 * NSERIES);
    assert_true(recall >= 90.0);
    assert_true(fa <= 1.0);
    /* each kind on its own is caught most of the time */
    for (int k = EV_SPIKE; k < EV_N; k++)
        assert_true(e.caught[k] * 100 >= 80 * e.events[k]);
}

/* The same generator, the sensitivity knob: higher = fewer alerts, lower
 * recall. Prints the trade-off (docs/quality/anomaly.md quotes it). */
static void test_sensitivity_knob(void **st)
{
    (void)st;
    static const double sens[] = {3.5, 5};
    int prev_fa = -1, prev_caught = -1;
    for (size_t i = 0; i < sizeof sens / sizeof *sens; i++) {
        eval e;
        sl_anomaly_config c = {0};
        c.sensitivity = sens[i];
        run_eval(&c, &e);
        int caught = 0, events = 0;
        for (int k = 0; k < EV_N; k++) {
            caught += e.caught[k];
            events += e.events[k];
        }
        printf("  sensitivity %.1f: recall %.1f %%, false alerts %.2f per 100 normal points\n", sens[i],
               100.0 * caught / events, 100.0 * e.false_alerts / e.normal);
        if (prev_fa >= 0) {
            assert_true(e.false_alerts <= prev_fa);
            assert_true(caught <= prev_caught);
        }
        prev_fa = e.false_alerts;
        prev_caught = caught;
    }
}

static void fill(sl_anomaly_point *h, size_t n, double v)
{
    for (size_t i = 0; i < n; i++)
        h[i] = (sl_anomaly_point){v, T0 + (int64_t)i * 86400};
}

static void test_edges(void **st)
{
    (void)st;
    sl_anomaly_point h[40];
    sl_anomaly_verdict v;
    sl_anomaly_config c = {0};
    sl_anomaly_config_defaults(&c);
    assert_true(c.sensitivity == SL_ANOMALY_DEFAULT_SENSITIVITY);
    assert_int_equal(c.window, 28);
    assert_int_equal(c.min_history, 7);

    /* flat series: the relative floor keeps small changes quiet, a big one alerts */
    fill(h, 24, 1000);
    sl_anomaly_detect(NULL, h, 24, (sl_anomaly_point){1000, T0 + 24 * 86400}, &v);
    assert_false(v.training);
    assert_false(v.anomaly);
    assert_true(v.expected == 1000);
    assert_true(fabs(v.upper - (1000 + 4.0 * 30)) < 1e-9);
    assert_true(fabs(v.lower - (1000 - 4.0 * 30)) < 1e-9);
    sl_anomaly_detect(NULL, h, 24, (sl_anomaly_point){1100, T0 + 24 * 86400}, &v);
    assert_false(v.anomaly);
    sl_anomaly_detect(NULL, h, 24, (sl_anomaly_point){500, T0 + 24 * 86400}, &v);
    assert_true(v.anomaly);
    assert_true(v.score < 0);

    /* all zeros: zero is normal, anything else an anomaly (no floor), an
     * absolute floor allows small values */
    fill(h, 20, 0);
    sl_anomaly_detect(NULL, h, 20, (sl_anomaly_point){0, 0}, &v);
    assert_false(v.anomaly);
    assert_true(v.lower == 0 && v.upper >= 0 && isfinite(v.score) && v.score == 0);
    sl_anomaly_detect(NULL, h, 20, (sl_anomaly_point){3, 0}, &v);
    assert_true(v.anomaly);
    assert_true(isfinite(v.score) && v.score > 0);
    c = (sl_anomaly_config){.min_abs_band = 1};
    sl_anomaly_detect(&c, h, 20, (sl_anomaly_point){3, 0}, &v);
    assert_false(v.anomaly);
    assert_true(v.upper == 4);
    sl_anomaly_detect(&c, h, 20, (sl_anomaly_point){5, 0}, &v);
    assert_true(v.anomaly);

    /* daily points: the first three weeks are training (weekly seasonality
     * cannot be learnt sooner), unless seasonality is off */
    fill(h, 14, 1000);
    sl_anomaly_detect(NULL, h, 14, (sl_anomaly_point){100, T0 + 14 * 86400}, &v);
    assert_true(v.training && !v.anomaly);
    c = (sl_anomaly_config){.seasonality = -1};
    sl_anomaly_detect(&c, h, 14, (sl_anomaly_point){100, T0 + 14 * 86400}, &v);
    assert_true(!v.training && v.anomaly);

    /* fewer points than min_history: training, never an anomaly, band filled */
    fill(h, 6, 100);
    sl_anomaly_detect(NULL, h, 6, (sl_anomaly_point){1e9, 0}, &v);
    assert_true(v.training);
    assert_false(v.anomaly);
    assert_true(v.expected == 100);
    c = (sl_anomaly_config){.min_history = 3};
    sl_anomaly_detect(&c, h, 6, (sl_anomaly_point){1e9, 0}, &v);
    assert_false(v.training);
    assert_true(v.anomaly);
    /* no history at all */
    sl_anomaly_detect(NULL, h, 0, (sl_anomaly_point){5, 0}, &v);
    assert_true(v.training && !v.anomaly && v.expected == 0 && v.lower == 0 && v.upper == 0);

    /* NaN-free: NaN and infinite history points are skipped, a NaN value is never an anomaly */
    fill(h, 20, 50);
    h[3].value = NAN;
    h[7].value = INFINITY;
    sl_anomaly_detect(NULL, h, 20, (sl_anomaly_point){50, 0}, &v);
    assert_true(isfinite(v.expected) && isfinite(v.lower) && isfinite(v.upper) && isfinite(v.score));
    assert_true(v.expected == 50 && !v.anomaly);
    sl_anomaly_detect(NULL, h, 20, (sl_anomaly_point){NAN, 0}, &v);
    assert_false(v.anomaly);
    assert_true(v.training);

    /* a new level is learnt after 5 anomalies in a row; zero never is */
    fill(h, 40, 100);
    for (int i = 25; i < 29; i++)
        h[i].value = 150;
    sl_anomaly_detect(NULL, h, 29, (sl_anomaly_point){150, T0 + 29 * 86400}, &v);
    assert_true(v.anomaly); /* the 5th */
    h[29].value = 150;
    sl_anomaly_detect(NULL, h, 30, (sl_anomaly_point){150, T0 + 30 * 86400}, &v);
    assert_false(v.anomaly);
    assert_true(fabs(v.expected - 150) < 1e-9);
    sl_anomaly_detect(NULL, h, 30, (sl_anomaly_point){100, T0 + 30 * 86400}, &v);
    assert_true(v.anomaly); /* the old level is now the unusual one */
    for (int i = 25; i < 30; i++)
        h[i].value = 0;
    sl_anomaly_detect(NULL, h, 30, (sl_anomaly_point){0, T0 + 30 * 86400}, &v);
    assert_true(v.anomaly);

    /* the window: only the last 28 points count */
    fill(h, 40, 10);
    for (int i = 12; i < 40; i++)
        h[i].value = 1000;
    sl_anomaly_detect(NULL, h, 40, (sl_anomaly_point){1000, 0}, &v);
    assert_true(v.expected == 1000 && !v.anomaly);

    /* weekly seasonality: a weekend dip is expected, not an anomaly; the
     * same dip on a weekday is one */
    for (int i = 0; i < 35; i++) {
        int64_t at = T0 + (int64_t)i * 86400;
        int dow = (int)(((at / 86400) + 3) % 7);
        h[i] = (sl_anomaly_point){(dow >= 5 ? 400 : 1000) + (i % 3) * 5, at};
    }
    int64_t sat = T0 + 35 * 86400;
    while ((((sat / 86400) + 3) % 7) != 5)
        sat += 86400;
    int64_t mon = sat + 2 * 86400;
    sl_anomaly_detect(NULL, h, 35, (sl_anomaly_point){405, sat}, &v);
    assert_false(v.anomaly);
    assert_true(fabs(v.expected - 405) < 10);
    sl_anomaly_detect(NULL, h, 35, (sl_anomaly_point){405, mon}, &v);
    assert_true(v.anomaly);
    c = (sl_anomaly_config){.seasonality = -1};
    sl_anomaly_detect(&c, h, 35, (sl_anomaly_point){405, sat}, &v);
    assert_true(v.expected > 900);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evaluation),
        cmocka_unit_test(test_sensitivity_knob),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
