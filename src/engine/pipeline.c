/* pipeline.c: running one pipeline on three threads. See pipeline.h. */
#include "engine/pipeline.h"
#include "core/failpoint.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/queue.h"
#include "engine/checks.h"
#include "engine/gate.h"
#include "engine/plan.h"
#include "engine/progress.h"
#include "engine/project.h"
#include "engine/router.h"
#include "engine/run.h"
#include "engine/typing.h"
#include "expr/expr.h"
#include "quality/profile.h"
#include "state/quality_store.h"
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define POOL_SIZE 8
#define QUEUE_DEPTH 3

typedef struct engine {
    sl_run run;                  /* first: resume_at() gets the engine back from it */
    sl_pipeline *pl;
    const sl_run_options *opts;
    sl_queue pool, q1, q2;
    sl_batch *batches[POOL_SIZE];
    int stateful;
    sl_typing typing;
    sl_run_counts counts;        /* sink thread */
    uint8_t *rejected;
    size_t rejected_cap;
    size_t *from;                /* per sink: first row to write, or SKIP_BATCH */
    size_t from_cap;
    sl_gate gate;                /* max_rejected */
    pthread_mutex_t err_lock;
    int failed;
    sl_error err;
    sl_log_tail *log_tail;       /* the caller's log capture, shared by the stage threads */
    /* --dry-run's plan: the inputs read and their rows (sink thread) */
    char **inputs;
    int64_t *input_rows;
    size_t ninputs;
    sl_run_checks *checks;       /* the pipeline's checks: NULL without (engine/checks.h) */
    pthread_mutex_t pos_lock;    /* sinks' commits (which move positions) vs the checks reading them */
    int check_failed;            /* a check stopped the run */
    sl_projection proj;          /* the source columns the pipeline can use (engine/project.h) */
    sl_profiler *prof;           /* profile of what the profiled sink loaded (sink thread); NULL: none */
    size_t prof_sink;            /* that sink: the first SQL or file sink */
    uint8_t *skip;               /* its skipped rows in a batch */
    size_t skip_cap;
    sl_router *router;           /* sinks' where: and select: (engine/router.h); NULL: none */
} engine;

/* In a dry run only the sinks that support it take part. */
static int active(const engine *e, const sl_instance *s)
{
    return !e->run.dry_run || SL_SINK(s)->dry_run;
}

static void stage_fail(engine *e, const sl_error *err)
{
    pthread_mutex_lock(&e->err_lock);
    if (!e->failed) {
        e->failed = 1;
        e->err = *err;
    }
    pthread_mutex_unlock(&e->err_lock);
    atomic_store(&e->run.cancel, 1);
    sl_queue_abort(&e->pool);
    sl_queue_abort(&e->q1);
    sl_queue_abort(&e->q2);
}

/* Where the source resumes input `key`: the lowest committed position
 * over all sinks, or the start when any sink has none (or the chain is
 * stateful and must see the epoch from its start). */
static int resume_at(sl_run *run, const char *key, int64_t size, int64_t mtime, sl_resume *out)
{
    _Static_assert(offsetof(engine, run) == 0, "the run must be the engine's first member");
    engine *e = (engine *)run;
    *out = (sl_resume){0, 0};
    if (e->stateful)
        return 0;
    sl_resume best = {INT64_MAX, 0};
    for (size_t i = 0; i < e->pl->nsinks; i++) {
        sl_instance *s = &e->pl->sinks[i];
        if (!active(e, s))
            continue;
        sl_resume p;
        int found = 0;
        sl_error err;
        if (SL_SINK(s)->position(s, key, &p, &found, &err) < 0 || !found)
            return 0;
        if (p.offset < best.offset)
            best = p;
    }
    if (best.offset != INT64_MAX && best.offset > 0) {
        *out = best;
        if (size >= 0)
            sl_log_info("%s: resuming %s at byte %lld (line %lld)", run->pipeline->name, key,
                        (long long)best.offset, (long long)best.line);
        else
            sl_log_info("%s: resuming %s after row %lld", run->pipeline->name, key, (long long)best.offset);
    }
    return 0;
}

static void *source_main(void *arg)
{
    engine *e = arg;
    sl_log_capture(e->log_tail);
    sl_instance *src = &e->pl->source;
    sl_error err = {0};
    sl_batch *b;
    while ((b = sl_queue_pop(&e->pool)) != NULL) {
        sl_batch_clear(b);
        int rc = SL_SOURCE(src)->next(src, b, &err);
        if (rc <= 0) {
            sl_queue_push(&e->pool, b);
            if (rc < 0) {
                sl_error_prefix(&err, "source %s", src->id);
                stage_fail(e, &err);
            }
            break;
        }
        if (sl_typing_apply(&e->typing, b, &e->run, &err) < 0) {
            stage_fail(e, &err);
            break;
        }
        atomic_fetch_add(&e->run.bytes_read, b->bytes);
        if (sl_queue_push(&e->q1, b) < 0)
            break;
    }
    sl_queue_close(&e->q1);
    return NULL;
}

static int run_transforms(engine *e, sl_batch *b, size_t from, sl_error *err)
{
    for (size_t i = from; i < e->pl->ntransforms; i++) {
        sl_instance *t = &e->pl->transforms[i];
        if (SL_TRANSFORM(t)->process(t, b, err) < 0)
            return -1;
    }
    return 0;
}

