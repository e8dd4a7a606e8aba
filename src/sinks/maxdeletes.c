/* maxdeletes.c: see maxdeletes.h. */
#include "sinks/maxdeletes.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sl_maxdeletes_parse(sl_maxdeletes *m, const char *text, char *why, size_t cap)
{
    char *end = NULL;
    const char *s = text ? text : "";
    while (*s == ' ')
        s++;
    double v = *s && *s != '-' && *s != '+' ? strtod(s, &end) : NAN;
    if (end == s)
        end = NULL; /* no number */
    int percent = end && *end == '%';
    if (percent)
        end++;
    while (end && *end == ' ')
        end++;
    if (!end || *end || !isfinite(v) || v < 0 || (percent && v > 100) ||
        (!percent && v != floor(v))) {
        snprintf(why, cap, "max_deletes must be a number of records (50) or a share of the synced records "
                           "from 0%% to 100%% (10%%), not '%s'", text ? text : "");
        return -1;
    }
    m->limit = v;
    m->percent = percent;
    return 0;
}

int sl_maxdeletes_exceeded(const sl_maxdeletes *m, int64_t deletes, int64_t synced)
{
    if (deletes <= 0)
        return 0;
    if (!m->percent)
        return (double)deletes > m->limit;
    return (double)deletes * 100.0 > m->limit * (double)(synced > 0 ? synced : 0);
}
