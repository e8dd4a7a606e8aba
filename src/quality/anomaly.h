/*
 * anomaly.h: is the latest point of a series unusual? (docs/QUALITY.md
 * "Anomaly detection")
 *
 * A robust detector: over a training window of the previous points, the
 * expected value is the median and the spread the median absolute
 * deviation (MAD, scaled by 1.4826 to estimate a standard deviation);
 * with weekly seasonality, the baseline is the points at the same hour of
 * the week (when there are enough of them) and a trend... is not modelled:
 * a slow drift is caught when it leaves the band of the window. The band
 * is expected ± sensitivity × max(MAD-sigma, floor), where the floor keeps
 * a perfectly flat series from alerting on tiny changes (a share of the
 * median, and an absolute minimum). Fewer than min_history points:
 * "training", never an anomaly.
 *
 * Pure functions: no I/O, no clock. The monitors (quality/monitor.h) give
 * it series read from the state store and store each point's band.
 */
#ifndef SL_QUALITY_ANOMALY_H
#define SL_QUALITY_ANOMALY_H
#include <stddef.h>
#include <stdint.h>

/* Defaults, tuned on the 200-series evaluation (tests/unit/test_anomaly_eval.c,
 * docs/quality/anomaly.md). */
#define SL_ANOMALY_DEFAULT_SENSITIVITY 4.0
#define SL_ANOMALY_DEFAULT_REL_BAND 0.03

typedef struct sl_anomaly_config {
    double sensitivity;   /* band half-width in robust sigmas; default SL_ANOMALY_DEFAULT_SENSITIVITY (0 means default) */
    size_t window;        /* training points used (the most recent); default 28 */
    size_t min_history;   /* points needed before alerting; default 7 */
    int seasonality;      /* 0: auto (default: weekly when it fits the history clearly better),
                           * 1: weekly (points carry times), -1: none */
    double min_rel_band;  /* floor of the band as a share of |expected|; default SL_ANOMALY_DEFAULT_REL_BAND */
    double min_abs_band;  /* absolute floor of the band; default 0 (counts: 1) */
} sl_anomaly_config;

/* Defaults filled where cfg has zeros. */
void sl_anomaly_config_defaults(sl_anomaly_config *cfg);

typedef struct sl_anomaly_point {
    double value;
    int64_t at;           /* Unix seconds (for seasonality) */
} sl_anomaly_point;

typedef struct sl_anomaly_verdict {
    int training;         /* 1: not enough history; expected/lower/upper still filled when possible */
    int anomaly;          /* 1: value outside [lower, upper] */
    double expected, lower, upper;
    double score;         /* (value - expected) / sigma, signed */
} sl_anomaly_verdict;

/* Judge point x given the history h[0..n) (oldest first, x not included). */
void sl_anomaly_detect(const sl_anomaly_config *cfg, const sl_anomaly_point *h, size_t n, sl_anomaly_point x,
                       sl_anomaly_verdict *out);

#endif