static int64_t committed_everywhere(void *ctx, const char *file);

/* The in-stream checks on b (rows the run loads: those every sink
 * committed before are not this run's). */
static int check_batch(engine *e, sl_batch *b, sl_error *err)
{
    if (!e->checks)
        return 0;
    /* a new epoch has no positions from before this run; a resumed one
     * reads them while the sink thread commits (an http sink's map moves) */
    int64_t done_at = 0;
    if (b->file && e->run.resumed) {
        pthread_mutex_lock(&e->pos_lock);
        done_at = committed_everywhere(e, b->file);
        pthread_mutex_unlock(&e->pos_lock);
    }
    size_t from = 0;
    while (from < b->nrows && b->offset[from] < done_at)
        from++;
    if (sl_run_checks_batch(e->checks, b, from, err) < 0) {
        e->check_failed = 1;
        return -1;
    }
    return 0;
}

static void *transform_main(void *arg)
{
    engine *e = arg;
    sl_log_capture(e->log_tail);
    sl_error err = {0};
    sl_batch *b;
    while ((b = sl_queue_pop(&e->q1)) != NULL) {
        if (run_transforms(e, b, 0, &err) < 0 || check_batch(e, b, &err) < 0 || sl_router_eval(e->router, b, &err) < 0) {
            stage_fail(e, &err);
            sl_queue_close(&e->q2);
            return NULL;
        }
        sl_batch_render_times(b); /* off the sink thread, the critical one */
        if (sl_queue_push(&e->q2, b) < 0)
            break;
    }
    /* end of input: blocking transforms release what they hold */
    for (size_t i = 0; i < e->pl->ntransforms && !atomic_load(&e->run.cancel); i++) {
        sl_instance *t = &e->pl->transforms[i];
        if (!SL_TRANSFORM(t)->flush)
            continue;
        for (;;) {
            b = sl_queue_pop(&e->pool);
            if (!b)
                break;
            sl_batch_clear(b);
            int rc = SL_TRANSFORM(t)->flush(t, b, &err);
            if (rc <= 0) {
                sl_queue_push(&e->pool, b);
                if (rc < 0)
                    stage_fail(e, &err);
                break;
            }
            if (run_transforms(e, b, i + 1, &err) < 0 || check_batch(e, b, &err) < 0 ||
                sl_router_eval(e->router, b, &err) < 0) {
                stage_fail(e, &err);
                break;
            }
            sl_batch_render_times(b);
            if (sl_queue_push(&e->q2, b) < 0)
                break;
        }
    }
    sl_queue_close(&e->q2);
    return NULL;
}

/* Where sink s has committed input `file`: found = 0 when it has not. */
static int committed_pos(sl_instance *s, const char *file, sl_resume *p)
{
    int found = 0;
    sl_error err;
    if (!file || SL_SINK(s)->position(s, file, p, &found, &err) < 0)
        return 0;
    return found;
}

/* The offset before which every active sink has committed input `file`:
 * its rows were loaded everywhere by an earlier run of the epoch. */
static int64_t committed_everywhere(void *ctx, const char *file)
{
    engine *e = ctx;
    int64_t low = INT64_MAX;
    size_t n = 0;
    for (size_t i = 0; i < e->pl->nsinks; i++) {
        sl_instance *s = &e->pl->sinks[i];
        sl_resume p;
        if (!active(e, s))
            continue;
        if (!committed_pos(s, file, &p))
            return 0;
        if (p.offset < low)
            low = p.offset;
        n++;
    }
    return n ? low : 0;
}

/* What sink s does with b: SKIP_BATCH when b lies wholly before its
 * committed position (a resumed run re-reads rows for a lagging sink or a
 * stateful transform: the sink neither writes nor commits, so its position
 * never moves back), else the first row at or after that position. */
#define SKIP_BATCH SIZE_MAX
static size_t first_new_row(sl_instance *s, const sl_batch *b)
{
    sl_resume p;
    if (!committed_pos(s, b->file, &p))
        return 0;
    if (b->end_offset <= p.offset)
        return SKIP_BATCH;
    size_t r = 0;
    while (r < b->nrows && b->offset[r] < p.offset)
        r++;
    return r;
}

/* Add a committed batch to the run's counts. Rows every sink had already
 * committed (re-read by a resumed run) were counted by the run that loaded
 * them: `done` rows of b and `done_rejects` of its rejects lie before every
 * sink's position. A batch of rows released by a blocking transform (nread
 * 0) read them earlier: its skipped rows leave the held count instead. */
