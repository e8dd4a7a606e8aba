/*
 * anomaly.c: the robust detector of anomaly.h (docs/quality/anomaly.md).
 *
 * Baseline: the median of the last `window` finite points, spread the
 * scaled MAD of those points. Weekly seasonality: the points at the same
 * hour of the week as the judged one (a whole number of weeks earlier,
 * give or take half an hour), when there are at least 3, the most recent
 * 8 of them; their median is the expected value and the spread is the
 * scaled MAD of leave-one-out residuals (each window point against the
 * median of its own same-hour-of-week peers, itself excluded), so the
 * spread is never shrunk by fitting a point to itself. In auto mode (the
 * default) the seasonal baseline is used only when its spread is clearly
 * smaller (< 0.8 x) than the plain one: a weekday/weekend series gets it,
 * a flat noisy one does not.
 *
 * Everything here is pure and NaN-free: non-finite history points are
 * skipped, a zero spread is floored, and every output is finite.
 */
#include "quality/anomaly.h"
#include "core/mem.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAD_SCALE 1.4826
#define WEEK_S 604800
#define SEASON_PEERS 8
#define SEASON_MIN 3
#define SEASON_TOL_S 1800
#define AUTO_RATIO 0.8
#define RELEARN 5 /* consecutive same-side anomalies that make a new level */

