/*
 * attribution.c: see attribution.h. The credit rules of the seven
 * attribution models, the window and order of touches, and the reading
 * and writing of times, without a warehouse.
 */
#include "gtm/attribution.h"
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const model_names[] = {"first_touch", "last_touch",     "last_non_direct", "linear",
                                          "time_decay",  "position_based", "w_shaped",        NULL};
/* indexed by sl_attr_model */
static const char *const by_model[SL_ATTR_NMODELS] = {"first_touch", "last_touch",     "last_non_direct", "linear",
                                                      "time_decay",  "position_based", "w_shaped"};

const char *sl_attr_model_name(sl_attr_model m)
{
    return (unsigned)m < SL_ATTR_NMODELS ? by_model[m] : NULL;
}

int sl_attr_model_find(const char *name)
{
    for (int i = 0; name && i < SL_ATTR_NMODELS; i++)
        if (strcmp(by_model[i], name) == 0)
            return i;
    return -1;
}

const char *const *sl_attr_model_names(void)
{
    return model_names;
}

void sl_attr_params_default(sl_attr_params *p)
{
    static const char *const direct[] = {"direct", NULL};
    p->half_life_s = 7 * 86400.0;
    p->pb_first = 0.4;
    p->pb_last = 0.4;
    p->w_first = 0.3;
    p->w_lead = 0.3;
    p->w_opp = 0.3;
    p->direct = direct;
    p->ndirect = 1;
}

