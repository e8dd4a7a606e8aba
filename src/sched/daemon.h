/*
 * daemon.h: `sluice serve`: the scheduler, its run threads, and the HTTP
 * API (api.c) with /metrics (metrics.c), in one process.
 *
 * The scheduler thread (the caller of sl_daemon_run) wakes at the next
 * fire time (at least once a second) and:
 *   - holds the project's scheduler lease in the state store (one holder
 *     at a time; a standby daemon takes it over once the holder stops
 *     renewing it, i.e. died); only the holder schedules;
 *   - claims each due slot of each timed pipeline in the state store
 *     (INSERT ... ON CONFLICT DO NOTHING: one winner per slot), so two
 *     daemons never run the same slot, even while a lease changes hands;
 *   - after downtime runs once now (catchup: false) or each missed slot
 *     oldest first (catchup: true);
 *   - starts a pipeline whose `after:` upstreams all succeeded since it
 *     last ran; never two runs of one pipeline at once; at most
 *     max_concurrent_runs at once (the rest wait, in dependency order).
 * Each run is a job (runner.h) on its own thread with its own state store
 * connection. SIGHUP reloads the project (an invalid one is refused and
 * the old one kept); SIGTERM/SIGINT stop scheduling, give running jobs
 * `drain` seconds, cancel the rest (their current batch rolls back, their
 * checkpoints stay put) and return 0. These signals are blocked in every
 * thread the daemon starts and taken by the scheduler thread between two
 * passes (at least once a second).
 *
 * Threads: a reload loads the new project on the scheduler thread while
 * the previous one may be freed on a run thread or the HTTP thread (its
 * last user): whatever loading and freeing touch beyond the project
 * itself must be thread-safe (config/options.c's location table is).
 */
#ifndef SL_DAEMON_H
#define SL_DAEMON_H
#include "core/util.h"
#include <stdatomic.h>

typedef struct sl_daemon_opts {
    const char *project_dir;
    const char *listen;  /* "127.0.0.1:8686" */
    double drain_s;      /* on SIGTERM: let runs finish this long, then cancel */
    double lease_ttl_s;  /* a lease not renewed for this long is taken over */
    _Atomic int *stop;   /* set by SIGTERM/SIGINT */
    _Atomic int *reload; /* set by SIGHUP */
} sl_daemon_opts;

/* Runs until *stop. 0 on a clean stop; -1 when it could not start (bad
 * project, port taken), with the reason logged. */
int sl_daemon_run(const sl_daemon_opts *o);

/* ---- for api.c and metrics.c (thread-safe) ---- */
typedef struct sl_daemon sl_daemon;
/* GET /api/v1/pipelines */
void sl_daemon_pipelines_json(sl_daemon *d, sl_buf *out);
/* POST .../runs: 0 queued (run_id: the id the run will have in the
 * history), 404 unknown pipeline, 409 already running or queued, 503
 * shutting down. */
int sl_daemon_trigger(sl_daemon *d, const char *pipeline, const char *by, char run_id[40]);
/* GET /api/v1/runs/{id} of a run not yet in the state store: 1 and its
 * JSON ({"run_id", "pipeline", "status": "queued", "started_by"}, or
 * "status": "starting" between its dequeue and its first write) in out, or 0. */
int sl_daemon_queued(sl_daemon *d, const char *run_id, sl_buf *out);
/* The state store connection the API reads from. */
struct sl_state *sl_daemon_state(sl_daemon *d);
/* The stream pipelines' spools and ingest endpoints (stream/ingest.h). */
struct sl_ingest_set *sl_daemon_ingest(sl_daemon *d);
/* 1 once SIGTERM/SIGINT asked the daemon to stop (event requests get 503). */
int sl_daemon_stopping(sl_daemon *d);
/* Append the Prometheus text of the scheduler's own gauges and counters. */
void sl_daemon_metrics(sl_daemon *d, sl_buf *out);
/* Count one HTTP request for sluice_http_requests_total. */
void sl_daemon_count_request(sl_daemon *d, const char *handler, int code);

#endif
