/*
 * stream.c: the reading side of the stream sources (webhook, segment):
 * a pipeline's spool (stream/spool.h) read as micro-batches. See
 * sources/stream.h for the contract; docs/events/continuous.md for the
 * whole picture (lanes, windows, the exactly-once argument).
 *
 * Where a run starts: max(the source's own checkpoint, owner "(source)"
 * key "spool" in epoch 0 of the run's pipeline name (a lane's
 * `<pipeline>@<lane>`), which done() writes at the end of every successful
 * run; the engine's resume point (the lowest position every sink committed
 * in a resumed epoch; 0 for a new epoch or a stateful chain)). A resumed
 * epoch starts where its sinks are; a new one where the previous run
 * ended; a stateful chain re-reads its epoch from the epoch's start.
 */
#include "sources/stream.h"
#include "sources/stream_live.h"
#include "core/failpoint.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/util.h"
#include <errno.h>
#include <pthread.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CKPT_OWNER "(source)"
#define CKPT_KEY "spool"
#define POLL_S 0.1 /* the longest a wait lasts before stop and cancel are looked at again */

/* ---- the live registry (stream_live.h) ---- */

typedef struct live_entry {
    char *name;
    sl_run *run; /* NULL when no run of it is open */
    int64_t start, consumed, events_read, last_time_us, first_us;
    int caught_up;
    struct live_entry *next;
} live_entry;

static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static live_entry *live_head;

/* The entry of name (created); live_lock held. */
static live_entry *live_find(const char *name)
{
    for (live_entry *e = live_head; e; e = e->next)
        if (strcmp(e->name, name) == 0)
            return e;
    live_entry *e = sl_calloc(1, sizeof *e);
    e->name = sl_strdup(name);
    e->next = live_head;
    live_head = e;
    return e;
}

int sl_stream_live_get(const char *name, sl_stream_live *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&live_lock);
    live_entry *e = live_head;
    while (e && strcmp(e->name, name) != 0)
        e = e->next;
    if (e) {
        out->open = e->run != NULL;
        if (e->run) {
            out->read = atomic_load(&e->run->rows_read);
            out->loaded = atomic_load(&e->run->rows_loaded);
            out->filtered = atomic_load(&e->run->rows_filtered);
            out->rejected = atomic_load(&e->run->rows_rejected);
        }
        out->start = e->start;
        out->consumed = e->consumed;
        out->events_read = e->events_read;
        out->first_us = e->first_us;
        out->lag_s = e->caught_up || !e->last_time_us ? 0 : (double)(sl_now_us() - e->last_time_us) / 1e6;
        if (out->lag_s < 0)
            out->lag_s = 0;
    }
    pthread_mutex_unlock(&live_lock);
    return e != NULL;
}

/* After a batch (caught_up: 1 the reader found nothing more, 0 events in
 * flight, -1 unchanged). */
static void live_note(sl_run *run, int64_t consumed, int64_t events, int64_t last_time_us, int caught_up)
{
    pthread_mutex_lock(&live_lock);
    live_entry *e = live_find(run->pipeline->name);
    e->consumed = consumed;
    e->events_read += events;
    if (last_time_us)
        e->last_time_us = last_time_us;
    if (caught_up >= 0)
        e->caught_up = caught_up;
    pthread_mutex_unlock(&live_lock);
}

struct sl_stream_impl {
    sl_run *run;
    char *dir;
    sl_spool_reader *reader; /* NULL until the spool directory exists */
    int64_t start;           /* where this run started reading */
    int64_t consumed;        /* end_offset of the last batch handed out (done() records it) */
    int64_t line;            /* events read by this run (the DLQ's line) */
    double interval_s;       /* commit_interval */
    int ended;
    int64_t noted;           /* events counted into the live registry */
    int64_t last_time_us;    /* receipt time of the last event read */
    int seen_first;          /* the run's first event went into the live registry */
};

double sl_stream_interval(const sl_stream_opts *o)
{
    const char *s = o ? o->commit_interval : NULL;
    if (!s || !*s)
        return -1;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !isfinite(v) || *s == '-' || *s == '+')
        return -1;
    double mult;
    if (strcmp(end, "ms") == 0)
        mult = 0.001;
    else if (strcmp(end, "s") == 0)
        mult = 1;
    else if (strcmp(end, "m") == 0)
        mult = 60;
    else if (strcmp(end, "h") == 0)
        mult = 3600;
    else
        return -1;
    v *= mult;
    return v >= 0.01 && v <= 3600 ? v : -1;
}

