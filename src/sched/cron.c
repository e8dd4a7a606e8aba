/* cron.c: see cron.h. Parsing fills one bit set per field; the next fire
 * time is found on the wall clock by jumping field by field (a month that
 * does not match skips the whole month, and so on), then mapped to an
 * instant by sl_tz_resolve. */
#include "sched/cron.h"
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef struct field {
    const char *what;
    int lo, hi;
    const char *const *names; /* months: names[i] is i + 1; weekdays: names[i] is i */
} field;

static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul",
                                     "aug", "sep", "oct", "nov", "dec", NULL};
static const char *const days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL};

static const field fields[5] = {
    {"minute", 0, 59, NULL},  {"hour", 0, 23, NULL},       {"day-of-month", 1, 31, NULL},
    {"month", 1, 12, months}, {"day-of-week", 0, 7, days},
};

static int fail(char *msg, size_t len, int *col, int at, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int fail(char *msg, size_t len, int *col, int at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
    *col = at;
    return -1;
}

/* A number or (for months and weekdays) a three-letter name at *p. */
static int value_at(const field *f, const char **p, int *v)
{
    const char *s = *p;
    if (isdigit((unsigned char)*s)) {
        long n = 0;
        while (isdigit((unsigned char)*s) && n < 1000)
            n = n * 10 + (*s++ - '0');
        *v = (int)n;
        *p = s;
        return 0;
    }
    if (f->names && isalpha((unsigned char)s[0]) && isalpha((unsigned char)s[1]) && isalpha((unsigned char)s[2]) &&
        !isalpha((unsigned char)s[3]))
        for (int i = 0; f->names[i]; i++)
            if (strncasecmp(s, f->names[i], 3) == 0) {
                *v = i + (f->names == months ? 1 : 0);
                *p = s + 3;
                return 0;
            }
    return -1;
}

static int parse_field(const field *f, const char *text, size_t len, int base, uint64_t *bits, int *star, char *msg,
                       size_t msglen, int *col)
{
    char buf[128];
    if (len >= sizeof buf)
        return fail(msg, msglen, col, base, "%s field is too long", f->what);
    memcpy(buf, text, len);
    buf[len] = 0;
    *bits = 0;
    *star = buf[0] == '*';
    const char *hint = f->names == months ? " (1-12 or jan-dec)" : f->names == days ? " (0-7 or sun-sat)" : "";
    for (const char *p = buf; *p;) {
        int at = base + (int)(p - buf);
        int lo, hi, step = 1;
        if (*p == '*') {
            lo = f->lo;
            hi = f->hi == 7 ? 6 : f->hi;
            p++;
        } else {
            if (value_at(f, &p, &lo) < 0)
                return fail(msg, msglen, col, at, "%s field: expected a number%s, '*' or a list, found '%.*s'", f->what,
                            hint, (int)strcspn(p, ","), p);
            hi = lo;
            if (*p == '-') {
                p++;
                if (value_at(f, &p, &hi) < 0)
                    return fail(msg, msglen, col, base + (int)(p - buf), "%s field: a range needs an end%s", f->what,
                                hint);
            } else if (*p == '/') {
                /* N/STEP: from N to the field's end; for weekdays that end is
                 * 7 (Sunday again), as cron(5)'s N-7/STEP: 6/1 is Sat and Sun */
                hi = f->hi;
            }
            if (lo < f->lo || lo > f->hi || hi < f->lo || hi > f->hi)
                return fail(msg, msglen, col, at, "%s field: %d is out of range %d-%d", f->what,
                            lo < f->lo || lo > f->hi ? lo : hi, f->lo, f->hi);
            if (hi < lo && !(f->names == days && hi == 0))
                return fail(msg, msglen, col, at, "%s field: range %d-%d runs backwards", f->what, lo, hi);
            if (f->names == days && hi == 0 && lo > 0)
                hi = 7; /* "fri-sun" */
        }
        if (*p == '/') {
            p++;
            const char *s = p;
            long n = 0;
            while (isdigit((unsigned char)*p) && n < 1000)
                n = n * 10 + (*p++ - '0');
            if (p == s || n < 1 || n > 999) /* cron(5) takes any step; one past the range picks the start only */
                return fail(msg, msglen, col, base + (int)(s - buf), "%s field: a step must be a whole number 1-999",
                            f->what);
            step = (int)n;
        }
        if (*p && *p != ',')
            return fail(msg, msglen, col, base + (int)(p - buf), "%s field: unexpected '%c'", f->what, *p);
        for (int v = lo; v <= hi; v += step)
            *bits |= 1ull << (f->names == days && v == 7 ? 0 : v);
        if (*p == ',') {
            p++;
            if (!*p)
                return fail(msg, msglen, col, base + (int)(p - buf) - 1, "%s field: a list item is missing", f->what);
        }
    }
    return 0;
}

static const struct {
    const char *name, *expr;
} macros[] = {{"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
              {"@daily", "0 0 * * *"},  {"@midnight", "0 0 * * *"}, {"@hourly", "0 * * * *"}};

int sl_cron_parse(const char *expr, sl_cron *out, char *msg, size_t msglen, int *col)
{
    memset(out, 0, sizeof *out);
    const char *s = expr;
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '@') {
        size_t n = strcspn(s, " \t");
        for (size_t i = 0; i < sizeof macros / sizeof *macros; i++)
            if (strlen(macros[i].name) == n && strncasecmp(s, macros[i].name, n) == 0) {
                const char *rest = s + n;
                while (isspace((unsigned char)*rest))
                    rest++;
                if (*rest)
                    return fail(msg, msglen, col, (int)(rest - expr) + 1, "nothing may follow %s", macros[i].name);
                return sl_cron_parse(macros[i].expr, out, msg, msglen, col);
            }
        return fail(msg, msglen, col, (int)(s - expr) + 1,
                    "unknown macro '%.*s' (@yearly, @monthly, @weekly, @daily, @hourly)", (int)n, s);
    }
    uint64_t bits[5];
    int stars[5];
    for (int i = 0; i < 5; i++) {
        if (!*s)
            return fail(msg, msglen, col, (int)(s - expr) + 1,
                        "expected 5 fields (minute hour day-of-month month day-of-week), found %d", i);
        size_t n = strcspn(s, " \t");
        if (parse_field(&fields[i], s, n, (int)(s - expr) + 1, &bits[i], &stars[i], msg, msglen, col) < 0)
            return -1;
        s += n;
        while (isspace((unsigned char)*s))
            s++;
    }
    if (*s)
        return fail(msg, msglen, col, (int)(s - expr) + 1,
                    "more than 5 fields (minute hour day-of-month month day-of-week; no seconds or years)");
    out->minute = bits[0];
    out->hour = (uint32_t)bits[1];
    out->mday = (uint32_t)bits[2];
    out->month = (uint16_t)bits[3];
    out->wday = (uint8_t)bits[4];
    out->mday_star = stars[2];
    out->wday_star = stars[4];
    return 0;
}

static int day_matches(const sl_cron *c, const struct tm *t)
{
    int md = (c->mday >> t->tm_mday) & 1, wd = (c->wday >> t->tm_wday) & 1;
    if (c->mday_star || c->wday_star)
        return md && wd;
    return md || wd;
}

/* The first wall-clock minute >= w that matches; -1 if none within 28
 * years (the Gregorian weekday cycle, so no later year could match). */
static int64_t next_wall(const sl_cron *c, int64_t w)
{
    time_t tt = (time_t)w;
    struct tm t;
    gmtime_r(&tt, &t);
    int limit = t.tm_year + 29;
    while (t.tm_year <= limit) {
        if (!((c->month >> (t.tm_mon + 1)) & 1)) {
            t.tm_mon++, t.tm_mday = 1, t.tm_hour = 0, t.tm_min = 0;
        } else if (!day_matches(c, &t)) {
            t.tm_mday++, t.tm_hour = 0, t.tm_min = 0;
        } else if (!((c->hour >> t.tm_hour) & 1)) {
            t.tm_hour++, t.tm_min = 0;
        } else if (!((c->minute >> t.tm_min) & 1)) {
            t.tm_min++;
        } else {
            return (int64_t)timegm(&t);
        }
        tt = timegm(&t); /* normalise the carried field */
        gmtime_r(&tt, &t);
    }
    return -1;
}

int64_t sl_cron_next(const sl_cron *c, const sl_tz *tz, int64_t after)
{
    int64_t wall = sl_tz_wall(tz, after);
    int64_t w = (wall >= 0 ? wall / 60 : (wall - 59) / 60) * 60 + 60;
    for (int guard = 0; guard < 100000; guard++) {
        w = next_wall(c, w);
        if (w < 0)
            return -1;
        int64_t at;
        sl_tz_resolve(tz, w, &at);
        if (at > after)
            return at;
        w += 60; /* this wall time already fired (first pass of a repeated hour) */
    }
    return -1;
}
