/* types.c: see types.h. Civil-date arithmetic follows the proleptic Gregorian
 * calendar (days_from_civil is the well-known era/day-of-era derivation). */
#include "core/types.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const type_names[] = {"null", "bool", "int", "float", "decimal",
                                         "text", "date", "timestamp", "json"};

const char *sl_type_name(sl_type t)
{
    return (unsigned)t < sizeof type_names / sizeof *type_names ? type_names[t] : "?";
}

int sl_type_parse(const char *name, sl_type *out)
{
    static const struct { const char *n; sl_type t; } names[] = {
        {"bool", SL_T_BOOL}, {"boolean", SL_T_BOOL}, {"int", SL_T_INT}, {"integer", SL_T_INT},
        {"bigint", SL_T_INT}, {"int64", SL_T_INT}, {"float", SL_T_FLOAT}, {"double", SL_T_FLOAT},
        {"real", SL_T_FLOAT}, {"decimal", SL_T_DECIMAL}, {"numeric", SL_T_DECIMAL},
        {"text", SL_T_TEXT}, {"string", SL_T_TEXT}, {"varchar", SL_T_TEXT}, {"date", SL_T_DATE},
        {"timestamp", SL_T_TIMESTAMP}, {"datetime", SL_T_TIMESTAMP}, {"json", SL_T_JSON},
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcasecmp(name, names[i].n) == 0) {
            *out = names[i].t;
            return 0;
        }
    return -1;
}

int sl_type_storage(sl_type t)
{
    switch (t) {
    case SL_T_BOOL: case SL_T_INT: case SL_T_DATE: case SL_T_TIMESTAMP: return SL_STORE_I64;
    case SL_T_FLOAT: return SL_STORE_F64;
    default: return SL_STORE_STR;
    }
}

sl_type sl_type_widen(sl_type a, sl_type b)
{
    if (a == b || b == SL_T_NULL)
        return a;
    if (a == SL_T_NULL)
        return b;
    if ((a == SL_T_INT && b == SL_T_FLOAT) || (a == SL_T_FLOAT && b == SL_T_INT))
        return SL_T_FLOAT;
    /* decimal holds every int and every float exactly (as the text it came from) */
    if ((a == SL_T_DECIMAL && (b == SL_T_INT || b == SL_T_FLOAT)) ||
        (b == SL_T_DECIMAL && (a == SL_T_INT || a == SL_T_FLOAT)))
        return SL_T_DECIMAL;
    if ((a == SL_T_DATE && b == SL_T_TIMESTAMP) || (a == SL_T_TIMESTAMP && b == SL_T_DATE))
        return SL_T_TIMESTAMP;
    return SL_T_TEXT;
}

static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

static int word_eq(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

int sl_parse_bool(const char *s, size_t n, int64_t *out)
{
    trim(&s, &n);
    static const char *const t[] = {"true", "t", "yes", "y", "1"};
    static const char *const f[] = {"false", "f", "no", "n", "0"};
    for (int i = 0; i < 5; i++) {
        if (word_eq(s, n, t[i])) { *out = 1; return 0; }
        if (word_eq(s, n, f[i])) { *out = 0; return 0; }
    }
    return -1;
}

int sl_parse_int(const char *s, size_t n, int64_t *out)
{
    trim(&s, &n);
    if (!n)
        return -1;
    size_t i = 0;
    int neg = 0;
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == n || n - i > 19)
        return -1;
    uint64_t v = 0;
    for (; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9)
            return -1;
        v = v * 10 + d;
    }
    if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
        return -1;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

int sl_parse_int_exact(const char *s, size_t n, int64_t *out)
{
    trim(&s, &n);
    size_t k = n && s[0] == '-' ? 1 : 0;
    if (n == k || n - k > 19 || s[k] == '+' || (s[k] == '0' && n - k > 1) || (k && s[k] == '0'))
        return -1;
    return sl_parse_int(s, n, out);
}

/* [+-] digits [. digits] [e [+-] digits]; at least one digit before or after the dot. */
static int number_syntax(const char *s, size_t n, int *has_frac_or_exp)
{
    size_t i = 0, digits = 0;
    *has_frac_or_exp = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    while (i < n && s[i] >= '0' && s[i] <= '9') { i++; digits++; }
    if (i < n && s[i] == '.') {
        *has_frac_or_exp = 1;
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') { i++; digits++; }
    }
    if (!digits)
        return -1;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        *has_frac_or_exp = 2;
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+'))
            i++;
        size_t ed = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') { i++; ed++; }
        if (!ed)
            return -1;
    }
    return i == n ? 0 : -1;
}

