/* stream.c: see stream.h. One mutex (r->lock) guards the lane table and
 * each lane's status; the lane threads, the ticker and the HTTP thread
 * (JSON, metrics) take it briefly. */
#include "sched/stream.h"
#include "core/log.h"
#include "core/mem.h"
#include "sched/incidents.h"
#include "sched/runner.h"
#include "sources/stream.h"
#include "sources/stream_live.h"
#include "state/state.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BACKOFF_MIN_S 1
#define BACKOFF_MAX_S 60
#define STOP_GRACE_S 15

/* ---- lanes of a pipeline ------------------------------------------------ */

int sl_stream_pipeline(const sl_pipeline *pl)
{
    return pl && pl->source.plugin && SL_SOURCE(&pl->source)->ingest != NULL;
}

/* The lane key of sink k. */
static const char *sink_lane(const sl_pipeline *pl, size_t k)
{
    if (pl->sink_lanes && pl->sink_lanes[k])
        return pl->sink_lanes[k];
    const char *t = pl->sinks[k].type;
    if (strcmp(t, "sqlite") == 0 || strcmp(t, "postgres") == 0)
        return "warehouse";
    return pl->sinks[k].id;
}

/* The first sink of each lane, in sink order: lane i's key is that sink's. */
static size_t lane_firsts(const sl_pipeline *pl, size_t *firsts)
{
    size_t n = 0;
    for (size_t k = 0; k < pl->nsinks; k++) {
        size_t j = 0;
        while (j < n && strcmp(sink_lane(pl, firsts[j]), sink_lane(pl, k)) != 0)
            j++;
        if (j == n)
            firsts[n++] = k;
    }
    return n;
}

size_t sl_stream_lane_count(const sl_pipeline *pl)
{
    size_t *f = sl_calloc(pl->nsinks + 1, sizeof *f);
    size_t n = lane_firsts(pl, f);
    sl_free(f);
    return n ? n : 1;
}

const char *sl_stream_lane_key(const sl_pipeline *pl, size_t i)
{
    size_t *f = sl_calloc(pl->nsinks + 1, sizeof *f);
    size_t n = lane_firsts(pl, f);
    const char *key = i < n ? sink_lane(pl, f[i]) : "warehouse";
    sl_free(f);
    return key;
}

char *sl_stream_lane_name(const sl_pipeline *pl, size_t i)
{
    if (sl_stream_lane_count(pl) == 1)
        return sl_strdup(pl->name);
    return sl_printf("%s@%s", pl->name, sl_stream_lane_key(pl, i));
}

sl_pipeline *sl_stream_lane_load(sl_project *p, const sl_pipeline *pl, size_t i, sl_error *err)
{
    char *name = sl_stream_lane_name(pl, i);
    const char *key = sl_stream_lane_key(pl, i);
    sl_diags d;
    sl_diags_init(&d);
    sl_pipeline *lp = sl_pipeline_load_as(p, pl, name, &d);
    sl_free(name);
    if (!lp) {
        sl_buf b;
        sl_buf_init(&b);
        sl_diags_format(&d, &b);
        sl_error_set(err, SL_ECONFIG, "%s: %s", pl->file, b.data ? b.data : "does not load");
        sl_buf_release(&b);
        sl_diags_release(&d);
        return NULL;
    }
    sl_diags_release(&d);
    /* keep only the lane's sinks (the keys are compared before any is released) */
    uint8_t *keep = sl_calloc(lp->nsinks + 1, 1);
    for (size_t k = 0; k < lp->nsinks; k++)
        keep[k] = strcmp(sink_lane(lp, k), key) == 0;
    size_t w = 0;
    for (size_t k = 0; k < lp->nsinks; k++) {
        char *lane = lp->sink_lanes ? lp->sink_lanes[k] : NULL;
        if (!keep[k]) {
            sl_instance_release(&lp->sinks[k]);
            sl_free(lane);
            continue;
        }
        lp->sinks[w] = lp->sinks[k];
        if (lp->sink_lanes)
            lp->sink_lanes[w] = lane;
        w++;
    }
    lp->nsinks = w;
    sl_free(keep);
    return lp;
}

