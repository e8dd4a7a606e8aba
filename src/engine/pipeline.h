/*
 * pipeline.h: running one pipeline.
 *
 *   source thread:    source.next -> typing            -> queue 1
 *   transform thread: transforms in order (+ flush)    -> queue 2
 *   sink thread:      per sink: skip committed rows, write;
 *                     DLQ (idempotent); commit every sink; account
 *
 * Batches come from a fixed pool, so memory is bounded by the pool size
 * whatever the input size, and a slow sink holds back the reader.
 *
 * The run belongs to an epoch (state.h). The source resumes each input
 * from the lowest position the sinks committed (from the start of the
 * epoch when a stateful transform is in the chain), and each sink skips
 * rows before its own position: fan-out stays exactly once per sink.
 * Order at commit: DLQ rows first (idempotent), then each sink's data and
 * position. Every row read ends up loaded, filtered or rejected.
 *
 * Checks (engine/checks.h): the in-stream ones on the transform thread
 * after the transforms (quarantined rows become rejects of the batch); at
 * the end, after the max_rejected gate and before any sink finishes, the
 * stream aggregates and (for a first SQL sink that publishes at the end)
 * the warehouse checks on the staged rows: a failing error check with
 * on_fail: fail discards what the sinks that publish at the end staged and
 * fails the run (write-audit-publish; the checkpoint does not move). The
 * warehouse checks of a sink that commits each batch run after finish.
 * Results are stored under the run id. Profiles (quality/profile.h): the
 * rows the first SQL or file sink loaded, fed on the sink thread.
 */
#ifndef SL_PIPELINE_H
#define SL_PIPELINE_H
#include "config/project.h"
#include "engine/component.h"
#include "engine/run.h"
#include "state/state.h"

typedef struct sl_run_options {
    int full_refresh;  /* rebuild every sink from the whole source: incremental
                        * state (new_files, cursors) ignored, warehouse tables
                        * replaced at the end in one transaction whatever their
                        * mode, http sinks send every row; a new epoch unless
                        * the open one is an interrupted full refresh */
    int restart;       /* abandon an open epoch instead of resuming it */
    int full_resync;   /* reverse ETL: send every row, changed or not */
    int allow_deletes; /* reverse ETL: mirror may delete more than max_deletes (this run only) */
    int dry_run;       /* read and transform, but send and write nothing: sinks
                        * that can (http) report what they would do */
    int progress;      /* draw a progress bar on stderr */
    _Atomic int *cancel; /* set to stop (signals) */
    double timeout_s;    /* > 0: cancel the run after this long (status timeout) */
    const char *run_id;  /* record the run under this id (one handed out when it was
                          * queued, sl_state_new_run_id), or NULL: a new one */
    struct sl_run_stream stream; /* a stream pipeline's run under serve (engine/run.h); zero: none */
} sl_run_options;

/* One sink's counts in a run result. */
#define SL_RUN_MAX_SINKS 16
typedef struct sl_run_sink {
    char id[64], type[24];
    int ran;              /* opened in this run (a dry run opens only sinks that support it) */
    sl_sink_counts c;
} sl_run_sink;

typedef struct sl_run_result {
    char run_id[40];
    char status[16];   /* success | failed | cancelled | timeout */
    int resumed;
    sl_run_counts counts;
    int64_t stale;     /* loaded rows upsert sinks did not apply (only_if_newer), summed over sinks (run.h) */
    double duration_s;
    char error[2048];
    char report[4096]; /* --dry-run: what the sinks would have done */
    int full_refresh;  /* the run rebuilt its sinks (--full-refresh, or resuming an interrupted one) */
    size_t nsinks;     /* sinks[]: the first SL_RUN_MAX_SINKS of the pipeline */
    sl_run_sink sinks[SL_RUN_MAX_SINKS];
    char plan[16384];  /* --dry-run: the plan as a JSON object (source and its
                        * inputs, transforms, sinks with counts and requests), or "" */
    int checks_failed; /* the run failed because a check refused its rows (engine/checks.h) */
    char checks[8192]; /* the run's check results as a JSON array ([] without checks;
                        * cut to [] when they would not fit): check, kind, column,
                        * status, severity, observed, threshold, failures, rows, message */
    char checks_text[2048]; /* one line per check that did not pass, or "" */
} sl_run_result;

/* Runs the pipeline; returns 0 on success, -1 when the run failed
 * (details in res and err). */
int sl_pipeline_run(sl_project *proj, sl_pipeline *pl, sl_state *state, const sl_run_options *opts,
                    sl_run_result *res, sl_error *err);

#endif