static void count_batch(engine *e, const sl_batch *b, int stale, size_t done, size_t done_rejects, size_t pre,
                        size_t sink_rejected, size_t routed_out)
{
    sl_run_counts *c = &e->counts;
    c->bytes += b->bytes;
    if (e->run.dry_run && b->file && b->nread > 0) {
        size_t i = 0;
        while (i < e->ninputs && strcmp(e->inputs[i], b->file) != 0)
            i++;
        if (i == e->ninputs) {
            e->inputs = sl_realloc(e->inputs, (e->ninputs + 1) * sizeof *e->inputs);
            e->input_rows = sl_realloc(e->input_rows, (e->ninputs + 1) * sizeof *e->input_rows);
            e->inputs[i] = sl_strdup(b->file);
            e->input_rows[e->ninputs++] = 0;
        }
        e->input_rows[i] += b->nread;
    }
    if (stale && b->nread > 0)
        return;
    /* derived rows (a transform's, not read) among those every sink had */
    size_t done_derived = 0;
    for (size_t r = 0; b->nderived && r < done; r++)
        done_derived += sl_batch_row_derived(b, r);
    c->derived += b->nderived - (int64_t)done_derived;
    if (b->nread > 0) {
        c->read += b->nread - (int64_t)(done - done_derived + done_rejects);
        c->filtered += b->nfiltered;
    } else {
        c->filtered += b->nfiltered + (int64_t)(done - done_derived + done_rejects);
    }
    /* rows no sink's where: took are filtered (engine/route.h) */
    c->filtered += (int64_t)routed_out;
    c->loaded += (int64_t)(b->nrows - done - sink_rejected - routed_out);
    c->rejected += (int64_t)(pre - done_rejects + sink_rejected);
    /* the live counters are the run's accounting (a resumed run re-reads
     * rows every sink had: not this run's), so they add up as the record will */
    atomic_store(&e->run.rows_read, c->read);
    atomic_store(&e->run.rows_loaded, c->loaded);
    atomic_store(&e->run.rows_filtered, c->filtered);
    atomic_store(&e->run.rows_rejected, c->rejected);
}

/* Sink i's part of batch b: write its rows, then (the DLQ first: it is
 * idempotent, so a crash before the data commit only means the same
 * entries are offered again; then the max_rejected gate: the batch that
 * crosses it is not committed by this sink) commit them with its position.
 * pre: b's rejects before any sink wrote; *dlq_done: how many of b's
 * rejects are in the DLQ already (moved on). */
static int sink_write_commit(engine *e, size_t i, sl_batch *b, size_t pre, size_t *dlq_done, int stale,
                             size_t done_rejects, sl_error *err)
{
    sl_pipeline *pl = e->pl;
    sl_instance *s = &pl->sinks[i];
    size_t before = b->nrejects;
    if (s->route ? sl_router_write(e->router, i, b, e->from[i], e->rejected, err) < 0
                 : SL_SINK(s)->write(s, b, e->from[i], e->rejected, err) < 0)
        return sl_error_prefix(err, "sink %s", s->id);
    if (pl->on_error_fail && b->nrejects > before) {
        const sl_reject *r = &b->rejects[before];
        return sl_error_set(err, SL_EDATA, "%s line %lld: %s: %s", b->file ? b->file : "input", (long long)r->line,
                            r->stage, r->reason);
    }
    if (!e->run.dry_run && *dlq_done < b->nrejects &&
        sl_state_dlq_add(e->run.state, pl->name, e->run.run_id, e->run.epoch, b->file, b->rejects + *dlq_done,
                         b->nrejects - *dlq_done, err) < 0)
        return -1;
    *dlq_done = b->nrejects;
    size_t sink_rejected = 0;
    for (size_t r = 0; r < b->nrows; r++)
        sink_rejected += e->rejected[r];
    int64_t batch_rejected = stale && b->nread > 0 ? 0 : (int64_t)(pre - done_rejects + sink_rejected);
    if (batch_rejected && sl_gate_check(&e->gate, 0, e->counts.rejected + batch_rejected, 0, err) < 0)
        return -1;
    pthread_mutex_lock(&e->pos_lock);
    int rc = SL_SINK(s)->commit(s, s->route ? sl_router_slot_of(e->router, i)->copy : b, err);
    pthread_mutex_unlock(&e->pos_lock);
    return rc < 0 ? sl_error_prefix(err, "sink %s", s->id) : 0;
}

/* The profiler is done with a batch it profiled in place: back to the
 * pool (on the profiler's thread; an aborted pool keeps it in
 * e->batches, freed at the end). */
static void profiled(void *ctx, sl_batch *b)
{
    engine *e = ctx;
    sl_queue_push(&e->pool, b);
}

