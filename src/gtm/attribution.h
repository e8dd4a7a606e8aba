/*
 * attribution.h: the credit rules of multi-touch attribution
 * (docs/gtm/attribution.md), pure functions without a warehouse: which
 * touches of an entity fall in a conversion's window, in which order, and
 * the share of the conversion each attribution model gives each of them.
 * models/type_attribution.c reads the inputs and writes the rows; the unit
 * tests (tests/unit/test_attribution.c) check the rules on hand-computed
 * cases.
 */
#ifndef SL_GTM_ATTRIBUTION_H
#define SL_GTM_ATTRIBUTION_H
#include <stddef.h>

typedef enum sl_attr_model {
    SL_ATTR_FIRST_TOUCH,
    SL_ATTR_LAST_TOUCH,
    SL_ATTR_LAST_NON_DIRECT,
    SL_ATTR_LINEAR,
    SL_ATTR_TIME_DECAY,
    SL_ATTR_POSITION_BASED,
    SL_ATTR_W_SHAPED,
    SL_ATTR_NMODELS
} sl_attr_model;

/* "first_touch", ... (static); NULL for an out-of-range m. */
const char *sl_attr_model_name(sl_attr_model m);
/* The model called name, or -1. */
int sl_attr_model_find(const char *name);
/* The NULL-terminated list of the names (for did-you-mean). */
const char *const *sl_attr_model_names(void);

/* The parameters of the models (the spec's values; see
 * sl_attr_params_default). direct: channel names last_non_direct skips,
 * compared ASCII-case-insensitively; borrowed. */
typedef struct sl_attr_params {
    double half_life_s;           /* time_decay, seconds, > 0 */
    double pb_first, pb_last;     /* position_based shares, >= 0, sum <= 1 */
    double w_first, w_lead, w_opp; /* w_shaped shares, >= 0, sum <= 1 */
    const char *const *direct;
    size_t ndirect;
} sl_attr_params;

/* Half-life 7 days, 0.4/0.4, 0.3/0.3/0.3, direct = {"direct"}. */
void sl_attr_params_default(sl_attr_params *p);

/* One touch: time in seconds since the epoch (UTC); channel, campaign
 * may be NULL (borrowed); cost NaN when there is none. */
typedef struct sl_attr_touch {
    double t;
    const char *channel;
    const char *campaign;
    double cost;
} sl_attr_touch;

/* The documented order: time, then channel, then campaign (bytes, NULL
 * first), then cost (NaN first). qsort comparator over sl_attr_touch. */
int sl_attr_touch_cmp(const void *a, const void *b);
/* Sort n touches into that order. */
void sl_attr_sort(sl_attr_touch *touches, size_t n);

/* The window of a conversion at conv_t among sorted touches: touches
 * [*lo, *hi) have conv_t - lookback_s <= t <= conv_t. */
void sl_attr_window(const sl_attr_touch *touches, size_t n, double conv_t, double lookback_s, size_t *lo,
                    size_t *hi);

/* Whether channel is one of p->direct (NULL never is). */
int sl_attr_is_direct(const sl_attr_params *p, const char *channel);

/* The credits of model m for a conversion at conv_t with its n >= 1
 * window touches (sorted): credit[i] in [0, 1], summing to 1. lead_t,
 * opp_t: the w_shaped milestones' times (NaN: missing); other models
 * ignore them. Returns 0, or -1 for n == 0 or an unknown m. */
int sl_attr_credit(sl_attr_model m, const sl_attr_params *p, const sl_attr_touch *touches, size_t n, double conv_t,
                   double lead_t, double opp_t, double *credit);

/* A time as text ("YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.f]]" with ' ' or
 * 'T', optional "Z" or a UTC offset "+HH", "+HHMM", "+HH:MM"; or a number
 * of seconds since the epoch) -> *out seconds since the epoch, UTC.
 * Returns 0, or -1 when s is none of these. */
int sl_attr_parse_time(const char *s, double *out);
/* t (seconds since the epoch) as "YYYY-MM-DD HH:MM:SS" UTC (fraction
 * dropped) into out (at least 20 bytes). */
void sl_attr_format_time(double t, char *out, size_t cap);

#endif
