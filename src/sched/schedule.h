/*
 * schedule.h: when a pipeline runs and what a run may take: the pipeline
 * keys schedule / every / timezone / after / timeout / retries / catchup,
 * declared in one option table, validated with file:line:col messages, and
 * the dependency graph `after:` draws between pipelines.
 *
 *   schedule: "0 6 * * 1-5"     # cron (cron.h), or
 *   every: 15m                  # fixed interval, aligned to the Unix epoch
 *   timezone: Europe/Berlin     # the cron's wall clock (default UTC)
 *   after: [crm_accounts]       # runs once every upstream succeeded
 *   timeout: 30m                # cancel the run (status timeout)
 *   retries: {attempts: 3, backoff: 1m}   # backoff doubles per attempt
 *   catchup: false              # after downtime: one run now (true: each slot)
 *
 * The project owns each pipeline's sl_schedule (pipeline->schedule).
 */
#ifndef SL_SCHEDULE_H
#define SL_SCHEDULE_H
#include "config/diag.h"
#include "config/options.h"
#include "sched/cron.h"
#include <libfyaml.h>

typedef struct sl_schedule {
    /* as written (the option table fills these) */
    char *cron_text;
    char *timezone;
    int64_t every_s;
    sl_strlist after;
    int64_t timeout_s; /* 0 = none */
    sl_kvlist retries;
    int catchup;
    /* derived */
    int has_cron;
    sl_cron cron;
    sl_tz *tz;               /* never NULL once loaded (UTC by default) */
    int retry_attempts;      /* extra attempts after a failure (0 = none) */
    int64_t retry_backoff_s; /* wait before the first retry; doubles */
} sl_schedule;

/* Pipeline keys handled here (NULL-terminated), and a test for one. */
extern const char *const sl_schedule_keys[];
/* The schedule keys' help lines, as `sluice help pipeline` prints them. */
void sl_schedule_help(sl_buf *out);
int sl_schedule_is_key(const char *k);

/* Read the schedule keys of a pipeline's root mapping (others are the
 * caller's). Returns a schedule (caller frees with sl_schedule_free), even
 * on errors, which go to d. */
sl_schedule *sl_schedule_load(struct fy_node *root, const char *file, sl_diags *d);
void sl_schedule_free(sl_schedule *s);

/* Does the pipeline fire on its own (cron or every)? */
int sl_schedule_timed(const sl_schedule *s);
/* The first fire time strictly after `after` (Unix seconds), -1 if none. */
int64_t sl_schedule_next(const sl_schedule *s, int64_t after);
/* The latest fire time <= `at`, found from `since` on; -1 if none in (since, at]. */
int64_t sl_schedule_prev(const sl_schedule *s, int64_t since, int64_t at);
/* "0 6 * * 1-5 (Europe/Berlin)", "every 15m", "after a, b", or "manual". */
void sl_schedule_describe(const sl_schedule *s, char *out, size_t len);

/* Parse an expression given on the command line: cron text, @macro or
 * "every 15m"; on error a message that quotes the expression with a caret
 * under the bad field. */
int sl_schedule_parse_expr(const char *expr, const char *tz, sl_schedule *out, char *msg, size_t len);
/* Release what sl_schedule_parse_expr filled in (not the struct itself). */
void sl_schedule_free_fields(sl_schedule *s);

#endif