int sl_stream_check(sl_instance *in, const sl_stream_opts *o, sl_diags *d)
{
    const sl_option *t = SL_SOURCE(in)->options;
    size_t before = d->n;
    if (sl_stream_interval(o) < 0)
        sl_diags_add(d, sl_options_loc(t, in->opts, "commit_interval"),
                     "commit_interval must be a duration from 10ms to 1h (250ms, 1s, 2.5s), not '%s'",
                     o->commit_interval ? o->commit_interval : "");
    if (o->batch_rows < 1 || o->batch_rows > 1000000)
        sl_diags_add(d, sl_options_loc(t, in->opts, "batch_rows"), "batch_rows must be between 1 and 1000000");
    if (o->spool_max_mb < 1 || o->spool_max_mb > 1048576)
        sl_diags_add(d, sl_options_loc(t, in->opts, "spool_max_mb"),
                     "spool_max_mb must be between 1 and 1048576 (1 TiB)");
    if (o->retain < 0)
        sl_diags_add(d, sl_options_loc(t, in->opts, "retain"), "retain must be a duration >= 0 (24h, 30m)");
    if (o->listen) {
        const char *colon = strrchr(o->listen, ':');
        char *end = NULL;
        long port = colon ? strtol(colon + 1, &end, 10) : -1;
        if (!colon || colon == o->listen || !end || *end || port < 1 || port > 65535)
            sl_diags_add(d, sl_options_loc(t, in->opts, "listen"),
                         "listen must be HOST:PORT (127.0.0.1:8081, 0.0.0.0:9000), not '%s'", o->listen);
    }
    return (int)(d->n - before);
}

char *sl_stream_spool_dir(const sl_project *p, const char *pipeline)
{
    /* a lane (`<pipeline>@<lane>`) reads its pipeline's spool */
    const char *at = strchr(pipeline, '@');
    int len = at ? (int)(at - pipeline) : (int)strlen(pipeline);
    return sl_printf("%s/.sluice/spool/%.*s", p->dir, len, pipeline);
}

static void ckpt_fn(void *ctx, const char *key, const char *value)
{
    if (strcmp(key, CKPT_KEY) == 0)
        *(int64_t *)ctx = strtoll(value, NULL, 10);
}

/* The source's record of where `name`'s last run ended (-1: none). */
static int ckpt_of(sl_run *run, const char *name, int64_t *out, sl_error *err)
{
    return sl_state_checkpoint_each(run->state, name, CKPT_OWNER, 0, ckpt_fn, out, err);
}

/* Open the reader once the spool directory exists (0: not yet). */
static int reader_try(struct sl_stream_impl *im, sl_error *err)
{
    if (im->reader)
        return 1;
    struct stat st;
    if (stat(im->dir, &st) != 0)
        return 0;
    int64_t skipped = 0;
    if (sl_spool_reader_open(im->dir, im->consumed, &im->reader, &skipped, err) < 0) {
        im->reader = NULL;
        return -1;
    }
    if (skipped > 0) {
        /* retention deleted what this lane had not read: say so loudly */
        sl_log_warn("%s: the spool no longer holds offsets %lld..%lld (deleted by retention): %lld bytes of "
                    "events skipped",
                    im->run->pipeline->name, (long long)im->consumed, (long long)(im->consumed + skipped),
                    (long long)skipped);
        im->consumed = sl_spool_reader_offset(im->reader);
        im->start = im->consumed;
    }
    return 1;
}

int sl_stream_open(sl_instance *in, sl_stream_source *st, sl_run *run, sl_resume_fn resume, sl_error *err)
{
    struct sl_stream_impl *im = sl_calloc(1, sizeof *im);
    st->impl = im;
    im->run = run;
    im->dir = sl_stream_spool_dir(run->project, run->pipeline->name);
    im->interval_s = sl_stream_interval(st->o);
    if (im->interval_s <= 0)
        im->interval_s = 1;
    int64_t ckpt = -1;
    if (!run->dry_run && ckpt_of(run, run->pipeline->name, &ckpt, err) < 0)
        return -1;
    if (ckpt < 0 && !run->dry_run) {
        /* a lane with no record of its own (the pipeline's sinks were split
         * into lanes, or joined back into one): it starts where the
         * pipeline's previous layout ended, not at the spool's start */
        const char *name = run->pipeline->name, *at = strchr(name, '@');
        char *other = at ? sl_printf("%.*s", (int)(at - name), name) : sl_printf("%s@warehouse", name);
        int rc = ckpt_of(run, other, &ckpt, err);
        if (ckpt >= 0)
            sl_log_info("%s: first run of this lane: starting where %s ended (offset %lld)", name, other,
                        (long long)ckpt);
        sl_free(other);
        if (rc < 0)
            return -1;
    }
    if (ckpt < 0)
        ckpt = 0;
    sl_resume pos = {0, 0};
    if (resume && resume(run, CKPT_KEY, -1, -1, &pos) < 0)
        return sl_error_set(err, SL_EIO, "cannot find where the spool was committed");
    im->start = pos.offset > ckpt ? pos.offset : ckpt;
    im->consumed = im->start;
    pthread_mutex_lock(&live_lock);
    live_entry *le = live_find(run->pipeline->name);
    le->run = run;
    le->start = le->consumed = im->start;
    le->caught_up = 0;
    pthread_mutex_unlock(&live_lock);
    sl_log_debug("%s: reading the spool %s from offset %lld", run->pipeline->name, im->dir, (long long)im->start);
    (void)in;
    return reader_try(im, err) < 0 ? -1 : 0;
}

