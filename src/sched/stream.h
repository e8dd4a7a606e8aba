/*
 * stream.h: the continuous runtime of `sluice serve` for stream pipelines
 * (a webhook or segment source: sl_source_plugin.ingest != NULL). See
 * docs/events/continuous.md.
 *
 * A stream pipeline runs as one *lane* per group of sinks: every
 * warehouse sink (sqlite, postgres) is in the lane "warehouse", every
 * other sink is a lane of its own (named by its id), and a sink's `lane:`
 * key puts it in the lane it names. A lane is the pipeline with only its
 * sinks (and its own instances of the transforms), recorded under the
 * pipeline's name when it has one lane, else `<pipeline>@<lane>`: its own
 * epochs, positions, lock, history, DLQ and alerts. Each lane is a thread
 * running a chain of ordinary runs (sched/runner.h: log tail, alerts on
 * failure and recovery), each continuous until the next multiple of
 * `record_every` (one history record per window); a failed run is tried
 * again after 1 s, doubling up to 60 s, while the other lanes go on.
 *
 * Besides the lanes, one ticker thread (only while the project has a
 * stream pipeline), every second: appends a tick to
 * each stream spool (the stream's clock: it ends micro-batches and drives
 * milestones' `inactive` rules), releases in each spool what every lane
 * has committed (the start of each lane's current run: everything before
 * it is committed by all the lane's sinks), and raises an incident (one
 * alert) when a lane is behind by more than `max_lag` of event time,
 * closed when it catches up.
 */
#ifndef SL_SCHED_STREAM_H
#define SL_SCHED_STREAM_H
#include "config/project.h"
#include "core/util.h"
#include "engine/pipeline.h"
#include "sched/alerts.h"
#include "stream/ingest.h"

/* Whether pl is a stream pipeline (its source has an ingest kind). */
int sl_stream_pipeline(const sl_pipeline *pl);

/* The lanes of a stream pipeline: how many (>= 1), and lane i's key
 * ("warehouse", a sink id, or a `lane:` value; static in pl). */
size_t sl_stream_lane_count(const sl_pipeline *pl);
const char *sl_stream_lane_key(const sl_pipeline *pl, size_t i);
/* The name lane i is recorded under: the pipeline's with one lane, else
 * "<pipeline>@<lane>" (caller frees). */
char *sl_stream_lane_name(const sl_pipeline *pl, size_t i);
/* Lane i as a pipeline of its own: pl loaded again from its file under
 * the lane's name, keeping only the lane's sinks (sl_pipeline_free it).
 * NULL with err set when the file no longer loads. */
sl_pipeline *sl_stream_lane_load(sl_project *p, const sl_pipeline *pl, size_t i, sl_error *err);

typedef struct sl_stream_runner sl_stream_runner;

/* Start the lanes of every stream pipeline of the project in dir (loaded
 * here again: the runner keeps its own copies), and the ticker. p is the
 * caller's copy of the same project (only read here, not kept): when it
 * has no stream pipeline the runner costs nothing (no second load, no
 * ticker thread, no state store connection). ingest gives the spools
 * (NULL: no ticks, no release). Never NULL. */
sl_stream_runner *sl_stream_runner_start(const char *dir, const sl_project *p, sl_ingest_set *ingest);
/* Stop cleanly: every lane's run ends successfully at its next batch
 * boundary (no "cancelled" record); a run still busy after 15 s (a sink
 * retrying) is cancelled. r stays valid (no lanes) for threads that may
 * still call sl_stream_runner_json/_metrics (the HTTP thread) until
 * sl_stream_runner_free. NULL: nothing. */
void sl_stream_runner_stop(sl_stream_runner *r);
/* Stop (if not yet) and free r; no other thread may use it any more. */
void sl_stream_runner_free(sl_stream_runner *r);
/* After a reload, np being the caller's copy of the new project: restart
 * the lanes of the stream pipelines whose file changed, start new ones,
 * stop removed ones. A project without stream pipelines is not loaded a
 * second time: every lane and the ticker stop. */
void sl_stream_runner_reload(sl_stream_runner *r, const sl_project *np);
/* For /api/v1/pipelines: 1 when `pipeline` is run by r, with
 * ,"mode":"continuous","lanes":[...] appended to out (each lane: name,
 * status, run_id, live counters, lag). */
int sl_stream_runner_json(sl_stream_runner *r, const char *pipeline, sl_buf *out);
/* /metrics: sluice_stream_events_received_total, sluice_stream_rows_total,
 * sluice_stream_lag_seconds, sluice_spool_bytes. */
void sl_stream_runner_metrics(sl_stream_runner *r, sl_buf *out);

#endif