int sl_parse_float(const char *s, size_t n, double *out)
{
    trim(&s, &n);
    int frac;
    if (n == 0 || n > 400 || number_syntax(s, n, &frac) < 0)
        return -1;
    char tmp[401];
    memcpy(tmp, s, n);
    tmp[n] = 0;
    double v = strtod(tmp, NULL);
    if (!isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int sl_parse_decimal(const char *s, size_t n)
{
    trim(&s, &n);
    int frac;
    return n && number_syntax(s, n, &frac) == 0 && frac != 2 ? 0 : -1;
}

int64_t sl_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void sl_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int digits(const char *s, size_t n, size_t at, size_t count, int *out)
{
    if (at + count > n)
        return -1;
    int v = 0;
    for (size_t i = 0; i < count; i++) {
        unsigned dd = (unsigned)(s[at + i] - '0');
        if (dd > 9)
            return -1;
        v = v * 10 + (int)dd;
    }
    *out = v;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

/* YYYY-MM-DD at s; 0 ok. */
static int parse_ymd(const char *s, size_t n, int64_t *days)
{
    int y, m, d;
    if (n < 10 || digits(s, n, 0, 4, &y) || s[4] != '-' || digits(s, n, 5, 2, &m) || s[7] != '-' ||
        digits(s, n, 8, 2, &d))
        return -1;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return -1;
    *days = sl_days_from_civil(y, (unsigned)m, (unsigned)d);
    return 0;
}

int sl_parse_date(const char *s, size_t n, int64_t *days)
{
    trim(&s, &n);
    return n == 10 ? parse_ymd(s, n, days) : -1;
}

/* strict: refuse what the parsed instant cannot give back (a leap second
 * 23:59:60, non-zero digits beyond microseconds) */
static int parse_timestamp(const char *s, size_t n, int64_t *us, int strict)
{
    trim(&s, &n);
    int64_t days;
    if (parse_ymd(s, n, &days) < 0)
        return -1;
    int64_t secs = days * 86400, frac_us = 0;
    size_t i = 10;
    if (i < n) {
        int hh, mm, ss = 0;
        if ((s[i] != 'T' && s[i] != 't' && s[i] != ' ') || digits(s, n, i + 1, 2, &hh) ||
            s[i + 3] != ':' || digits(s, n, i + 4, 2, &mm))
            return -1;
        i += 6;
        if (i < n && s[i] == ':') {
            if (digits(s, n, i + 1, 2, &ss))
                return -1;
            i += 3;
            if (i < n && (s[i] == '.' || s[i] == ',')) {
                i++;
                size_t start = i;
                int64_t scale = 100000;
                while (i < n && s[i] >= '0' && s[i] <= '9') {
                    if (strict && !scale && s[i] != '0')
                        return -1;
                    frac_us += (s[i] - '0') * scale;
                    scale /= 10;
                    i++;
                }
                if (i == start)
                    return -1;
            }
        }
        if (hh > 23 || mm > 59 || ss > (strict ? 59 : 60))
            return -1;
        secs += hh * 3600 + mm * 60 + ss;
        if (i < n) {
            if (s[i] == 'Z' || s[i] == 'z') {
                i++;
            } else if (s[i] == '+' || s[i] == '-') {
                int oh, om = 0, sign = s[i] == '-' ? -1 : 1;
                if (digits(s, n, i + 1, 2, &oh))
                    return -1;
                i += 3;
                if (i < n && s[i] == ':')
                    i++;
                if (i < n) {
                    if (digits(s, n, i, 2, &om))
                        return -1;
                    i += 2;
                }
                if (oh > 23 || om > 59)
                    return -1;
                secs -= sign * (oh * 3600 + om * 60);
            }
            if (i != n)
                return -1;
        }
    }
    *us = secs * 1000000 + frac_us;
    return 0;
}

int sl_parse_timestamp(const char *s, size_t n, int64_t *us)
{
    return parse_timestamp(s, n, us, 0);
}

int sl_parse_time_format(const char *s, size_t n, const char *fmt, int is_date, int64_t *out)
{
    char tmp[256], f[128];
    if (n >= sizeof tmp || strlen(fmt) >= sizeof f)
        return -1;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    /* %f (fractional seconds) is ours: split the format there. */
    const char *pf = strstr(fmt, "%f");
    size_t flen = pf ? (size_t)(pf - fmt) : strlen(fmt);
    memcpy(f, fmt, flen);
    f[flen] = 0;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_mday = 1;
    const char *end = strptime(tmp, f, &tm);
    if (!end)
        return -1;
    int64_t frac = 0;
    if (pf) {
        int64_t scale = 100000;
        if (!(*end >= '0' && *end <= '9'))
            return -1;
        while (*end >= '0' && *end <= '9') {
            frac += (*end - '0') * scale;
            scale /= 10;
            end++;
        }
        struct tm tm2 = tm;
        end = strptime(end, pf + 2, &tm2);
        if (!end)
            return -1;
        tm = tm2;
    }
    while (*end == ' ')
        end++;
    if (*end)
        return -1;
    long gmtoff = tm.tm_gmtoff;
    int64_t days = sl_days_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday);
    if (is_date) {
        *out = days;
        return 0;
    }
    *out = (days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec - gmtoff) * 1000000 + frac;
    return 0;
}

/* A number's decimal value as (sign, significant digits, exponent): the
 * value is 0.<dig> x 10^exp, dig without leading or trailing zeros (empty
 * for zero). s has number_syntax. Returns the digit count, or -1 when more
 * than cap digits. */
static int decimal_value(const char *s, size_t n, int *neg, char *dig, size_t cap, long *exp)
{
    size_t i = 0, nd = 0;
    long point = 0, e = 0;
    int seen_point = 0, lead = 1;
    *neg = s[0] == '-';
    if (s[0] == '-' || s[0] == '+')
        i++;
    for (; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
        if (s[i] == '.') {
            seen_point = 1;
            continue;
        }
        if (lead && s[i] == '0') {
            if (seen_point)
                point--; /* 0.00ddd: the point moves right of these zeros */
            continue;
        }
        lead = 0;
        if (nd == cap)
            return -1;
        dig[nd++] = s[i];
        if (!seen_point)
            point++;
    }
    if (i < n) { /* exponent, saturated far beyond any finite double */
        int eneg = s[++i] == '-';
        if (s[i] == '-' || s[i] == '+')
            i++;
        for (; i < n; i++)
            if (e < 100000)
                e = e * 10 + (s[i] - '0');
        point += eneg ? -e : e;
    }
    while (nd && dig[nd - 1] == '0')
        nd--;
    *exp = point;
    return (int)nd;
}

/* 0 when the number text (number_syntax) reads into a double whose
 * shortest form has the same decimal value: the float gives back what was
 * written (trailing zeros and exponent notation aside). */
static int float_exact(const char *s, size_t n, double *out)
{
    if (sl_parse_float(s, n, out) < 0)
        return -1;
    int neg, neg2;
    char a[64], b[64];
    long ea, eb;
    int na = decimal_value(s, n, &neg, a, sizeof a, &ea);
    if (na < 0)
        return -1; /* more digits than a double holds */
    if (na == 0)
        return 0; /* zero, -0 included */
    double v = *out;
    /* up to 15 significant digits in the normal range always come back (DBL_DIG) */
    if (na <= 15 && fabs(v) >= 2.2250738585072014e-308)
        return 0;
    char tmp[40];
    sl_format_float(tmp, v);
    int nb = decimal_value(tmp, strlen(tmp), &neg2, b, sizeof b, &eb);
    return nb == na && neg2 == neg && eb == ea && memcmp(a, b, (size_t)na) == 0 ? 0 : -1;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?: the decimal notation every sink writes
 * back as it came (a JSON number without exponent), no sign to drop, no
 * zero to lose. */
static int decimal_canonical(const char *s, size_t n)
{
    size_t i = s[0] == '-' ? 1 : 0, start = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == start || (s[start] == '0' && i - start > 1))
        return -1;
    if (i < n && s[i] == '.') {
        size_t f = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == f)
            return -1;
    }
    return i == n ? 0 : -1;
}

size_t sl_decimal_canonical(const char *s, size_t n, char *out)
{
    trim(&s, &n);
    size_t i = 0, o = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        if (s[i++] == '-')
            out[o++] = '-';
    while (i + 1 < n && s[i] == '0' && s[i + 1] >= '0' && s[i + 1] <= '9')
        i++; /* redundant leading zeros */
    if (i == n || s[i] == '.')
        out[o++] = '0';
    size_t dot = n;
    for (; i < n; i++) {
        if (s[i] == '.')
            dot = o;
        out[o++] = s[i];
    }
    if (dot + 1 == o) /* "5." */
        o--;
    out[o] = 0;
    return o;
}

int sl_parse_decimal_exact(const char *s, size_t n)
{
    trim(&s, &n);
    return n ? decimal_canonical(s, n) : -1;
}

sl_type sl_type_infer_value(const char *s, size_t n, int64_t *iv, double *dv)
{
    trim(&s, &n);
    if (!n)
        return SL_T_NULL;
    if (word_eq(s, n, "true") || word_eq(s, n, "false")) {
        *iv = (s[0] | 0x20) == 't';
        return SL_T_BOOL;
    }
    if ((s[0] >= '0' && s[0] <= '9') || s[0] == '-' || s[0] == '.') {
        /* a redundant leading zero ("007", zip codes) or an explicit '+'
         * ("+15550100") would be lost by a number: those stay text */
        size_t k = s[0] == '-' ? 1 : 0;
        int lead_zero = n > k + 1 && s[k] == '0' && s[k + 1] >= '0' && s[k + 1] <= '9';
        int frac;
        if (!lead_zero && number_syntax(s, n, &frac) == 0) {
            if (!frac && !(k && n == 2 && s[1] == '0')) /* -0 is not the int 0: see float */
                return sl_parse_int(s, n, iv) == 0 ? SL_T_INT : SL_T_DECIMAL;
            if (float_exact(s, n, dv) == 0)
                return SL_T_FLOAT;
            if (decimal_canonical(s, n) == 0)
                return SL_T_DECIMAL;
        }
        if (n == 10 && sl_parse_date(s, n, iv) == 0)
            return SL_T_DATE;
        if (n > 10 && parse_timestamp(s, n, iv, 1) == 0)
            return SL_T_TIMESTAMP;
    }
    return SL_T_TEXT;
}

sl_type sl_type_infer_text(const char *s, size_t n)
{
    int64_t i;
    double d;
    return sl_type_infer_value(s, n, &i, &d);
}

static char *put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

size_t sl_format_date(char *out, int64_t days)
{
    int64_t y;
    unsigned m, d;
    sl_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) /* outside ISO 8601's four digits: rare, take the slow path */
        return (size_t)sprintf(out, "%04lld-%02u-%02u", (long long)y, m, d);
    char *p = out;
    p = put2(p, (unsigned)(y / 100));
    p = put2(p, (unsigned)(y % 100));
    *p++ = '-';
    p = put2(p, m);
    *p++ = '-';
    p = put2(p, d);
    *p = 0;
    return (size_t)(p - out);
}

