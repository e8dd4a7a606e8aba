/*
 * tz.h: IANA time zones, for schedules: UTC instants <-> local wall-clock
 * time. A thin layer over GLib's GTimeZone, which reads the system's zone
 * files (tzdata); sluice only adds how a wall-clock time that a DST change
 * skipped or repeated maps to an instant (sl_tz_resolve).
 *
 * Times are int64 seconds: "instants" since the Unix epoch (UTC), "wall"
 * values are the local broken-down time encoded the same way (as if the
 * zone were UTC), so calendar arithmetic on them is timegm/gmtime_r.
 */
#ifndef SL_TZ_H
#define SL_TZ_H
#include <stdint.h>

typedef struct sl_tz sl_tz;

/* "UTC", "Europe/Berlin", ...; NULL if the zone is unknown. */
sl_tz *sl_tz_open(const char *name);
void sl_tz_free(sl_tz *tz);
const char *sl_tz_name(const sl_tz *tz);

/* Seconds east of UTC in force at an instant. */
int32_t sl_tz_offset(const sl_tz *tz, int64_t instant);
/* The wall-clock time at an instant. */
int64_t sl_tz_wall(const sl_tz *tz, int64_t instant);

/* The instants showing wall-clock time `wall`: returns 1 (one instant),
 * 2 (a repeated hour: *instant is the first occurrence) or 0 (skipped by a
 * DST change: *instant is the first instant after the gap). */
int sl_tz_resolve(const sl_tz *tz, int64_t wall, int64_t *instant);

/* RFC 3339 local time with offset ("2026-03-29T03:00:00+02:00"). */
void sl_tz_format(const sl_tz *tz, int64_t instant, char out[40]);

#endif