/* *held: b went to the profiler, which returns it to the pool itself. */
static int sink_batch(engine *e, sl_batch *b, int *held, sl_error *err)
{
    sl_pipeline *pl = e->pl;
    if (pl->on_error_fail && b->nrejects) {
        const sl_reject *r = &b->rejects[0];
        return sl_error_set(err, SL_EDATA, "%s line %lld (byte %lld): %s: %s", b->file ? b->file : "input",
                            (long long)r->line, (long long)r->offset, r->stage, r->reason);
    }
    size_t pre = b->nrejects;
    /* rows before `done_at` are in every sink already */
    int64_t done_at = b->file ? committed_everywhere(e, b->file) : 0;
    int stale = b->file && done_at > 0 && b->end_offset <= done_at;
    size_t done = 0, done_rejects = 0;
    while (done < b->nrows && b->offset[done] < done_at)
        done++;
    for (size_t i = 0; i < pre; i++)
        done_rejects += b->rejects[i].offset < done_at;
    SL_GROW(e->rejected, e->rejected_cap, b->nrows + 1);
    memset(e->rejected, 0, b->nrows);
    SL_GROW(e->from, e->from_cap, pl->nsinks + 1);
    size_t dlq_done = 0; /* rejects of b already in the DLQ */
    for (size_t i = 0; i < pl->nsinks; i++) {
        sl_instance *s = &pl->sinks[i];
        e->from[i] = active(e, s) ? first_new_row(s, b) : SKIP_BATCH;
        if (!active(e, s) && s->route) {
            /* a dry run's plan: the rows its where takes */
            const uint8_t *m = sl_router_keep(e->router, i, b);
            for (size_t r = 0; r < b->nrows; r++)
                sl_router_slot_of(e->router, i)->rows += !m || m[r];
        }
        if (e->from[i] == SKIP_BATCH)
            continue;
        /* each sink writes and commits in turn: two sinks on one SQLite
         * file would otherwise wait for each other's write lock (the first
         * holds it from its write to its commit) */
        if (sink_write_commit(e, i, b, pre, &dlq_done, stale, done_rejects, err) < 0)
            return -1;
    }
    size_t routed_out = sl_router_filtered(e->router, b, done);
    size_t sink_rejected = 0;
    for (size_t r = 0; r < b->nrows; r++)
        sink_rejected += e->rejected[r];
    /* the source's and transforms' rejects of a batch no sink commits
     * (every sink had it) go to the DLQ too (idempotent) */
    if (!e->run.dry_run && dlq_done < b->nrejects &&
        sl_state_dlq_add(e->run.state, pl->name, e->run.run_id, e->run.epoch, b->file, b->rejects + dlq_done,
                         b->nrejects - dlq_done, err) < 0)
        return -1;
    count_batch(e, b, stale, done, done_rejects, pre, sink_rejected, routed_out);
    if (e->prof && e->from[e->prof_sink] != SKIP_BATCH && pl->sinks[e->prof_sink].route) {
        /* a routed sink: what its copy held */
        const sl_router_slot *sl = sl_router_slot_of(e->router, e->prof_sink);
        SL_GROW(e->skip, e->skip_cap, sl->copy->nrows + 1);
        for (size_t r = 0; r < sl->copy->nrows; r++)
            e->skip[r] = r < sl->from || e->rejected[sl->rowmap[r]];
        sl_profiler_add(e->prof, sl->copy, e->skip);
    } else if (e->prof && e->from[e->prof_sink] != SKIP_BATCH) {
        /* what the profiled sink loaded: not its rows before its position, nor rejected ones */
        SL_GROW(e->skip, e->skip_cap, b->nrows + 1);
        for (size_t r = 0; r < b->nrows; r++)
            e->skip[r] = r < e->from[e->prof_sink] || e->rejected[r];
        *held = 1;
        sl_profiler_add_async(e->prof, b, e->skip, profiled, e); /* in place: no copy */
    }
    /* the run's record follows every commit: a killed run's record keeps
     * the rows it committed (a resumed run does not count them again), to
     * within the batch whose commit the kill interrupted */
    if (!e->run.dry_run)
        sl_state_run_progress(e->run.state, e->run.run_id, &e->counts, err);
    return 0;
}

static void *sink_main(void *arg)
{
    engine *e = arg;
    sl_log_capture(e->log_tail);
    sl_error err = {0};
    sl_batch *b;
    while ((b = sl_queue_pop(&e->q2)) != NULL) {
        int held = 0;
        if (sink_batch(e, b, &held, &err) < 0) {
            for (size_t i = 0; i < e->pl->nsinks; i++)
                if (SL_SINK(&e->pl->sinks[i])->rollback && e->pl->sinks[i].state)
                    SL_SINK(&e->pl->sinks[i])->rollback(&e->pl->sinks[i]);
            stage_fail(e, &err);
            if (!held)
                sl_queue_push(&e->pool, b);
            break;
        }
        if (!held)
            sl_queue_push(&e->pool, b);
    }
    return NULL;
}

static int take_lock(sl_project *proj, const char *pipeline, int *fd, sl_error *err)
{
    char *dir = sl_printf("%s/.sluice", proj->dir);
    mkdir(dir, 0755);
    char *path = sl_printf("%s/%s.lock", dir, pipeline);
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    int rc = 0;
    if (*fd < 0)
        rc = sl_error_set(err, SL_EIO, "%s: %s", path, strerror(errno));
    else if (flock(*fd, LOCK_EX | LOCK_NB) < 0)
        rc = sl_error_set(err, SL_EBUSY, "pipeline %s is already running (lock %s)", pipeline, path);
    sl_free(path);
    sl_free(dir);
    return rc;
}

static void close_all(engine *e, size_t nsinks, size_t ntransforms, int source_open)
{
    sl_pipeline *pl = e->pl;
    for (size_t i = 0; i < nsinks; i++)
        if (SL_SINK(&pl->sinks[i])->close && pl->sinks[i].state)
            SL_SINK(&pl->sinks[i])->close(&pl->sinks[i]);
    for (size_t i = 0; i < ntransforms; i++)
        if (SL_TRANSFORM(&pl->transforms[i])->close)
            SL_TRANSFORM(&pl->transforms[i])->close(&pl->transforms[i]);
    if (source_open && SL_SOURCE(&pl->source)->close)
        SL_SOURCE(&pl->source)->close(&pl->source);
}