/* Whether the run should end (continuous: until passed or stop set). */
static int should_end(const sl_run *run)
{
    if (!run->stream.continuous)
        return 0;
    if (run->stream.stop && atomic_load(run->stream.stop))
        return 1;
    return run->stream.until_us > 0 && sl_now_us() >= run->stream.until_us;
}

/* Hand out b (rows or not): it ends at end. */
static int hand_out(struct sl_stream_impl *im, sl_batch *b, int64_t end)
{
    b->end_offset = end;
    b->end_line = im->line;
    b->nread = (int64_t)b->nrows + (int64_t)b->nrejects;
    im->consumed = end;
    live_note(im->run, end, im->line - im->noted, im->last_time_us, b->nrows || b->nrejects ? 0 : -1);
    im->noted = im->line;
    return 1;
}

int sl_stream_next(sl_instance *in, sl_batch *b, sl_error *err)
{
    sl_stream_source *st = in->state;
    struct sl_stream_impl *im = st->impl;
    sl_run *run = im->run;
    b->file = CKPT_KEY;
    b->file_index = 0;
    if (im->ended)
        return 0;
    int64_t end = im->consumed;
    int64_t first_us = 0;   /* when the batch's oldest event arrived (its receipt time) */
    int64_t started_us = 0; /* when this batch got its first event */
    size_t max_rows = st->o->batch_rows > 0 ? (size_t)st->o->batch_rows : 10000;
    for (;;) {
        if (sl_run_cancelled(run))
            return sl_error_set(err, SL_ECANCELLED, "interrupted");
        int have = b->nrows || b->nrejects;
        if (should_end(run)) {
            im->ended = 1;
            return have || end > im->consumed ? hand_out(im, b, end) : 0;
        }
        int r = reader_try(im, err);
        if (r < 0)
            return -1;
        double wait = 0;
        if (run->stream.continuous) {
            wait = POLL_S;
            if (have) {
                /* caught up: the oldest event waits at most commit_interval / 10 more */
                double left = im->interval_s / 10 - (double)(sl_now_us() - first_us) / 1e6;
                if (left < wait)
                    wait = left > 0 ? left : 0;
            }
        }
        sl_spool_rec rec;
        int got = 0;
        if (r > 0) {
            got = sl_spool_read(im->reader, &rec, wait, err);
            if (got < 0)
                return sl_error_prefix(err, "spool %s", im->dir);
        } else if (wait > 0) {
            struct timespec ts = {0, (long)(wait * 1e9)};
            nanosleep(&ts, NULL);
        }
        if (!got) {
            if (!run->stream.continuous) {
                im->ended = 1; /* `sluice run`: what the spool held is read */
                return have || end > im->consumed ? hand_out(im, b, end) : 0;
            }
            if (have && (double)(sl_now_us() - first_us) / 1e6 >= im->interval_s / 10)
                return hand_out(im, b, end);
            if (!have)
                live_note(run, im->consumed, 0, 0, 1); /* caught up: no lag */
            continue;
        }
        end = rec.end;
        if (rec.kind == SL_SPOOL_TICK) {
            b->clock_us = rec.time_us; /* the tick ends the batch, rows or not */
            return hand_out(im, b, end);
        }
        if (rec.kind != SL_SPOOL_EVENT)
            continue; /* a kind this version does not know: not a row */
        sl_failpoint("source.record"); /* sleepMS: a slow reader */
        if (!have) {
            started_us = sl_now_us();
            first_us = started_us < rec.time_us ? started_us : rec.time_us;
        }
        im->line++;
        im->last_time_us = rec.time_us;
        if (!im->seen_first) {
            im->seen_first = 1;
            pthread_mutex_lock(&live_lock);
            live_find(run->pipeline->name)->first_us = rec.time_us;
            pthread_mutex_unlock(&live_lock);
        }
        b->bytes += (int64_t)rec.len;
        if (st->row(st->ctx, &rec, im->line, b, err) < 0)
            return -1;
        if (b->nrows + b->nrejects >= max_rows)
            return hand_out(im, b, end);
        /* a busy stream: cut at commit_interval even without ticks */
        if ((double)(sl_now_us() - started_us) / 1e6 >= im->interval_s)
            return hand_out(im, b, end);
    }
}

int sl_stream_done(sl_instance *in, sl_run *run, sl_error *err)
{
    sl_stream_source *st = in->state;
    struct sl_stream_impl *im = st ? st->impl : NULL;
    if (!im || run->dry_run)
        return 0;
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)im->consumed);
    return sl_state_checkpoint_put(run->state, run->pipeline->name, CKPT_OWNER, 0, CKPT_KEY, v, err);
}

void sl_stream_close(sl_instance *in)
{
    sl_stream_source *st = in->state;
    struct sl_stream_impl *im = st ? st->impl : NULL;
    if (!im)
        return;
    pthread_mutex_lock(&live_lock);
    live_entry *le = live_find(im->run->pipeline->name);
    if (le->run == im->run)
        le->run = NULL;
    pthread_mutex_unlock(&live_lock);
    if (im->reader)
        sl_spool_reader_close(im->reader);
    sl_free(im->dir);
    sl_free(im);
    st->impl = NULL;
}