/* NULL first, then bytes */
static int cmp_text(const char *a, const char *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

int sl_attr_touch_cmp(const void *pa, const void *pb)
{
    const sl_attr_touch *a = pa, *b = pb;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    int c = cmp_text(a->channel, b->channel);
    if (c)
        return c < 0 ? -1 : 1;
    c = cmp_text(a->campaign, b->campaign);
    if (c)
        return c < 0 ? -1 : 1;
    int na = isnan(a->cost), nb = isnan(b->cost);
    if (na || nb)
        return na == nb ? 0 : na ? -1 : 1;
    return a->cost < b->cost ? -1 : a->cost > b->cost ? 1 : 0;
}

void sl_attr_sort(sl_attr_touch *touches, size_t n)
{
    if (n > 1)
        qsort(touches, n, sizeof *touches, sl_attr_touch_cmp);
}

/* first index with t >= x (strict: t > x) */
static size_t lower(const sl_attr_touch *v, size_t n, double x, int strict)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strict ? v[mid].t <= x : v[mid].t < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void sl_attr_window(const sl_attr_touch *touches, size_t n, double conv_t, double lookback_s, size_t *lo, size_t *hi)
{
    *lo = lower(touches, n, conv_t - lookback_s, 0);
    *hi = lower(touches, n, conv_t, 1);
    if (*hi < *lo)
        *hi = *lo;
}

int sl_attr_is_direct(const sl_attr_params *p, const char *channel)
{
    if (!channel)
        return 0;
    for (size_t i = 0; i < p->ndirect; i++)
        if (p->direct[i] && strcasecmp(p->direct[i], channel) == 0)
            return 1;
    return 0;
}

/* The last touch at or before t (NaN or none: -1). */
static long last_at_or_before(const sl_attr_touch *v, size_t n, double t)
{
    if (isnan(t))
        return -1;
    size_t k = lower(v, n, t, 1);
    return (long)k - 1;
}

int sl_attr_credit(sl_attr_model m, const sl_attr_params *p, const sl_attr_touch *v, size_t n, double conv_t,
                   double lead_t, double opp_t, double *credit)
{
    if (n == 0 || (unsigned)m >= SL_ATTR_NMODELS)
        return -1;
    for (size_t i = 0; i < n; i++)
        credit[i] = 0;
    switch (m) {
    case SL_ATTR_FIRST_TOUCH:
        credit[0] = 1;
        break;
    case SL_ATTR_LAST_TOUCH:
        credit[n - 1] = 1;
        break;
    case SL_ATTR_LAST_NON_DIRECT: {
        size_t k = n - 1;
        for (size_t i = n; i-- > 0;)
            if (!sl_attr_is_direct(p, v[i].channel)) {
                k = i;
                break;
            }
        credit[k] = 1;
        break;
    }
    case SL_ATTR_LINEAR:
        for (size_t i = 0; i < n; i++)
            credit[i] = 1.0 / (double)n;
        break;
    case SL_ATTR_TIME_DECAY: {
        /* 2^(-(conv_t - t)/h) relative to the latest touch: the same
         * ratios, and the latest weighs 1 (no underflow to a zero sum) */
        double sum = 0, latest = v[n - 1].t;
        (void)conv_t;
        for (size_t i = 0; i < n; i++) {
            credit[i] = exp2(-(latest - v[i].t) / p->half_life_s);
            sum += credit[i];
        }
        for (size_t i = 0; i < n; i++)
            credit[i] /= sum;
        break;
    }
    case SL_ATTR_POSITION_BASED:
        if (n == 1) {
            credit[0] = 1;
        } else if (n == 2) {
            double s = p->pb_first + p->pb_last;
            credit[0] = s > 0 ? p->pb_first / s : 0.5;
            credit[1] = s > 0 ? p->pb_last / s : 0.5;
        } else {
            double mid = (1.0 - p->pb_first - p->pb_last) / (double)(n - 2);
            if (mid < 0)
                mid = 0;
            credit[0] = p->pb_first;
            credit[n - 1] = p->pb_last;
            for (size_t i = 1; i + 1 < n; i++)
                credit[i] = mid;
        }
        break;
    case SL_ATTR_W_SHAPED: {
        long lead = last_at_or_before(v, n, lead_t), opp = last_at_or_before(v, n, opp_t);
        credit[0] += p->w_first;
        if (lead >= 0)
            credit[lead] += p->w_lead;
        if (opp >= 0)
            credit[opp] += p->w_opp;
        size_t others = 0;
        for (size_t i = 0; i < n; i++)
            others += (i != 0 && (long)i != lead && (long)i != opp);
        double rest = 1.0 - p->w_first - p->w_lead - p->w_opp;
        if (rest < 0)
            rest = 0;
        if (others)
            for (size_t i = 1; i < n; i++)
                if ((long)i != lead && (long)i != opp)
                    credit[i] = rest / (double)others;
        double sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += credit[i];
        for (size_t i = 0; i < n; i++)
            credit[i] = sum > 0 ? credit[i] / sum : 1.0 / (double)n;
        break;
    }
    default:
        return -1;
    }
    return 0;
}

/* ---- times ---- */

/* days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant) */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* exactly k digits at *s -> *v, advancing */
static int digits(const char **s, int k, int *v)
{
    int x = 0;
    for (int i = 0; i < k; i++) {
        if (!isdigit((unsigned char)(*s)[i]))
            return -1;
        x = x * 10 + ((*s)[i] - '0');
    }
    *s += k;
    *v = x;
    return 0;
}

static int number(const char *s, double *out)
{
    char *end;
    while (isspace((unsigned char)*s))
        s++;
    if (!*s)
        return -1;
    double x = strtod(s, &end);
    while (isspace((unsigned char)*end))
        end++;
    if (*end || !isfinite(x))
        return -1;
    *out = x;
    return 0;
}

int sl_attr_parse_time(const char *s, double *out)
{
    if (!s)
        return -1;
    while (isspace((unsigned char)*s))
        s++;
    /* a number of seconds: digits (and a dot) only, and not a date */
    if (strlen(s) < 10 || s[4] != '-')
        return number(s, out);
    const char *q = s;
    int y, mo, d, h = 0, mi = 0, se = 0;
    double frac = 0;
    if (digits(&q, 4, &y) < 0 || *q++ != '-' || digits(&q, 2, &mo) < 0 || *q++ != '-' || digits(&q, 2, &d) < 0)
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31)
        return -1;
    if (*q == ' ' || *q == 'T') {
        q++;
        if (digits(&q, 2, &h) < 0 || *q++ != ':' || digits(&q, 2, &mi) < 0)
            return -1;
        if (*q == ':') {
            q++;
            if (digits(&q, 2, &se) < 0)
                return -1;
            if (*q == '.' || *q == ',') {
                double scale = 0.1;
                q++;
                if (!isdigit((unsigned char)*q))
                    return -1;
                while (isdigit((unsigned char)*q)) {
                    frac += (*q++ - '0') * scale;
                    scale /= 10;
                }
            }
        }
        if (h > 23 || mi > 59 || se > 60)
            return -1;
    }
    int off = 0;
    if (*q == 'Z' || *q == 'z') {
        q++;
    } else if (*q == '+' || *q == '-') {
        int sign = *q++ == '-' ? -1 : 1, oh, om = 0;
        if (digits(&q, 2, &oh) < 0)
            return -1;
        if (*q == ':')
            q++;
        if (isdigit((unsigned char)*q) && digits(&q, 2, &om) < 0)
            return -1;
        if (oh > 23 || om > 59)
            return -1;
        off = sign * (oh * 3600 + om * 60);
    }
    while (isspace((unsigned char)*q))
        q++;
    if (*q)
        return -1;
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    *out = (double)(days * 86400 + h * 3600 + mi * 60 + se - off) + frac;
    return 0;
}

void sl_attr_format_time(double t, char *out, size_t cap)
{
    int64_t s = (int64_t)floor(t);
    int64_t days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
    int64_t sod = s - days * 86400;
    /* civil_from_days (H. Hinnant) */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    snprintf(out, cap, "%04lld-%02u-%02u %02d:%02d:%02d", (long long)y, m, d, (int)(sod / 3600),
             (int)(sod % 3600 / 60), (int)(sod % 60));
}