/* The state store's mark of an epoch opened by a full refresh: a
 * checkpoint of the pseudo sink FULL_REFRESH_OWNER. A run that resumes
 * such an epoch is a full refresh too, whatever its flags: its sinks hold
 * staged rows that only a refresh publishes. */
#define FULL_REFRESH_OWNER "(run)"
#define FULL_REFRESH_KEY "full_refresh"
/* The same pseudo sink marks an epoch whose staged rows a check refused
 * (write-audit-publish): every sink dropped what it staged, so the next
 * run starts a new epoch (the source's records of what it read in this
 * one describe rows no sink holds). */
#define DISCARDED_KEY "discarded"

static void marked_fn(void *ctx, const char *key, const char *value)
{
    int *m = ctx;
    if (value && strcmp(value, "1") == 0) {
        if (strcmp(key, FULL_REFRESH_KEY) == 0)
            m[0] = 1;
        else if (strcmp(key, DISCARDED_KEY) == 0)
            m[1] = 1;
    }
}

/* marked[0]: the epoch is a full refresh's; marked[1]: a check discarded it. */
static int full_refresh_marked(sl_state *state, const char *pipeline, int64_t epoch, int marked[2], sl_error *err)
{
    marked[0] = marked[1] = 0;
    return sl_state_checkpoint_each(state, pipeline, FULL_REFRESH_OWNER, epoch, marked_fn, marked, err);
}

/* How the run starts: *restart = 1 to open a new epoch; *full_refresh = 1
 * when the run rebuilds its sinks. A --full-refresh abandons an open
 * epoch of ordinary runs (its rows are replaced anyway; resuming it would
 * take its positions for the rebuild's); an open epoch of an interrupted
 * full refresh is resumed as one, by any run without --restart. */
static int plan_epoch(sl_state *state, const sl_pipeline *pl, const sl_run_options *opts, int *restart,
                      int *full_refresh, sl_error *err)
{
    *restart = opts->restart;
    *full_refresh = opts->full_refresh;
    if (opts->restart || opts->dry_run)
        return 0;
    int64_t open = 0;
    int marks[2] = {0, 0};
    if (sl_state_open_epoch(state, pl->name, &open, err) < 0)
        return -1;
    if (!open)
        return 0;
    if (full_refresh_marked(state, pl->name, open, marks, err) < 0)
        return -1;
    if (marks[1]) {
        sl_log_info("%s: a check refused the previous run's rows: loading into a new epoch", pl->name);
        *restart = 1;
    } else if (marks[0]) {
        if (!opts->full_refresh)
            sl_log_info("%s: the interrupted run was a full refresh: resuming it (sinks are rebuilt; "
                        "`sluice run %s --restart` abandons it)", pl->name, pl->name);
        *full_refresh = 1;
    } else if (opts->full_refresh) {
        sl_log_info("%s: --full-refresh: the unfinished run's epoch is abandoned, its rows are replaced", pl->name);
        *restart = 1;
    }
    return 0;
}

/* The sink whose table the warehouse checks read: the first one that can
 * be audited (a SQL sink); NULL when none. */
static sl_instance *audit_sink(engine *e)
{
    for (size_t i = 0; i < e->pl->nsinks; i++) {
        sl_instance *s = &e->pl->sinks[i];
        if (active(e, s) && s->state && SL_SINK(s)->audit)
            return s;
    }
    return NULL;
}

/* Rows sink s took in this run (row_count_match against the source), -1 unknown. */
static int64_t sink_rows(sl_instance *s)
{
    if (!s || !SL_SINK(s)->counts)
        return -1;
    sl_sink_counts c = {0};
    SL_SINK(s)->counts(s, &c, NULL);
    return c.created + c.updated + c.unchanged;
}

/* A check refused the run: what the sinks that publish at the end staged
 * goes (readers keep the previous data; the next run redoes the epoch). */
static void discard_staged(engine *e, size_t nsinks)
{
    size_t kept = 0;
    for (size_t i = 0; i < nsinks; i++) {
        sl_instance *s = &e->pl->sinks[i];
        const sl_sink_plugin *sp = SL_SINK(s);
        if (!active(e, s) || !s->state || !sp->publishes_at_end || !sp->publishes_at_end(s)) {
            kept += active(e, s);
            continue;
        }
        sl_error derr = {0};
        if (sp->discard && sp->discard(s, &derr) < 0)
            sl_log_warn("%s: sink %s: discarding the staged rows: %s", e->pl->name, s->id, derr.msg);
        else if (!sp->discard && sp->rollback)
            sp->rollback(s);
    }
    /* nothing of the epoch is kept anywhere: the next run starts a new one
     * (a sink that committed each batch keeps the epoch: it resumes) */
    sl_error merr = {0};
    if (!kept && nsinks == e->pl->nsinks && e->run.run_id[0] && !e->run.dry_run &&
        sl_state_checkpoint_put(e->run.state, e->pl->name, FULL_REFRESH_OWNER, e->run.epoch, DISCARDED_KEY, "1",
                                &merr) < 0)
        sl_log_warn("%s: marking the refused epoch: %s", e->pl->name, merr.msg);
}