/* ---- the runner -------------------------------------------------------- */

/* A project loaded by the runner, shared by the lanes started with it. */
typedef struct sproj {
    sl_project *p;
    sl_alerter *al;
    int refs;
} sproj;

typedef struct lane {
    struct sl_stream_runner *r;
    sproj *sp;
    char *pipeline, *key, *name;
    char *text;            /* the pipeline file as its lanes were started (reload compares) */
    sl_pipeline *pl;       /* the lane's own pipeline */
    pthread_t th;
    _Atomic int stop, cancel;
    /* under r->lock */
    char status[16];       /* running | retrying | stopped */
    char run_id[40], last_status[16], last_error[256];
    int64_t runs, failures;
    sl_run_counts total;   /* finished runs of this process */
    int lag_open;          /* the max_lag incident is open */
    int failing;           /* its last run failed (until one succeeds) */
    int64_t released;      /* last offset released in the spool */
} lane;

struct sl_stream_runner {
    char *dir;
    sl_ingest_set *ingest;
    pthread_mutex_t lock;
    lane **lanes;
    size_t n, cap;
    sproj *cur;
    pthread_t ticker;
    int ticking;
    _Atomic int tstop;
};

/* The whole file as a string ("" when it cannot be read). */
static char *file_text(const char *path)
{
    sl_buf b;
    sl_buf_init(&b);
    FILE *f = fopen(path, "rb");
    char chunk[4096];
    size_t n;
    while (f && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        sl_buf_add(&b, chunk, n);
    if (f)
        fclose(f);
    char *s = sl_strdup(b.data ? b.data : "");
    sl_buf_release(&b);
    return s;
}

static void sproj_release(sl_stream_runner *r, sproj *sp)
{
    pthread_mutex_lock(&r->lock);
    int last = --sp->refs == 0;
    pthread_mutex_unlock(&r->lock);
    if (!last)
        return;
    sl_alerter_stop(sp->al, 10);
    sl_project_free(sp->p);
    sl_free(sp);
}

static sproj *sproj_load(const char *dir)
{
    sl_diags d;
    sl_diags_init(&d);
    sl_project *p = NULL;
    if (sl_project_load(dir, &p, &d) < 0) {
        sl_diags_release(&d);
        return NULL; /* the daemon logged the problems of the same files */
    }
    sl_diags_release(&d);
    sproj *sp = sl_calloc(1, sizeof *sp);
    sp->p = p;
    sp->al = sl_alerter_start(p->alerts, p->name);
    sp->refs = 1;
    return sp;
}

/* How far lane l is behind (r->lock held): the reading lag, or for a lane
 * whose last run failed (and whose current run has committed nothing yet),
 * the age of the first event that run read (not known to be committed). */
static double lane_lag(const lane *l, const sl_stream_live *lv)
{
    double lag = lv->lag_s;
    int progress = lv->open && lv->loaded + lv->filtered + lv->rejected > 0; /* the retry commits */
    if (l->failing && !progress && lv->first_us > 0) {
        double age = (double)(sl_now_us() - lv->first_us) / 1e6;
        if (age > lag)
            lag = age;
    }
    return lag;
}

/* Sleep up to s seconds, waking early when flag is set. */
static void nap(_Atomic int *flag, double s)
{
    double end = sl_mono_s() + s;
    while (!atomic_load(flag) && sl_mono_s() < end) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static void *lane_main(void *arg)
{
    lane *l = arg;
    sl_stream_runner *r = l->r;
    sl_state *st = NULL;
    double backoff = BACKOFF_MIN_S;
    while (!atomic_load(&l->stop)) {
        sl_error err = {0};
        if (!st && sl_state_open_project(l->sp->p, &st, &err) < 0) {
            sl_log_error("%s: state store: %s; trying again in %.0fs", l->name, err.msg, backoff);
            st = NULL;
            nap(&l->stop, backoff);
            backoff = backoff * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S : backoff * 2;
            continue;
        }
        /* the run ends at the next multiple of record_every: one record per window */
        int64_t every = l->pl->record_every_s > 0 ? l->pl->record_every_s : 3600;
        int64_t now = sl_now_us() / 1000000;
        sl_job job = {0};
        job.project = l->sp->p;
        job.pipeline = l->pl;
        job.state = st;
        job.alerter = l->sp->al;
        job.stop = &l->stop;
        job.trigger = "stream";
        job.opts.cancel = &l->cancel;
        job.opts.stream.continuous = 1;
        job.opts.stream.until_us = (now / every + 1) * every * 1000000;
        job.opts.stream.stop = &l->stop;
        job.opts.timeout_s = 1e12; /* timeout: is for bounded runs; a window ends by itself */
        char rid[40];
        sl_state_new_run_id(rid);
        job.opts.run_id = rid;
        pthread_mutex_lock(&r->lock);
        snprintf(l->run_id, sizeof l->run_id, "%s", rid);
        snprintf(l->status, sizeof l->status, "running");
        pthread_mutex_unlock(&r->lock);
        int rc = sl_job_run(&job);
        pthread_mutex_lock(&r->lock);
        l->runs++;
        l->total.read += job.res.counts.read;
        l->total.loaded += job.res.counts.loaded;
        l->total.filtered += job.res.counts.filtered;
        l->total.rejected += job.res.counts.rejected;
        l->total.derived += job.res.counts.derived;
        snprintf(l->last_status, sizeof l->last_status, "%s", job.res.status);
        snprintf(l->last_error, sizeof l->last_error, "%s", job.res.error);
        if (rc < 0)
            l->failures++;
        l->failing = rc < 0;
        pthread_mutex_unlock(&r->lock);
        sl_log_info("%s: window ended: %s, read %lld, derived %lld, loaded %lld, filtered %lld, rejected %lld%s%s",
                    l->name, job.res.status, (long long)job.res.counts.read, (long long)job.res.counts.derived,
                    (long long)job.res.counts.loaded,
                    (long long)job.res.counts.filtered, (long long)job.res.counts.rejected,
                    job.res.error[0] ? ": " : "", job.res.error);
        if (rc == 0) {
            backoff = BACKOFF_MIN_S;
            continue;
        }
        if (atomic_load(&l->stop))
            break;
        pthread_mutex_lock(&r->lock);
        snprintf(l->status, sizeof l->status, "retrying");
        pthread_mutex_unlock(&r->lock);
        sl_log_warn("%s: the run failed; the lane starts again in %.0fs (the other lanes go on)", l->name, backoff);
        nap(&l->stop, backoff);
        backoff = backoff * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S : backoff * 2;
    }
    if (st)
        sl_state_close(st);
    pthread_mutex_lock(&r->lock);
    snprintf(l->status, sizeof l->status, "stopped");
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

static void ckpt_fn(void *ctx, const char *key, const char *value)
{
    if (strcmp(key, "spool") == 0)
        *(int64_t *)ctx = strtoll(value, NULL, 10);
}

/* Start the lanes of pipeline pl of sp (r->lock not held). */
static void start_lanes(sl_stream_runner *r, sproj *sp, const sl_pipeline *pl, sl_state *st)
{
    /* under serve, a pipeline whose spool did not open here (damaged, or
     * held by another daemon: stream/ingest.c said why) runs no lanes */
    if (r->ingest && !sl_ingest_spool(r->ingest, pl->name)) {
        sl_log_warn("%s: its spool is not open in this daemon: its lanes do not run here", pl->name);
        return;
    }
    size_t n = sl_stream_lane_count(pl);
    char *text = file_text(pl->file);
    for (size_t i = 0; i < n; i++) {
        sl_error err = {0};
        sl_pipeline *lp = sl_stream_lane_load(sp->p, pl, i, &err);
        if (!lp) {
            sl_log_error("%s: lane %s not started: %s", pl->name, sl_stream_lane_key(pl, i), err.msg);
            continue;
        }
        lane *l = sl_calloc(1, sizeof *l);
        l->r = r;
        l->sp = sp;
        l->pipeline = sl_strdup(pl->name);
        l->key = sl_strdup(sl_stream_lane_key(pl, i));
        l->name = sl_strdup(lp->name);
        l->text = sl_strdup(text);
        l->pl = lp;
        snprintf(l->status, sizeof l->status, "running");
        /* the lane holds its place in the spool before it reads: retention
         * never deletes what it has not committed */
        sl_spool *spool = r->ingest ? sl_ingest_spool(r->ingest, pl->name) : NULL;
        int64_t at = 0;
        if (st && sl_state_checkpoint_each(st, l->name, "(source)", 0, ckpt_fn, &at, &err) < 0)
            sl_log_warn("%s: %s", l->name, err.msg);
        if (spool)
            sl_spool_release(spool, l->name, at);
        l->released = at;
        pthread_mutex_lock(&r->lock);
        sp->refs++;
        SL_GROW(r->lanes, r->cap, r->n + 1);
        r->lanes[r->n++] = l;
        pthread_mutex_unlock(&r->lock);
        if (pthread_create(&l->th, NULL, lane_main, l) != 0) {
            sl_log_error("%s: cannot start the lane's thread", l->name);
            snprintf(l->status, sizeof l->status, "stopped");
            l->th = 0;
        }
        sl_log_info("%s: lane %s running continuously (%zu sink%s, a record every %llds)", l->name, l->key,
                    lp->nsinks, lp->nsinks == 1 ? "" : "s", (long long)lp->record_every_s);
    }
    sl_free(text);
}

/* Stop and free the lanes for which pick(l, ctx) is 1 (r->lock not held). */
static void stop_lanes(sl_stream_runner *r, int (*pick)(const lane *l, void *ctx), void *ctx)
{
    pthread_mutex_lock(&r->lock);
    lane **v = sl_calloc(r->n + 1, sizeof *v);
    size_t n = 0, w = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (pick(r->lanes[i], ctx)) {
            v[n++] = r->lanes[i];
            atomic_store(&r->lanes[i]->stop, 1);
        } else {
            r->lanes[w++] = r->lanes[i];
        }
    }
    r->n = w;
    pthread_mutex_unlock(&r->lock);
    double deadline = sl_mono_s() + STOP_GRACE_S;
    for (size_t i = 0; i < n; i++) {
        lane *l = v[i];
        if (l->th) {
            struct timespec ts = sl_deadline_in(deadline - sl_mono_s() > 0 ? deadline - sl_mono_s() : 0);
            if (pthread_timedjoin_np(l->th, NULL, &ts) != 0) {
                sl_log_warn("%s: the run did not end within %ds of the stop: cancelling it", l->name, STOP_GRACE_S);
                atomic_store(&l->cancel, 1);
                pthread_join(l->th, NULL);
            }
        }
        sl_spool *spool = r->ingest ? sl_ingest_spool(r->ingest, l->pipeline) : NULL;
        (void)spool; /* its place stays registered: a restarted lane resumes from it */
        sl_pipeline_free(l->pl);
        sproj_release(r, l->sp);
        sl_free(l->pipeline);
        sl_free(l->key);
        sl_free(l->name);
        sl_free(l->text);
        sl_free(l);
    }
    sl_free(v);
}

/* The ticker: ticks, spool release, lag incidents, once a second. */
static void *ticker_main(void *arg)
{
    sl_stream_runner *r = arg;
    sl_state *st = NULL;
    while (!atomic_load(&r->tstop)) {
        nap(&r->tstop, 1);
        if (atomic_load(&r->tstop))
            break;
        sl_error err = {0};
        pthread_mutex_lock(&r->lock);
        if (!st && r->cur && sl_state_open_project(r->cur->p, &st, &err) < 0)
            st = NULL;
        int64_t now = sl_now_us();
        sl_spool_rec tick = {.kind = SL_SPOOL_TICK, .time_us = now, .data = "", .len = 0};
        for (size_t i = 0; i < r->n; i++) {
            lane *l = r->lanes[i];
            sl_spool *spool = r->ingest ? sl_ingest_spool(r->ingest, l->pipeline) : NULL;
            int first = 1; /* one tick per spool, by its first lane */
            for (size_t k = 0; k < i && first; k++)
                first = strcmp(r->lanes[k]->pipeline, l->pipeline) != 0;
            int64_t ticket;
            if (spool && first && sl_spool_append(spool, &tick, 1, &ticket, &err) < 0 && err.code != SL_EFULL)
                sl_log_debug("%s: tick: %s", l->pipeline, err.msg);
            sl_stream_live lv;
            if (!sl_stream_live_get(l->name, &lv))
                continue;
            if (spool && lv.start > l->released) {
                sl_spool_release(spool, l->name, lv.start);
                l->released = lv.start;
            }
            double lag = lane_lag(l, &lv);
            int behind = lag > (double)l->pl->max_lag_s;
            if (behind != l->lag_open && st) {
                char key[300], node[300], msg[400];
                snprintf(key, sizeof key, "stream_lag|%s", l->name);
                snprintf(node, sizeof node, "pipeline.%s.%s", l->sp->p->name ? l->sp->p->name : "", l->name);
                if (behind)
                    snprintf(msg, sizeof msg, "lane %s of %s is %.0fs behind its events (max_lag %llds)", l->key,
                             l->pipeline, lag, (long long)l->pl->max_lag_s);
                else
                    snprintf(msg, sizeof msg, "lane %s of %s caught up", l->key, l->pipeline);
                if (sl_incident_report(st, l->sp->al, SL_INCIDENT_FRESHNESS, key, node, behind, msg, NULL, &err) == 0) {
                    l->lag_open = behind;
                    if (behind)
                        sl_log_warn("%s", msg);
                } else {
                    sl_log_warn("%s: lag incident: %s", l->name, err.msg);
                }
            }
        }
        pthread_mutex_unlock(&r->lock);
    }
    if (st)
        sl_state_close(st);
    return NULL;
}

/* Whether p has a stream pipeline. */
static int has_stream(const sl_project *p)
{
    for (size_t i = 0; p && i < p->npipelines; i++)
        if (sl_stream_pipeline(p->pipelines[i]))
            return 1;
    return 0;
}

/* Start the ticker if it is not running (a stream pipeline appeared). */
static void ticker_start(sl_stream_runner *r)
{
    if (r->ticking)
        return;
    atomic_store(&r->tstop, 0);
    r->ticking = pthread_create(&r->ticker, NULL, ticker_main, r) == 0;
}

/* Stop the ticker (its state store connection goes with it). */
static void ticker_stop(sl_stream_runner *r)
{
    if (!r->ticking)
        return;
    atomic_store(&r->tstop, 1);
    pthread_join(r->ticker, NULL);
    r->ticking = 0;
}

sl_stream_runner *sl_stream_runner_start(const char *dir, const sl_project *p, sl_ingest_set *ingest)
{
    sl_stream_runner *r = sl_calloc(1, sizeof *r);
    r->dir = sl_strdup(dir);
    r->ingest = ingest;
    pthread_mutex_init(&r->lock, NULL);
    if (!has_stream(p))
        return r; /* nothing to run: no copy of the project, no ticker, no state store connection */
    r->cur = sproj_load(dir);
    if (!r->cur)
        return r;
    sl_state *st = NULL;
    sl_error err = {0};
    if (sl_state_open_project(r->cur->p, &st, &err) < 0)
        st = NULL;
    for (size_t i = 0; i < r->cur->p->npipelines; i++)
        if (sl_stream_pipeline(r->cur->p->pipelines[i]))
            start_lanes(r, r->cur, r->cur->p->pipelines[i], st);
    if (st)
        sl_state_close(st);
    ticker_start(r);
    return r;
}

static int pick_all(const lane *l, void *ctx)
{
    (void)l;
    (void)ctx;
    return 1;
}

void sl_stream_runner_stop(sl_stream_runner *r)
{
    if (!r)
        return;
    ticker_stop(r);
    stop_lanes(r, pick_all, NULL);
    pthread_mutex_lock(&r->lock);
    sproj *old = r->cur;
    r->cur = NULL;
    pthread_mutex_unlock(&r->lock);
    if (old)
        sproj_release(r, old);
}

void sl_stream_runner_free(sl_stream_runner *r)
{
    if (!r)
        return;
    sl_stream_runner_stop(r);
    pthread_mutex_destroy(&r->lock);
    sl_free(r->lanes);
    sl_free(r->dir);
    sl_free(r);
}

/* Lanes to restart at a reload: their pipeline is gone, no longer a
 * stream, or its file changed. */
static int pick_changed(const lane *l, void *ctx)
{
    sl_project *np = ctx;
    sl_pipeline *pl = np ? sl_project_find(np, l->pipeline) : NULL;
    if (!pl || !sl_stream_pipeline(pl))
        return 1;
    char *text = file_text(pl->file);
    int changed = strcmp(text, l->text) != 0;
    sl_free(text);
    return changed;
}

void sl_stream_runner_reload(sl_stream_runner *r, const sl_project *np)
{
    if (!has_stream(np)) {
        sl_stream_runner_stop(r); /* the lanes of removed stream pipelines end; nothing else is loaded */
        return;
    }
    sproj *sp = sproj_load(r->dir);
    if (!sp)
        return; /* the daemon keeps the previous configuration: so do the lanes */
    stop_lanes(r, pick_changed, sp->p);
    sl_state *st = NULL;
    sl_error err = {0};
    if (sl_state_open_project(sp->p, &st, &err) < 0)
        st = NULL;
    for (size_t i = 0; i < sp->p->npipelines; i++) {
        sl_pipeline *pl = sp->p->pipelines[i];
        if (!sl_stream_pipeline(pl))
            continue;
        pthread_mutex_lock(&r->lock);
        int running = 0;
        for (size_t k = 0; k < r->n && !running; k++)
            running = strcmp(r->lanes[k]->pipeline, pl->name) == 0;
        pthread_mutex_unlock(&r->lock);
        if (!running)
            start_lanes(r, sp, pl, st);
    }
    if (st)
        sl_state_close(st);
    pthread_mutex_lock(&r->lock);
    sproj *old = r->cur;
    r->cur = sp;
    pthread_mutex_unlock(&r->lock);
    if (old)
        sproj_release(r, old);
    ticker_start(r);
}

int sl_stream_runner_json(sl_stream_runner *r, const char *pipeline, sl_buf *out)
{
    if (!r)
        return 0;
    int64_t received = r->ingest ? sl_ingest_received(r->ingest, pipeline) : 0;
    int n = 0;
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < r->n; i++) {
        lane *l = r->lanes[i];
        if (strcmp(l->pipeline, pipeline) != 0)
            continue;
        if (!n++)
            sl_buf_addf(out, ",\"mode\":\"continuous\",\"received\":%lld,\"lanes\":[", (long long)received);
        else
            sl_buf_addc(out, ',');
        sl_stream_live lv;
        sl_stream_live_get(l->name, &lv);
        sl_spool *spool = r->ingest ? sl_ingest_spool(r->ingest, l->pipeline) : NULL;
        int64_t lag_bytes = spool && sl_spool_durable_end(spool) > lv.consumed ? sl_spool_durable_end(spool) - lv.consumed : 0;
        int64_t lag_events = received - lv.events_read > 0 ? received - lv.events_read : 0;
        sl_buf_adds(out, "{\"name\":");
        sl_buf_add_json_str(out, l->name, strlen(l->name));
        sl_buf_adds(out, ",\"lane\":");
        sl_buf_add_json_str(out, l->key, strlen(l->key));
        sl_buf_addf(out, ",\"status\":\"%s\",\"run_id\":", l->status);
        sl_buf_add_json_str(out, l->run_id, strlen(l->run_id));
        sl_buf_addf(out,
                    ",\"received\":%lld,\"read\":%lld,\"loaded\":%lld,\"filtered\":%lld,\"rejected\":%lld,"
                    "\"lag_events\":%lld,\"lag_bytes\":%lld,\"lag_seconds\":%.3f,\"offset\":%lld,\"runs\":%lld,"
                    "\"failed_runs\":%lld,\"total\":{\"read\":%lld,\"loaded\":%lld,\"filtered\":%lld,"
                    "\"rejected\":%lld,\"derived\":%lld},\"last_status\":",
                    (long long)received, (long long)lv.read, (long long)lv.loaded, (long long)lv.filtered,
                    (long long)lv.rejected, (long long)lag_events, (long long)lag_bytes, lane_lag(l, &lv),
                    (long long)lv.consumed, (long long)l->runs, (long long)l->failures,
                    (long long)(l->total.read + lv.read), (long long)(l->total.loaded + lv.loaded),
                    (long long)(l->total.filtered + lv.filtered), (long long)(l->total.rejected + lv.rejected),
                    (long long)l->total.derived);
        if (l->last_status[0])
            sl_buf_add_json_str(out, l->last_status, strlen(l->last_status));
        else
            sl_buf_adds(out, "null");
        sl_buf_adds(out, ",\"last_error\":");
        sl_buf_add_json_str(out, l->last_error, strlen(l->last_error));
        sl_buf_addc(out, '}');
    }
    if (n)
        sl_buf_addc(out, ']');
    pthread_mutex_unlock(&r->lock);
    return n > 0;
}

void sl_stream_runner_metrics(sl_stream_runner *r, sl_buf *out)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->lock);
    if (!r->n) {
        pthread_mutex_unlock(&r->lock);
        return;
    }
    sl_buf_adds(out, "# HELP sluice_stream_events_received_total Events a stream pipeline's endpoint made durable.\n"
                     "# TYPE sluice_stream_events_received_total counter\n");
    for (size_t i = 0; i < r->n; i++) {
        lane *l = r->lanes[i];
        int first = 1;
        for (size_t k = 0; k < i && first; k++)
            first = strcmp(r->lanes[k]->pipeline, l->pipeline) != 0;
        if (first)
            sl_buf_addf(out, "sluice_stream_events_received_total{pipeline=\"%s\"} %lld\n", l->pipeline,
                        (long long)(r->ingest ? sl_ingest_received(r->ingest, l->pipeline) : 0));
    }
    sl_buf_adds(out, "# HELP sluice_stream_rows_total Rows of a stream pipeline's lane by outcome (this process).\n"
                     "# TYPE sluice_stream_rows_total counter\n");
    for (size_t i = 0; i < r->n; i++) {
        lane *l = r->lanes[i];
        sl_stream_live lv;
        sl_stream_live_get(l->name, &lv);
        const char *what[3] = {"loaded", "filtered", "rejected"};
        int64_t v[3] = {l->total.loaded + lv.loaded, l->total.filtered + lv.filtered,
                        l->total.rejected + lv.rejected};
        for (int k = 0; k < 3; k++)
            sl_buf_addf(out, "sluice_stream_rows_total{pipeline=\"%s\",lane=\"%s\",outcome=\"%s\"} %lld\n",
                        l->pipeline, l->key, what[k], (long long)v[k]);
    }
    sl_buf_adds(out, "# HELP sluice_stream_lag_seconds How far a lane is behind its events (0: caught up).\n"
                     "# TYPE sluice_stream_lag_seconds gauge\n");
    for (size_t i = 0; i < r->n; i++) {
        sl_stream_live lv;
        sl_stream_live_get(r->lanes[i]->name, &lv);
        sl_buf_addf(out, "sluice_stream_lag_seconds{pipeline=\"%s\",lane=\"%s\"} %.3f\n", r->lanes[i]->pipeline,
                    r->lanes[i]->key, lane_lag(r->lanes[i], &lv));
    }
    sl_buf_adds(out, "# HELP sluice_spool_bytes Bytes a stream pipeline's spool holds that some lane has not "
                     "released.\n# TYPE sluice_spool_bytes gauge\n");
    for (size_t i = 0; i < r->n; i++) {
        lane *l = r->lanes[i];
        int first = 1;
        for (size_t k = 0; k < i && first; k++)
            first = strcmp(r->lanes[k]->pipeline, l->pipeline) != 0;
        sl_spool *spool = r->ingest ? sl_ingest_spool(r->ingest, l->pipeline) : NULL;
        if (first)
            sl_buf_addf(out, "sluice_spool_bytes{pipeline=\"%s\"} %lld\n", l->pipeline,
                        (long long)(spool ? sl_spool_pending_bytes(spool) : 0));
    }
    pthread_mutex_unlock(&r->lock);
}
