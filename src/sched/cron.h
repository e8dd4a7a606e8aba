/*
 * cron.h: five-field cron expressions, as cron(5) defines them.
 *
 *   minute hour day-of-month month day-of-week
 *
 * Each field is a comma list of `*`, `N`, `N-M`, each with an optional
 * `/STEP` (`N/STEP` means N to the field's end, for weekdays 7: `6/1` is
 * Saturday and Sunday, as `6-7/1`); months and weekdays also
 * by name (jan..dec, sun..sat, case-insensitive); weekday 7 is Sunday.
 * @yearly (@annually), @monthly, @weekly, @daily (@midnight), @hourly.
 * When both day fields are restricted (neither starts with `*`), a day
 * matches when either does, as in cron(5).
 *
 * Fire times are computed on the wall clock of a time zone (tz.h): every
 * matching wall-clock minute fires once; one repeated by a DST change
 * fires at its first occurrence only, and the ones a DST change skipped
 * fire once, at the first instant after the change.
 */
#ifndef SL_CRON_H
#define SL_CRON_H
#include "sched/tz.h"
#include <stddef.h>
#include <stdint.h>

typedef struct sl_cron {
    uint64_t minute;          /* bit n: minute n (0-59) */
    uint32_t hour;            /* 0-23 */
    uint32_t mday;            /* 1-31 */
    uint16_t month;           /* 1-12 */
    uint8_t wday;             /* 0-6, Sunday = 0 */
    int mday_star, wday_star; /* the field starts with '*' */
} sl_cron;

/* Parse expr. On error returns -1 with a message and the 1-based column
 * in expr where the bad field or item starts. */
int sl_cron_parse(const char *expr, sl_cron *out, char *msg, size_t msglen, int *col);

/* The first fire time strictly after instant `after`, in zone tz; -1 if
 * the expression never fires (e.g. "0 0 30 2 *"). */
int64_t sl_cron_next(const sl_cron *c, const sl_tz *tz, int64_t after);

#endif