size_t sl_format_timestamp(char *out, int64_t us)
{
    int64_t secs = us / 1000000, frac = us % 1000000;
    if (frac < 0) {
        frac += 1000000;
        secs--;
    }
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    char *p = out + sl_format_date(out, days);
    *p++ = 'T';
    p = put2(p, (unsigned)(rem / 3600));
    *p++ = ':';
    p = put2(p, (unsigned)(rem / 60 % 60));
    *p++ = ':';
    p = put2(p, (unsigned)(rem % 60));
    if (frac) {
        int digits = frac % 1000 == 0 ? 3 : 6;
        int64_t v = digits == 3 ? frac / 1000 : frac;
        *p++ = '.';
        for (int i = digits - 1; i >= 0; i--) {
            p[i] = (char)('0' + v % 10);
            v /= 10;
        }
        p += digits;
    }
    *p++ = 'Z';
    *p = 0;
    return (size_t)(p - out);
}

size_t sl_format_float(char *out, double v)
{
    /* shortest representation that round-trips */
    for (int prec = 15; prec <= 17; prec++) {
        int n = sprintf(out, "%.*g", prec, v);
        if (strtod(out, NULL) == v) {
            if (!strpbrk(out, ".eEn")) { /* keep floats visibly floats */
                out[n++] = '.';
                out[n++] = '0';
                out[n] = 0;
            }
            return (size_t)n;
        }
    }
    return (size_t)sprintf(out, "%.17g", v);
}