/* The run's check results (stored, and summed up in res) and its profile. */
static void finish_quality(engine *e, sl_run_result *res, const char *node, int rc)
{
    sl_run *run = &e->run;
    snprintf(res->checks, sizeof res->checks, "[]");
    res->checks_failed = e->check_failed;
    sl_error qerr = {0};
    if (e->checks) {
        if (e->check_failed)
            sl_run_checks_end(e->checks, &e->counts, -1, 1); /* a row check stopped the stream */
        if (run->run_id[0] && sl_run_checks_store(e->checks, run->state, run->run_id, &qerr) < 0)
            sl_log_warn("%s: storing check results: %s", e->pl->name, qerr.msg);
        sl_run_checks_summary(e->checks, res->checks, sizeof res->checks, res->checks_text, sizeof res->checks_text);
    }
    if (e->prof && rc == 0 && run->run_id[0] && node) {
        sl_profile p = {0};
        sl_profiler_result(e->prof, &p);
        if (p.ncols && sl_state_profile_add(run->state, run->run_id, node, &p, &qerr) < 0)
            sl_log_warn("%s: storing the profile: %s", e->pl->name, qerr.msg);
        sl_profile_release(&p);
    }
}

/* The sinks' routes: their where expressions (in the run's engine) and
 * their copies. */
/* Projection pushdown (engine/project.h): the columns the source needs to
 * read, logged at debug level. */
static const sl_projection *pushdown(engine *e)
{
    char why[256];
    sl_projection_pipeline(e->pl, &e->proj, why, sizeof why);
    sl_buf d;
    sl_buf_init(&d);
    sl_projection_describe(&e->proj, why, &d);
    sl_log_debug("%s: source %s reads columns: %s", e->pl->name, e->pl->source.id, d.data ? d.data : "");
    if (e->proj.fcol)
        sl_log_debug("%s: source %s checks the filter on '%s' as it reads (filter pushdown)", e->pl->name,
                     e->pl->source.id, e->proj.fcol);
    sl_buf_release(&d);
    return &e->proj;
}

/* Each sink's counts into the result (before the sinks close); in a dry
 * run also the plan (engine/plan.h). */
static void collect_sinks(engine *e, sl_run_result *res)
{
    sl_pipeline *pl = e->pl;
    sl_buf plan, req;
    sl_buf_init(&plan);
    sl_buf_init(&req);
    res->nsinks = pl->nsinks < SL_RUN_MAX_SINKS ? pl->nsinks : SL_RUN_MAX_SINKS;
    for (size_t i = 0; i < pl->nsinks; i++) {
        sl_instance *s = &pl->sinks[i];
        sl_sink_counts c = {0};
        int ran = active(e, s) && s->state;
        sl_buf_reset(&req);
        if (ran && SL_SINK(s)->counts)
            SL_SINK(s)->counts(s, &c, &req);
        if (i < SL_RUN_MAX_SINKS) {
            sl_run_sink *rs = &res->sinks[i];
            snprintf(rs->id, sizeof rs->id, "%s", s->id);
            snprintf(rs->type, sizeof rs->type, "%s", s->type);
            rs->ran = ran;
            rs->c = c;
        }
        if (e->run.dry_run)
            sl_plan_add_sink(&plan, i, s,
                             s->route && e->router ? sl_router_slot_of(e->router, i)->rows : e->counts.loaded, ran, &c,
                             &req);
    }
    if (e->run.dry_run)
        sl_plan_render(pl, e->inputs, e->input_rows, e->ninputs, e->run.full_refresh, &plan, res->plan,
                       sizeof res->plan);
    sl_buf_release(&plan);
    sl_buf_release(&req);
}

