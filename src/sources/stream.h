/*
 * stream.h: the reading side shared by the stream sources (webhook,
 * segment): their spool (stream/spool.h) read as micro-batches.
 *
 * Under `sluice serve` a stream pipeline runs continuously as a chain of
 * bounded runs (sched/stream.c): each run reads from where the previous
 * one ended, cuts a micro-batch at a tick record, after batch_rows
 * events, or when it has caught up with the spool and its oldest event
 * waited commit_interval / 10 (latency when the stream is quiet), and
 * ends (end of input, a normal successful run) when run->stream.until
 * passes or run->stream.stop is set. Outside serve (`sluice run`), a run
 * reads what the spool holds and ends.
 *
 * Positions: every row's offset is its event's spool offset, and b->file
 * is the key "spool", so sinks commit spool offsets with their data
 * (exactly once into SQL sinks, as with files). Where a new epoch starts
 * is the source's own record (a checkpoint of owner "(source)", key
 * "spool", written by done() when the run committed everything); a
 * resumed epoch resumes at the lowest sink position as usual.
 *
 * A tick record (SL_SPOOL_TICK) is no row: it ends its batch, and the
 * batch carries its time (b->clock_us) for the transforms that keep time
 * (milestones' `inactive` rules).
 */
#ifndef SL_STREAM_SOURCE_H
#define SL_STREAM_SOURCE_H
#include "engine/component.h"
#include "engine/run.h"
#include "stream/spool.h"

/* The options every stream source has, after its sl_source_common. */
typedef struct sl_stream_opts {
    char *commit_interval;  /* "1s", "250ms", "2.5s": sl_stream_interval() reads it */
    int64_t batch_rows;     /* default 10000 */
    int64_t spool_max_mb;   /* default 1024: 503 past it */
    int64_t retain;         /* seconds a consumed segment is kept (dedupe windows, replays); default 24 h */
    char *listen;           /* HOST:PORT of a listener of its own, or NULL: serve's */
} sl_stream_opts;

/* commit_interval in seconds (0.01 .. 3600), or -1 when it is not a duration. */
double sl_stream_interval(const sl_stream_opts *o);
/* The stream options' semantic check (commit_interval, batch_rows, listen), for a source's check(). */
int sl_stream_check(sl_instance *in, const sl_stream_opts *o, sl_diags *d);

/* The option table entries of sl_stream_opts at offsetof(T, F). */
#define SL_STREAM_OPTIONS(T, F)                                                                          \
    {"commit_interval", SL_OPT_STRING, "1s", 0, offsetof(T, F.commit_interval), NULL,                  \
     "longest time an event waits before its micro-batch is committed (250ms, 1s, 2.5s)"},                                 \
    {"batch_rows", SL_OPT_INT, "2000", 0, offsetof(T, F.batch_rows), NULL,                                \
     "most events in one micro-batch"},                                                                  \
    {"spool_max_mb", SL_OPT_INT, "1024", 0, offsetof(T, F.spool_max_mb), NULL,                           \
     "most megabytes the spool holds that some sink has not committed: past it requests get 503 with "   \
     "Retry-After"},                                                                                     \
    {"retain", SL_OPT_DURATION, "24h", 0, offsetof(T, F.retain), NULL,                                   \
     "how long events every sink committed stay in the spool (deduplication windows are rebuilt "       \
     "from it at start)"},                                                                               \
    {"listen", SL_OPT_STRING, NULL, 0, offsetof(T, F.listen), NULL,                                      \
     "HOST:PORT of a listener for this source only (default: the one of sluice serve)"}

/* Turn one event record into one row of b, added with
 * sl_batch_add_row(b, rec->offset, line), or reject it with
 * sl_batch_reject_raw(b, rec->offset, line, "source", reason, rec->data,
 * rec->len). line is the event's ordinal in the run (1-based), for the DLQ. */
typedef int (*sl_stream_row_fn)(void *ctx, const sl_spool_rec *rec, int64_t line, sl_batch *b, sl_error *err);

/* The driver's state; a stream source's state struct starts with it (the
 * driver's callbacks cast in->state to it). */
typedef struct sl_stream_source {
    const sl_stream_opts *o;
    sl_stream_row_fn row;
    void *ctx;
    struct sl_stream_impl *impl; /* private to stream.c */
} sl_stream_source;

/* open: st (= in->state, set by the caller before) reads the pipeline's
 * spool from the run's position. */
int sl_stream_open(sl_instance *in, sl_stream_source *st, sl_run *run, sl_resume_fn resume, sl_error *err);
int sl_stream_next(sl_instance *in, sl_batch *b, sl_error *err);
int sl_stream_done(sl_instance *in, sl_run *run, sl_error *err);
void sl_stream_close(sl_instance *in);

/* The spool directory of a pipeline: <project>/.sluice/spool/<pipeline> (caller frees). */
char *sl_stream_spool_dir(const sl_project *p, const char *pipeline);

#endif
