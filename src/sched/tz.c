/* tz.c: see tz.h. GTimeZone answers "which offset at this instant"; the
 * gap and overlap rules of sl_tz_resolve are ours. */
#include "sched/tz.h"
#include "core/mem.h"
#include "core/types.h"
#include <glib.h>
#include <stdio.h>
#include <string.h>

struct sl_tz {
    GTimeZone *gtz;
    char *name;
};

sl_tz *sl_tz_open(const char *name)
{
    GTimeZone *g = NULL;
    if (!name || !*name || strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0)
        g = g_time_zone_new_utc();
    else
        g = g_time_zone_new_identifier(name); /* NULL when tzdata has no such zone */
    if (!g)
        return NULL;
    sl_tz *tz = sl_calloc(1, sizeof *tz);
    tz->gtz = g;
    tz->name = sl_strdup(name && *name ? name : "UTC");
    return tz;
}

void sl_tz_free(sl_tz *tz)
{
    if (!tz)
        return;
    g_time_zone_unref(tz->gtz);
    sl_free(tz->name);
    sl_free(tz);
}

const char *sl_tz_name(const sl_tz *tz)
{
    return tz->name;
}

int32_t sl_tz_offset(const sl_tz *tz, int64_t instant)
{
    int iv = g_time_zone_find_interval(tz->gtz, G_TIME_TYPE_UNIVERSAL, instant);
    return iv < 0 ? 0 : g_time_zone_get_offset(tz->gtz, iv);
}

int64_t sl_tz_wall(const sl_tz *tz, int64_t instant)
{
    return instant + sl_tz_offset(tz, instant);
}

/* The offsets a day before and a day after bracket any single transition
 * near `wall` (zones change at most twice a year, never twice in two days). */
int sl_tz_resolve(const sl_tz *tz, int64_t wall, int64_t *instant)
{
    int32_t before = sl_tz_offset(tz, wall - 86400), after = sl_tz_offset(tz, wall + 86400);
    int64_t a = wall - before, b = wall - after;
    int a_ok = sl_tz_wall(tz, a) == wall, b_ok = sl_tz_wall(tz, b) == wall;
    if (a_ok && b_ok && a != b) {
        *instant = a < b ? a : b;
        return 2;
    }
    if (a_ok || b_ok) {
        *instant = a_ok ? a : b;
        return 1;
    }
    /* a gap: clocks jumped from `before` to `after` (after > before), so
     * b < transition <= a; find the first instant with the new offset */
    int64_t lo = b < a ? b : a, hi = b < a ? a : b;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (sl_tz_offset(tz, mid) == after)
            hi = mid;
        else
            lo = mid + 1;
    }
    *instant = lo;
    return 0;
}

void sl_tz_format(const sl_tz *tz, int64_t instant, char out[40])
{
    int32_t off = sl_tz_offset(tz, instant);
    size_t n = sl_format_timestamp(out, (instant + off) * 1000000); /* the wall clock, "...Z" */
    if (off == 0 && strcmp(tz->name, "UTC") == 0)
        return;
    int a = off < 0 ? -off : off;
    snprintf(out + n - 1, 40 - (n - 1), "%c%02d:%02d", off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
}
