/*
 * monitor.h: automatic monitors (docs/QUALITY.md "Monitors"). With no
 * configuration, every pipeline and model is watched for
 *   volume         rows loaded per run (pipelines) / rows in the table (models)
 *   rejected_rate  rejected / read per run (pipelines)
 *   null_rate      per column, from the run's profile (quality/profile.h)
 *   schema         columns added, widened or dropped since the last run
 *   freshness      time since the last successful load, against
 *                  `freshness: {warn_after, error_after}`, else the
 *                  pipeline's schedule (stale once the second fire time
 *                  after the last success is an hour past: 2 x the
 *                  interval + 1 h for `every:`), else no threshold (status
 *                  "manual", never alerted: a pipeline run by hand has no
 *                  expected age; docs/quality/monitors.md)
 * Each value is a point of a series in the state store
 * (state/quality_store.h), judged by quality/anomaly.h with its band kept
 * beside it; anomalies, stale nodes and schema changes are incidents
 * (sched/incidents.h), alerted once until they clear.
 *
 * Configuration, in sluice.yml (project default), a pipeline file, or a
 * model's config (`monitors:` in properties or config trees):
 *   monitors: false                       # all off
 *   monitors: {volume: false, null_rate: {sensitivity: 5}, freshness: {error_after: 2d},
 *              sensitivity: 4, min_history: 10, window: 28, seasonality: weekly}
 */
#ifndef SL_QUALITY_MONITOR_H
#define SL_QUALITY_MONITOR_H
#include "config/diag.h"
#include "core/error.h"
#include "quality/anomaly.h"
#include "quality/profile.h"
#include "state/state.h"

struct fy_node;
struct sl_alerter;
struct sl_project;

enum { SL_MON_VOLUME, SL_MON_REJECTED_RATE, SL_MON_NULL_RATE, SL_MON_SCHEMA, SL_MON_FRESHNESS, SL_MON_N };

typedef struct sl_monitor_config {
    int set;                          /* 1 when the YAML gave monitors: (else inherit) */
    int enabled[SL_MON_N];            /* default 1 each */
    sl_anomaly_config anomaly[SL_MON_N]; /* per monitor; zeros = defaults */
    int64_t warn_after_s, error_after_s; /* freshness: 0 = from the schedule */
} sl_monitor_config;

/* "volume", "rejected_rate", "null_rate", "schema", "freshness" ("" out of range). */
const char *sl_monitor_name(int m);
/* Defaults: everything on. */
void sl_monitor_config_defaults(sl_monitor_config *c);
/* Parse `monitors:` (false | true | mapping) into c; diagnostics at
 * file:line:col with suggestions. Returns diagnostics added. */
int sl_monitor_config_load(struct fy_node *v, const char *file, sl_monitor_config *c, sl_diags *d);
/* c if set, else parent (the project default). */
const sl_monitor_config *sl_monitor_config_pick(const sl_monitor_config *c, const sl_monitor_config *parent);

/* What one finished run or build of a node gives the monitors. */
typedef struct sl_monitor_run {
    const char *node;          /* unique id */
    const char *run_id;
    int64_t at;                /* Unix seconds, end of the run */
    const char *status;        /* success | failed | ... (only successful runs add volume points) */
    int64_t rows_read, rows_loaded, rows_rejected; /* pipelines; models: rows_loaded = rows in the table, others -1 */
    const sl_profile *profile; /* this run's profile; NULL: read from the state store (run_id's) */
    const char *const *schema_changes; /* "column\tchange" lines of this run; NULL: read from the state store */
    size_t nschema_changes;
} sl_monitor_run;

/* Add the run's points, judge them, and report incidents. */
int sl_monitor_after_run(sl_state *s, struct sl_alerter *al, const sl_monitor_config *c, const sl_monitor_run *r,
                         sl_error *err);
/* Freshness of every pipeline and model of the project at `now` (Unix
 * seconds): points and incidents. `sluice serve` calls it every minute,
 * `sluice monitors` once. */
int sl_monitor_freshness(sl_state *s, struct sl_alerter *al, const struct sl_project *p, int64_t now,
                         sl_error *err);

#endif
