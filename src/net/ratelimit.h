/*
 * ratelimit.h: a token bucket shared by every process of a project that
 * talks to one API.
 *
 * A bucket is a small file, .sluice/ratelimit/<group>, holding the tokens
 * left, when they were counted and a "not before" time; every access takes
 * an exclusive flock, so the pipelines of a project that name the same
 * rate_limit_group (or, by default, talk to the same host) draw on one
 * quota, whether they run in one process or several. A 429 or 503 with
 * Retry-After, or X-RateLimit-Remaining: 0 with X-RateLimit-Reset, moves
 * "not before" for all of them.
 */
#ifndef SL_RATELIMIT_H
#define SL_RATELIMIT_H
#include "core/error.h"

typedef struct sl_ratelimit {
    int fd;
    double rate;  /* tokens per second; 0 = no rate, only "not before" */
    double burst; /* bucket size */
} sl_ratelimit;

/* Open (creating) the bucket of `group` under dir. */
int sl_ratelimit_open(sl_ratelimit *rl, const char *dir, const char *group, double rate, double burst, sl_error *err);
void sl_ratelimit_close(sl_ratelimit *rl);
/* Take a token now if one is there (1), else 0 and *wait = seconds until
 * one will be. */
int sl_ratelimit_try(sl_ratelimit *rl, double *wait);
/* No request before `until` (seconds since the epoch, wall clock). */
void sl_ratelimit_defer(sl_ratelimit *rl, double until);
/* Wall-clock seconds since the epoch, as the buckets count. */
double sl_ratelimit_now(void);

#endif
