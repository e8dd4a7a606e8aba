/*
 * quality_store.h: the data-quality records of the state store
 * (docs/QUALITY.md): check results per run, column profiles per run,
 * monitor points with their expected band, and incidents (one open
 * incident per key until it clears, so that alerts go out once).
 *
 * Tables (both backends, statedb_*.c): check_results, profiles,
 * monitor_points, incidents. Node ids are unique ids: model.P.N,
 * pipeline.P.N, seed.P.N, snapshot.P.N, table.P.<schema>.<table> (a
 * monitors/NAME.yml table). Every call holds the store's mutex (state.c).
 *
 * Files: quality_checks.c (check results), quality_profiles.c (profiles),
 * quality_monitors.c (monitor points), quality_incidents.c (incidents).
 */
#ifndef SL_STATE_QUALITY_STORE_H
#define SL_STATE_QUALITY_STORE_H
#include "core/error.h"
#include "core/util.h"
#include "quality/check.h"
#include "quality/profile.h"
#include "state/state.h"
#include <stdint.h>

/* ---- check results (quality_checks.c) ----------------------------------- */

/* Store n results of run_id in one transaction. */
int sl_state_check_results_add(sl_state *s, const char *run_id, const sl_check_result *r, size_t n, sl_error *err);
/* Results as a JSON array of objects {run_id, node, check, kind, column,
 * status, severity, observed, threshold, failures, rows, message, sample
 * (JSON array or null), checked_at, duration_s}, newest first. Filters
 * (NULL = any): run_id; node (a unique id, or the name after its last
 * dot); status. latest = 1: only the latest result of each (node, check). */
int sl_state_check_results_json(sl_state *s, const char *run_id, const char *node, const char *status, int latest,
                                int limit, sl_buf *out, sl_error *err);
/* The results of run_id in the order they were stored: fn once each with
 * the result as a sl_check_result (sample_json borrowed, valid during the
 * call only; has_observed 0 when none; failures and rows -1 when none). */
int sl_state_check_results_each(sl_state *s, const char *run_id, void (*fn)(void *ctx, const sl_check_result *r),
                                void *ctx, sl_error *err);
/* The latest result of each (node, check), for /metrics: fn once per pair. */
typedef struct sl_check_latest {
    const char *node, *check, *kind, *status, *severity;
    int64_t failures;          /* -1 when not row-level */
    double observed;           /* NAN when none */
    int64_t failed_total;      /* results of this (node, check) with status fail or error, all time */
} sl_check_latest;
int sl_state_check_latest_each(sl_state *s, void (*fn)(void *ctx, const sl_check_latest *c), void *ctx,
                               sl_error *err);
/* The checks that failed (status fail or error) in results checked at or
 * after `since` (ISO text, a prefix of checked_at; NULL = all time), per
 * (node, check): how many times and the latest message. fn once per pair,
 * ordered by node and check (strings valid during the call only). For the
 * daily summary. */
int sl_state_check_failures_since(sl_state *s, const char *since,
                                  void (*fn)(void *ctx, const char *node, const char *check, int64_t count,
                                             const char *message),
                                  void *ctx, sl_error *err);

/* ---- profiles (quality_profiles.c) -------------------------------------- */

int sl_state_profile_add(sl_state *s, const char *run_id, const char *node, const sl_profile *p, sl_error *err);
/* Profiles of node (unique id or last-dot name), newest run first, at most
 * `runs` runs (<= 0: all), column NULL = all: JSON array of objects with
 * the fields of sl_column_profile plus run_id and profiled_at. */
int sl_state_profiles_json(sl_state *s, const char *node, const char *column, int runs, sl_buf *out, sl_error *err);
/* The profile of node's latest run (empty when none). */
int sl_state_profile_latest(sl_state *s, const char *node, sl_profile *out, sl_error *err);
/* The same rows as sl_state_profiles_json, one call of fn per column and
 * run (newest run first, columns in their order); the strings and the
 * profile are valid during the call only. (h3: added for `sluice profile`.) */
typedef void (*sl_state_profile_fn)(void *ctx, const char *run_id, const char *node, const char *profiled_at,
                                    const sl_column_profile *c);
int sl_state_profiles_each(sl_state *s, const char *node, const char *column, int runs, sl_state_profile_fn fn,
                           void *ctx, sl_error *err);

/* ---- monitor points (quality_monitors.c) -------------------------------- */

typedef struct sl_monitor_point {
    const char *monitor;       /* "<node>|<metric>[|<column>]" */
    const char *node, *metric, *column; /* metric: volume | freshness | null_rate | rejected_rate | schema | ...; column may be NULL */
    const char *run_id;        /* may be NULL */
    int64_t at;                /* Unix seconds */
    double value;
    int has_band;
    double expected, lower, upper;
    const char *status;        /* training | normal | anomaly */
} sl_monitor_point;
int sl_state_monitor_point_add(sl_state *s, const sl_monitor_point *p, sl_error *err);
/* The last `limit` values of a monitor, oldest first: fn per point
 * (strings valid during the call only). */
int sl_state_monitor_series(sl_state *s, const char *monitor, int limit,
                            void (*fn)(void *ctx, const sl_monitor_point *p), void *ctx, sl_error *err);
/* The latest point of every monitor (node NULL = all): JSON array. */
int sl_state_monitors_json(sl_state *s, const char *node, sl_buf *out, sl_error *err);

/* ---- incidents (quality_incidents.c) ------------------------------------ */

/* Record the state of incident `key` (kind: check_failure | anomaly |
 * freshness | schema_change): failing = 1 opens it when it is not open
 * (*changed = 1: alert now) or counts one more occurrence (*changed = 0);
 * failing = 0 closes an open one (*changed = 1: send the recovery) and
 * does nothing otherwise. */
int sl_state_incident(sl_state *s, const char *key, const char *kind, const char *node, int failing,
                      const char *message, int *changed, sl_error *err);
/* Incidents as a JSON array of objects {key, kind, node, status (open |
 * closed), message, opened_at, updated_at, closed_at, occurrences}, open
 * first then newest (status NULL = any; limit <= 0: all). */
int sl_state_incidents_json(sl_state *s, const char *status, int limit, sl_buf *out, sl_error *err);
/* One incident row (strings valid during the call only; closed_at NULL
 * while open). */
typedef struct sl_incident_row {
    const char *key, *kind, *node, *status, *message, *opened_at, *updated_at, *closed_at;
    int64_t occurrences;
} sl_incident_row;
/* fn per incident of `kind` with `status` updated at or after `since` (ISO
 * text); NULL filters match any. Ordered by node then key. */
int sl_state_incidents_each(sl_state *s, const char *kind, const char *status, const char *since,
                            void (*fn)(void *ctx, const sl_incident_row *r), void *ctx, sl_error *err);

#endif
