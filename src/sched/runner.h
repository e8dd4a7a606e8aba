/*
 * runner.h: one job: a pipeline run as `sluice run` and `sluice serve`
 * both see it. On top of sl_pipeline_run (engine/pipeline.h) a job adds
 *   - the pipeline's timeout: (the run is cancelled, status timeout);
 *   - its retries: (attempts after a failure, the wait doubling);
 *   - the tail of the run's log, kept with the run in the state store;
 *   - alerts: one on the first failure of a streak (after the retries),
 *     one on the recovery, none in between.
 */
#ifndef SL_RUNNER_H
#define SL_RUNNER_H
#include "engine/pipeline.h"
#include "sched/alerts.h"

typedef struct sl_job {
    /* in */
    sl_project *project;
    sl_pipeline *pipeline;
    sl_state *state;     /* shared connection, or NULL: the job opens its own */
    sl_run_options opts; /* timeout_s is taken from the schedule when 0 */
    sl_alerter *alerter; /* may be NULL */
    _Atomic int *stop;   /* non-zero: no further retries (shutdown) */
    const char *trigger; /* what started it: "manual", "api", "schedule <slot>", "upstream" */
    /* out */
    sl_run_result res; /* of the last attempt */
    int attempts;
} sl_job;

/* 0 when the pipeline succeeded (possibly after retries); -1 otherwise,
 * with the last attempt's result in j->res. */
int sl_job_run(sl_job *j);

/* Statuses that count as a failure for alerts ("failed", "timeout", ...). */
int sl_status_failing(const char *status);

#endif