void sl_anomaly_config_defaults(sl_anomaly_config *cfg)
{
    if (!(cfg->sensitivity > 0))
        cfg->sensitivity = SL_ANOMALY_DEFAULT_SENSITIVITY;
    if (!cfg->window)
        cfg->window = 28;
    if (!cfg->min_history)
        cfg->min_history = 7;
    if (!(cfg->min_rel_band > 0))
        cfg->min_rel_band = SL_ANOMALY_DEFAULT_REL_BAND;
    if (!(cfg->min_abs_band >= 0))
        cfg->min_abs_band = 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of v[0..n) (sorted in place); 0 when n is 0. */
static double median(double *v, size_t n)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Scaled MAD of v[0..n) around its median (v is reordered). */
static double mad_sigma(double *v, size_t n)
{
    if (n < 2)
        return 0;
    double m = median(v, n);
    for (size_t i = 0; i < n; i++)
        v[i] = fabs(v[i] - m);
    return MAD_SCALE * median(v, n);
}

/* Is b a whole number of weeks from a (give or take half an hour)? */
static int same_slot(int64_t a, int64_t b)
{
    int64_t d = a > b ? a - b : b - a;
    int64_t r = d % WEEK_S;
    return d >= WEEK_S - SEASON_TOL_S && (r <= SEASON_TOL_S || r >= WEEK_S - SEASON_TOL_S);
}

/* Values of up to SEASON_PEERS points of h[0..n) in the slot of `at`,
 * nearest to index `near` first (near itself excluded; near = n: the
 * judged point); returns how many. */
static size_t slot_peers(const sl_anomaly_point *h, size_t n, int64_t at, size_t near, double *out)
{
    size_t k = 0, lo = near, hi = near + 1;
    while (k < SEASON_PEERS && (lo > 0 || hi < n)) {
        if (lo > 0) {
            size_t i = --lo;
            if (isfinite(h[i].value) && same_slot(at, h[i].at))
                out[k++] = h[i].value;
        }
        if (k < SEASON_PEERS && hi < n) {
            size_t i = hi++;
            if (isfinite(h[i].value) && same_slot(at, h[i].at))
                out[k++] = h[i].value;
        }
    }
    return k;
}

/* Are the points of h[0..n) a day or more apart (median gap >= 12 h)? */
static int daily_or_slower(const sl_anomaly_point *h, size_t n)
{
    if (n < 2)
        return 0;
    double *g = sl_malloc((n - 1) * sizeof *g);
    for (size_t i = 1; i < n; i++)
        g[i - 1] = (double)(h[i].at - h[i - 1].at);
    double m = median(g, n - 1);
    sl_free(g);
    return m >= 43200;
}

/* The detector on h as it is (no re-learning of a new level). */
static void detect_core(const sl_anomaly_config *cfg_in, const sl_anomaly_point *h, size_t n, sl_anomaly_point x,
                        sl_anomaly_verdict *out)
{
    sl_anomaly_config cfg = *cfg_in;
    memset(out, 0, sizeof *out);
    size_t from = n > cfg.window ? n - cfg.window : 0, nf = 0;
    double *v = sl_malloc((n - from + 1) * sizeof *v);
    int nonneg = 1;
    for (size_t i = from; i < n; i++)
        if (isfinite(h[i].value)) {
            v[nf++] = h[i].value;
            nonneg &= h[i].value >= 0;
        }
    out->training = nf < cfg.min_history;
    if (!nf || !isfinite(x.value)) {
        out->training = 1;
        sl_free(v);
        return;
    }
    double expected = median(v, nf), sigma = mad_sigma(v, nf);
    /* weekly seasonality */
    if (cfg.seasonality >= 0 && x.at) {
        double peers[SEASON_PEERS];
        size_t k = slot_peers(h, n, x.at, n, peers);
        if (k < SEASON_MIN && daily_or_slower(h, n) && x.at - h[0].at < 3 * WEEK_S - SEASON_TOL_S)
            out->training = 1; /* a weekday/weekend pattern cannot be told from an anomaly yet */
        if (k >= SEASON_MIN) {
            double *res = sl_malloc((n - from + 1) * sizeof *res), p2[SEASON_PEERS];
            size_t nr = 0;
            for (size_t i = from; i < n; i++) {
                if (!isfinite(h[i].value))
                    continue;
                size_t kk = slot_peers(h, n, h[i].at, i, p2);
                if (kk >= 2)
                    res[nr++] = h[i].value - median(p2, kk);
            }
            double s_sigma = nr >= cfg.min_history ? mad_sigma(res, nr) : INFINITY;
            if (cfg.seasonality > 0 || s_sigma < AUTO_RATIO * sigma) {
                expected = median(peers, k);
                if (isfinite(s_sigma))
                    sigma = s_sigma;
            }
            sl_free(res);
        }
    }
    sl_free(v);
    double floor = fmax(cfg.min_rel_band * fabs(expected), cfg.min_abs_band);
    double s = fmax(sigma, floor);
    if (!(s > 0))
        s = 1e-9 * fmax(1, fabs(expected));
    out->expected = expected;
    out->lower = expected - cfg.sensitivity * s;
    out->upper = expected + cfg.sensitivity * s;
    if (nonneg && out->lower < 0)
        out->lower = 0;
    out->score = (x.value - expected) / s;
    if (!isfinite(out->score))
        out->score = x.value > expected ? 1e300 : -1e300;
    out->anomaly = !out->training && (x.value < out->lower || x.value > out->upper);
}

void sl_anomaly_detect(const sl_anomaly_config *cfg_in, const sl_anomaly_point *h, size_t n, sl_anomaly_point x,
                       sl_anomaly_verdict *out)
{
    sl_anomaly_config cfg = cfg_in ? *cfg_in : (sl_anomaly_config){0};
    sl_anomaly_config_defaults(&cfg);
    /* A new level: the last RELEARN points were all anomalies on the same
     * side, none of them zero. The history before them is rescaled by the
     * new level's ratio to the old expected value (so that seasonality and
     * the spread carry over) and x is judged against that. A drop to zero
     * is never learnt: it stays an anomaly. */
    if (n > RELEARN + cfg.min_history) {
        double ratio[RELEARN];
        int side = 0, run = 1;
        for (size_t k = 0; k < RELEARN && run; k++) { /* newest first: most calls stop at once */
            size_t i = n - 1 - k;
            sl_anomaly_verdict v;
            detect_core(&cfg, h, i, h[i], &v);
            int sd = v.score > 0 ? 1 : -1;
            run = v.anomaly && (k == 0 || sd == side) && v.expected > 0 && h[i].value > 0;
            side = sd;
            ratio[k] = run ? h[i].value / v.expected : 0;
        }
        if (run) {
            double r = median(ratio, RELEARN);
            sl_anomaly_point *adj = sl_malloc(n * sizeof *adj);
            for (size_t i = 0; i < n; i++) {
                adj[i] = h[i];
                if (i < n - RELEARN)
                    adj[i].value *= r;
            }
            detect_core(&cfg, adj, n, x, out);
            sl_free(adj);
            return;
        }
    }
    detect_core(&cfg, h, n, x, out);
}