int sl_pipeline_run(sl_project *proj, sl_pipeline *pl, sl_state *state, const sl_run_options *opts,
                    sl_run_result *res, sl_error *err)
{
    memset(res, 0, sizeof *res);
    int lockfd = -1;
    if (take_lock(proj, pl->name, &lockfd, err) < 0) {
        if (lockfd >= 0)
            close(lockfd);
        snprintf(res->status, sizeof res->status, "failed");
        snprintf(res->error, sizeof res->error, "%s", err->msg);
        return -1;
    }
    engine *e = sl_calloc(1, sizeof *e);
    sl_run *run = &e->run;
    e->pl = pl;
    e->log_tail = sl_log_capture_current();
    e->opts = opts;
    pthread_mutex_init(&e->err_lock, NULL);
    pthread_mutex_init(&e->pos_lock, NULL);
    pthread_mutex_init(&run->lock, NULL);
    run->project = proj;
    run->pipeline = pl;
    run->state = state;
    run->full_resync = opts->full_resync;
    run->allow_deletes = opts->allow_deletes;
    run->dry_run = opts->dry_run;
    run->stream = opts->stream;
    sl_buf_init(&run->report);
    double t0 = sl_mono_s();
    size_t nsinks = 0, ntransforms = 0;
    int source_open = 0, rc = -1, restart = 0;
    char *node = NULL;

    if (plan_epoch(state, pl, opts, &restart, &run->full_refresh, err) < 0)
        goto fail;
    if (run->dry_run) {
        /* nothing recorded: no run, no epoch (epoch 0 matches no position) */
        run->epoch = 0;
    } else if (snprintf(run->run_id, sizeof run->run_id, "%s", opts->run_id ? opts->run_id : ""),
               sl_state_run_begin(state, pl->name, restart, run->run_id, &run->epoch, &run->resumed, err) < 0) {
        run->run_id[0] = 0; /* no run was recorded: nothing to end */
        goto fail;
    }
    /* marked before any sink stages a row: a crash from here on resumes
     * the refresh (a crash before leaves an epoch with nothing in it) */
    if (run->full_refresh && !run->dry_run && !run->resumed &&
        sl_state_checkpoint_put(state, pl->name, FULL_REFRESH_OWNER, run->epoch, FULL_REFRESH_KEY, "1", err) < 0)
        goto fail;
    res->full_refresh = run->full_refresh;
    snprintf(res->run_id, sizeof res->run_id, "%s", run->run_id);
    res->resumed = run->resumed;
    if (run->resumed)
        sl_log_info("%s: resuming the unfinished run of epoch %lld", pl->name, (long long)run->epoch);
    run->expr = sl_expr_engine_new(err);
    if (!run->expr)
        goto fail;
    e->router = sl_router_open(pl, run->expr, e->batches, POOL_SIZE);
    node = sl_printf("pipeline.%s.%s", proj->name ? proj->name : "", pl->name);
    if (!run->dry_run && sl_run_checks_open(run, node, &e->checks, err) < 0)
        goto fail;
    for (size_t i = 0; i < pl->ntransforms; i++)
        e->stateful |= SL_TRANSFORM(&pl->transforms[i])->stateful;
    for (; nsinks < pl->nsinks; nsinks++) {
        sl_instance *s = &pl->sinks[nsinks];
        s->run = run;
        s->state = NULL;
        if (!active(e, s))
            continue;
        if (SL_SINK(s)->open(s, run, err) < 0) {
            sl_error_prefix(err, "sink %s", s->id);
            nsinks++;
            goto fail;
        }
    }
    if (sl_gate_init(&e->gate, run, committed_everywhere, e, err) < 0)
        goto fail;
    if (pl->profile && !run->dry_run) {
        /* the first SQL or file sink's rows (an http sink's are not a table) */
        for (e->prof_sink = 0; e->prof_sink < pl->nsinks; e->prof_sink++)
            if (strcmp(pl->sinks[e->prof_sink].type, "http") != 0)
                break;
        if (e->prof_sink < pl->nsinks)
            e->prof = sl_profiler_new();
    }
    for (; ntransforms < pl->ntransforms; ntransforms++) {
        sl_instance *t = &pl->transforms[ntransforms];
        t->run = run;
        if (SL_TRANSFORM(t)->open && SL_TRANSFORM(t)->open(t, run, err) < 0) {
            sl_error_prefix(err, "transform %s", t->id);
            ntransforms++;
            goto fail;
        }
    }
    pl->source.run = run;
    pl->source.projection = pushdown(e);
    source_open = 1;
    if (SL_SOURCE(&pl->source)->open(&pl->source, run, resume_at, err) < 0) {
        sl_error_prefix(err, "source %s", pl->source.id);
        goto fail;
    }
    run->total_bytes = SL_SOURCE(&pl->source)->total_bytes ? SL_SOURCE(&pl->source)->total_bytes(&pl->source) : -1;
    sl_typing_init(&e->typing, (const sl_source_common *)pl->source.opts);

    sl_queue_init(&e->pool, POOL_SIZE);
    sl_queue_init(&e->q1, QUEUE_DEPTH);
    sl_queue_init(&e->q2, QUEUE_DEPTH);
    for (int i = 0; i < POOL_SIZE; i++) {
        e->batches[i] = sl_batch_new();
        sl_queue_push(&e->pool, e->batches[i]);
    }
    pthread_t ts, tt, tk;
    pthread_create(&ts, NULL, source_main, e);
    pthread_create(&tt, NULL, transform_main, e);
    pthread_create(&tk, NULL, sink_main, e);
    sl_progress progress;
    sl_progress_init(&progress, pl->name, opts->progress);
    /* the main thread watches: cancellation and the progress bar; it wakes
     * as soon as the sink thread ends (a 100 ms poll added up to 100 ms to
     * every run) */
    int sink_joined = 0;
    for (;;) {
        struct timespec deadline = sl_deadline_in(0.1);
        if (pthread_timedjoin_np(tk, NULL, &deadline) == 0) {
            sink_joined = 1;
            break;
        }
        if (opts->cancel && atomic_load(opts->cancel)) {
            sl_error cerr;
            sl_error_set(&cerr, SL_ECANCELLED, "interrupted");
            stage_fail(e, &cerr);
            break;
        }
        if (opts->timeout_s > 0 && sl_mono_s() - t0 > opts->timeout_s) {
            sl_error cerr;
            sl_error_set(&cerr, SL_ETIMEOUT, "timed out after %.0fs (timeout: in the pipeline)", opts->timeout_s);
            stage_fail(e, &cerr);
            break;
        }
        sl_progress_draw(&progress, run, 0);
    }
    pthread_join(ts, NULL);
    pthread_join(tt, NULL);
    if (!sink_joined)
        pthread_join(tk, NULL);
    sl_profiler_wait(e->prof); /* it may still read (and hand back) batches */
    sl_progress_draw(&progress, run, 1);
    for (int i = 0; i < POOL_SIZE; i++)
        sl_batch_free(e->batches[i]);
    sl_queue_release(&e->pool);
    sl_queue_release(&e->q1);
    sl_queue_release(&e->q2);
    sl_typing_release(&e->typing);
    if (e->failed) {
        *err = e->err;
        goto fail;
    }
    /* the gate on the whole input, before anything is published */
    if (sl_gate_check(&e->gate, e->counts.read, e->counts.rejected, 1, err) < 0)
        goto fail;
    /* write-audit-publish: the checks decide before any sink publishes */
    sl_instance *audited = NULL;
    int staged = 0;
    if (e->checks) {
        audited = audit_sink(e);
        staged = audited && SL_SINK(audited)->publishes_at_end && SL_SINK(audited)->publishes_at_end(audited);
        sl_run_checks_end(e->checks, &e->counts, sink_rows(audited), 0);
        if (sl_run_checks_has_warehouse(e->checks) && (staged || !audited))
            sl_run_checks_audit(e->checks, audited, 1, err);
        if (sl_run_checks_blocking(e->checks, err)) {
            e->check_failed = 1;
            goto fail;
        }
        if (sl_failpoint("run.after_audit")) {
            sl_error_set(err, SL_EIO, "failpoint run.after_audit");
            goto fail;
        }
    }
    /* publish: sinks first, then what the source must remember */
    for (size_t i = 0; i < pl->nsinks; i++) {
        sl_instance *s = &pl->sinks[i];
        if (!active(e, s))
            continue;
        if (SL_SINK(s)->finish && SL_SINK(s)->finish(s, err) < 0) {
            sl_error_prefix(err, "sink %s", s->id);
            goto fail;
        }
    }
    /* a sink that committed each batch: its table is checked as published */
    if (e->checks && audited && !staged && sl_run_checks_has_warehouse(e->checks)) {
        sl_run_checks_audit(e->checks, audited, 0, err);
        if (sl_run_checks_blocking(e->checks, err)) {
            e->check_failed = 1;
            goto fail;
        }
    }
    for (size_t i = 0; i < pl->ntransforms && !run->dry_run; i++) {
        sl_instance *t = &pl->transforms[i];
        if (SL_TRANSFORM(t)->done && SL_TRANSFORM(t)->done(t, run, err) < 0) {
            sl_error_prefix(err, "transform %s", t->id);
            goto fail;
        }
    }
    if (!run->dry_run && SL_SOURCE(&pl->source)->done && SL_SOURCE(&pl->source)->done(&pl->source, run, err) < 0)
        goto fail;
    if (sl_failpoint("run.after_source_done")) {
        sl_error_set(err, SL_EIO, "failpoint run.after_source_done");
        goto fail;
    }
    rc = 0;
    snprintf(res->status, sizeof res->status, "success");
    goto out;
fail:
    if (e->check_failed)
        discard_staged(e, nsinks);
    snprintf(res->status, sizeof res->status, "%s",
             err->code == SL_ECANCELLED ? "cancelled" : err->code == SL_ETIMEOUT ? "timeout" : "failed");
    snprintf(res->error, sizeof res->error, "%s", err->msg);
    sl_log_redact(res->error);
out:
    for (size_t i = 0; i < run->nschema_changes; i++) {
        char *tab = strchr(run->schema_changes[i], '\t');
        *tab = 0;
        if (!run->dry_run)
            sl_state_schema_change(state, pl->name, run->run_id, run->schema_changes[i], tab + 1, NULL);
        sl_free(run->schema_changes[i]);
    }
    sl_free(run->schema_changes);
    finish_quality(e, res, node, rc);
    collect_sinks(e, res);
    close_all(e, nsinks, ntransforms, source_open);
    e->counts.ranges = atomic_load(&run->ranges);
    e->counts.range_workers = atomic_load(&run->range_workers);
    res->counts = e->counts;
    res->stale = atomic_load(&run->rows_stale);
    res->duration_s = sl_mono_s() - t0;
    if (run->run_id[0] && sl_state_run_end(state, run->run_id, pl->name, res->status[0] ? res->status : "failed",
                                           rc == 0 ? NULL : res->error, &e->counts, rc == 0 ? err : NULL) < 0)
        rc = -1;
    if (run->dry_run) {
        snprintf(res->run_id, sizeof res->run_id, "dry-run");
        snprintf(res->report, sizeof res->report, "%s", run->report.data ? run->report.data : "");
        sl_log_redact(res->report);
    }
    sl_buf_release(&run->report);
    pl->source.projection = NULL;
    sl_projection_release(&e->proj);
    sl_run_checks_free(e->checks); /* its expressions first: they live in the engine */
    sl_router_free(e->router);
    sl_profiler_free(e->prof);
    sl_free(e->skip);
    sl_free(node);
    sl_expr_engine_free(run->expr);
    sl_free(e->rejected);
    sl_free(e->from);
    for (size_t i = 0; i < e->ninputs; i++)
        sl_free(e->inputs[i]);
    sl_free(e->inputs);
    sl_free(e->input_rows);
    pthread_mutex_destroy(&run->lock);
    pthread_mutex_destroy(&e->err_lock);
    pthread_mutex_destroy(&e->pos_lock);
    sl_free(e);
    close(lockfd);
    return rc;
}
