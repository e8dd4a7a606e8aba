/* daemon.c: see daemon.h. One mutex (d->lock) guards the pipeline table,
 * the current project and the counters; the scheduler thread, the run
 * threads and the HTTP thread all take it briefly. */
#include "sched/daemon.h"
#include "config/project.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/types.h"
#include "models/build.h"
#include "models/build_checks.h"
#include "models/graph.h"
#include "models/results.h"
#include "sched/alerts.h"
#include "sched/api.h"
#include "sched/dag.h"
#include "sched/incidents.h"
#include "sched/metrics.h"
#include "sched/runner.h"
#include "sched/schedule.h"
#include "sched/stream.h"
#include "state/state.h"
#include "stream/ingest.h"
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* A loaded project and its alert sender, shared by the runs started with
 * it: a reload swaps in a new one; the old one goes when its last run ends. */
typedef struct proj_ref {
    sl_project *p;
    sl_alerter *alerter;
    int refs;
    sl_graph *g;              /* the models layer, or NULL (models/graph.h) */
    pthread_mutex_t build;    /* one build at a time on g (compiling writes to it) */
} proj_ref;

#define BY_LEN 64

/* A start waiting in a pipeline's queue: what asked for it, and the id its
 * run will be recorded under (handed out at once, so POST .../runs can
 * answer with it). */
typedef struct queued_start {
    char by[BY_LEN];
    char run_id[40];
} queued_start;

/* What the scheduler knows about one pipeline (by name; entries live as
 * long as the daemon, so run threads may point at them). */
typedef struct pl_rt {
    char *name;
    int present; /* in the current project */
    int running;
    char running_id[40];   /* the running job's first run id (it may not be recorded yet) */
    _Atomic int cancel;    /* of the running job */
    queued_start *queue;   /* starts waiting, oldest first */
    size_t nq, capq;
    int64_t next_fire; /* -1: not timed */
    double dep_since;  /* upstreams must succeed after this to trigger it */
    double last_success, last_finished;
    char last_status[16];
    char last_run_id[40];
    /* a model (seed, snapshot) with schedule: or after: in its config,
     * scheduled like a pipeline and run as `sluice build -s NAME` */
    int model;
    sl_schedule *msched;  /* its schedule (cron/every, after) */
} pl_rt;

typedef struct http_count {
    char handler[32];
    int code;
    int64_t n;
} http_count;

struct sl_daemon {
    sl_daemon_opts o;
    pthread_mutex_t lock;
    sl_ingest_set *ingest;    /* the stream pipelines' spools and endpoints (stream/ingest.h) */
    sl_stream_runner *stream; /* their lanes, run continuously (sched/stream.h) */
    pthread_cond_t cond;
    proj_ref *cur;
    pl_rt **rt;
    size_t nrt;
    size_t *order; /* rt indexes in dependency order (present ones) */
    size_t norder;
    sl_state *state;
    char holder[160];
    int leader;
    double lease_next;
    int running;
    int64_t summary_next; /* next daily summary (Unix seconds), -1 none */
    int64_t freshness_next; /* next freshness check of the monitors (Unix seconds; once a minute) */
    double trim_next;     /* next malloc_trim (see the loop in sl_daemon_run) */
    int64_t reloads, reload_failures, lease_takeovers, coalesced_slots;
    http_count *http;
    size_t nhttp, caphttp;
};

static double wall_now(void)
{
    return (double)sl_now_us() / 1e6;
}

/* Unix seconds as ISO 8601 UTC ("2026-11-22T08:00:00Z"). */
static void iso(int64_t t, char out[40])
{
    sl_format_timestamp(out, t * 1000000);
}

/* ---- projects ------------------------------------------------------------- */

static proj_ref *ref_new(sl_project *p)
{
    proj_ref *r = sl_calloc(1, sizeof *r);
    r->p = p;
    r->refs = 1;
    r->alerter = sl_alerter_start(p->alerts, p->name);
    pthread_mutex_init(&r->build, NULL);
    if (sl_build_has_models(p)) {
        sl_diags dg;
        sl_diags_init(&dg);
        if (sl_graph_load(p, NULL, &r->g, &dg) < 0) {
            sl_buf b;
            sl_buf_init(&b);
            sl_diags_format(&dg, &b);
            sl_log_error("models not scheduled: the project's models have problems:\n%s", b.data ? b.data : "");
            sl_buf_release(&b);
            r->g = NULL;
        }
        sl_diags_release(&dg);
    }
    return r;
}

/* Drop a reference; call without d->lock (the last one waits for alerts). */
static void ref_release(sl_daemon *d, proj_ref *r)
{
    pthread_mutex_lock(&d->lock);
    int last = --r->refs == 0;
    pthread_mutex_unlock(&d->lock);
    if (!last)
        return;
    int lost = sl_alerter_stop(r->alerter, 10);
    if (lost)
        sl_log_warn("%d alert%s not delivered", lost, lost == 1 ? "" : "s");
    if (r->g)
        sl_graph_free(r->g);
    pthread_mutex_destroy(&r->build);
    sl_project_free(r->p);
    sl_free(r);
}

static pl_rt *rt_find(sl_daemon *d, const char *name)
{
    for (size_t i = 0; i < d->nrt; i++)
        if (strcmp(d->rt[i]->name, name) == 0)
            return d->rt[i];
    return NULL;
}

static sl_pipeline *pl_of(sl_daemon *d, const pl_rt *rt)
{
    return rt->present && !rt->model ? sl_project_find(d->cur->p, rt->name) : NULL;
}

/* The schedule of a present pipeline or scheduled model; NULL otherwise. */
static const sl_schedule *sched_of(sl_daemon *d, const pl_rt *rt)
{
    if (!rt->present)
        return NULL;
    if (rt->model)
        return rt->msched;
    sl_pipeline *pl = sl_project_find(d->cur->p, rt->name);
    /* a stream pipeline is never scheduled: its lanes run continuously (sched/stream.h) */
    return pl && !sl_stream_pipeline(pl) ? pl->schedule : NULL;
}

/* Models with schedule: or after: join the table (d->lock held). A bad
 * schedule is logged and the model left out. */
static void adopt_models(sl_daemon *d, int64_t now)
{
    sl_graph *g = d->cur->g;
    for (size_t i = 0; i < d->nrt; i++)
        if (d->rt[i]->model && d->rt[i]->msched) {
            sl_schedule_free_fields(d->rt[i]->msched);
            sl_free(d->rt[i]->msched);
            d->rt[i]->msched = NULL;
        }
    for (size_t i = 0; g && i < g->n; i++) {
        const sl_node *n = &g->nodes[i];
        if (n->kind == SL_NODE_TEST || n->kind == SL_NODE_PIPELINE || !sl_build_runnable(n) ||
            (!n->config.schedule && !n->config.after.n))
            continue;
        if (sl_project_find(d->cur->p, n->name)) {
            sl_log_error("model %s not scheduled: a pipeline has the same name", n->name);
            continue;
        }
        sl_schedule *sc = sl_calloc(1, sizeof *sc);
        char msg[512];
        if (n->config.schedule && sl_schedule_parse_expr(n->config.schedule, "UTC", sc, msg, sizeof msg) < 0) {
            sl_log_error("model %s not scheduled: schedule: %s", n->name, msg);
            sl_free(sc);
            continue;
        }
        if (!n->config.schedule && sl_schedule_parse_expr("@daily", "UTC", sc, msg, sizeof msg) == 0) {
            /* after: only: not timed */
            sc->has_cron = 0;
            sc->every_s = 0;
        }
        sc->after.v = sl_calloc(n->config.after.n + 1, sizeof *sc->after.v);
        for (size_t k = 0; k < n->config.after.n; k++)
            sc->after.v[sc->after.n++] = sl_strdup(n->config.after.v[k]);
        pl_rt *rt = rt_find(d, n->name);
        if (!rt) {
            rt = sl_calloc(1, sizeof *rt);
            rt->name = sl_strdup(n->name);
            rt->dep_since = wall_now();
            d->rt = sl_realloc(d->rt, (d->nrt + 1) * sizeof *d->rt);
            d->rt[d->nrt++] = rt;
        }
        rt->model = 1;
        rt->present = 1;
        rt->msched = sc;
        rt->next_fire = sl_schedule_timed(sc) ? sl_schedule_next(sc, now) : -1;
        d->order = sl_realloc(d->order, (d->norder + 1) * sizeof *d->order);
        for (size_t k = 0; k < d->nrt; k++)
            if (d->rt[k] == rt)
                d->order[d->norder++] = k;
    }
}

static void summary_plan(sl_daemon *d, int64_t now)
{
    d->summary_next = sl_alerts_summary_next(d->cur->p->alerts, now);
}

/* Point the table at a (new) current project; d->lock held. */
static void adopt(sl_daemon *d, int64_t now)
{
    sl_project *p = d->cur->p;
    for (size_t i = 0; i < d->nrt; i++)
        d->rt[i]->present = 0;
    for (size_t i = 0; i < p->npipelines; i++) {
        sl_pipeline *pl = p->pipelines[i];
        pl_rt *rt = rt_find(d, pl->name);
        if (!rt) {
            rt = sl_calloc(1, sizeof *rt);
            rt->name = sl_strdup(pl->name);
            rt->dep_since = wall_now();
            d->rt = sl_realloc(d->rt, (d->nrt + 1) * sizeof *d->rt);
            d->rt[d->nrt++] = rt;
        }
        rt->present = 1;
        rt->next_fire = sl_schedule_timed(pl->schedule) ? sl_schedule_next(pl->schedule, now) : -1;
    }
    for (size_t i = 0; i < d->nrt; i++)
        if (!d->rt[i]->present)
            d->rt[i]->nq = 0; /* a removed pipeline's waiting starts go with it */
    sl_free(d->order);
    d->order = sl_calloc(p->npipelines + 1, sizeof *d->order);
    size_t *po = sl_calloc(p->npipelines + 1, sizeof *po);
    sl_dag_order(p, po);
    d->norder = 0;
    for (size_t k = 0; k < p->npipelines; k++) {
        pl_rt *rt = rt_find(d, p->pipelines[po[k]]->name);
        for (size_t i = 0; i < d->nrt; i++)
            if (d->rt[i] == rt)
                d->order[d->norder++] = i;
    }
    sl_free(po);
    adopt_models(d, now);
    summary_plan(d, now);
}

/* Load the project; on problems log each one, prefixed with `what`. */
static sl_project *load_project(const char *dir, const char *what)
{
    sl_diags dg;
    sl_diags_init(&dg);
    sl_project *p = NULL;
    if (sl_project_load(dir, &p, &dg) < 0) {
        sl_buf b;
        sl_buf_init(&b);
        sl_diags_format(&dg, &b);
        for (char *line = b.data; line && *line;) {
            char *nl = strchr(line, '\n');
            if (nl)
                *nl = 0;
            sl_log_error("%s: %s", what, line);
            line = nl ? nl + 1 : NULL;
        }
        sl_buf_release(&b);
    }
    sl_diags_release(&dg);
    return p;
}

static void do_reload(sl_daemon *d)
{
    sl_project *np = load_project(d->o.project_dir, "reload");
    if (!np) {
        sl_log_error("reload refused: the project has errors; still running the previous configuration");
        pthread_mutex_lock(&d->lock);
        d->reload_failures++;
        pthread_mutex_unlock(&d->lock);
        return;
    }
    proj_ref *nr = ref_new(np), *old;
    pthread_mutex_lock(&d->lock);
    old = d->cur;
    d->cur = nr;
    adopt(d, (int64_t)time(NULL));
    d->reloads++;
    pthread_mutex_unlock(&d->lock);
    sl_log_info("reloaded %s: %zu pipelines", np->file, np->npipelines);
    /* the lanes of changed stream pipelines restart (np stays alive: only
     * this thread replaces d->cur) */
    sl_stream_runner_reload(d->stream, np);
    ref_release(d, old);
}

/* ---- queueing and starting runs ---------------------------------------------- */

/* Queue a start; coalesce: replace a waiting start instead of adding one
 * (it keeps its run id). Returns the queued start, or NULL when dropped. */
static queued_start *enqueue(pl_rt *rt, const char *by, int coalesce)
{
    if (coalesce && rt->nq) {
        snprintf(rt->queue[rt->nq - 1].by, BY_LEN, "%s", by);
        return &rt->queue[rt->nq - 1];
    }
    if (rt->nq >= 1000) {
        sl_log_warn("%s: 1000 runs already waiting; dropping '%s'", rt->name, by);
        return NULL;
    }
    SL_GROW(rt->queue, rt->capq, rt->nq + 1);
    queued_start *q = &rt->queue[rt->nq++];
    snprintf(q->by, BY_LEN, "%s", by);
    sl_state_new_run_id(q->run_id);
    return q;
}

/* The very last thing a run's thread does: once d->running drops, the
 * daemon may stop and free d (shutdown_runs waits for it), so nothing of
 * d (its lock, rt, the project reference) is touched after this. */
static void run_thread_done(sl_daemon *d)
{
    pthread_mutex_lock(&d->lock);
    d->running--;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->lock);
}

typedef struct job_arg {
    sl_daemon *d;
    pl_rt *rt;
    proj_ref *ref;
    sl_pipeline *pl;
    char by[BY_LEN];
    char run_id[40];
} job_arg;

static void *job_main(void *arg)
{
    job_arg *a = arg;
    sl_daemon *d = a->d;
    sl_job job = {0};
    job.project = a->ref->p;
    job.pipeline = a->pl;
    job.alerter = a->ref->alerter;
    job.stop = d->o.stop;
    job.trigger = a->by;
    job.opts.run_id = a->run_id;
    job.opts.cancel = &a->rt->cancel;
    int rc = sl_job_run(&job);
    double now = wall_now();
    pthread_mutex_lock(&d->lock);
    pl_rt *rt = a->rt;
    rt->running = 0;
    rt->last_finished = now;
    snprintf(rt->last_status, sizeof rt->last_status, "%s", job.res.status);
    snprintf(rt->last_run_id, sizeof rt->last_run_id, "%s", job.res.run_id);
    if (rc == 0)
        rt->last_success = now;
    pthread_mutex_unlock(&d->lock);
    sl_log_info("%s: %s (%s) read %lld, loaded %lld in %.2fs%s%s", rt->name, job.res.status, a->by,
                (long long)job.res.counts.read, (long long)job.res.counts.loaded, job.res.duration_s,
                job.res.error[0] ? ": " : "", job.res.error);
    ref_release(d, a->ref);
    sl_free(a);
    run_thread_done(d);
    return NULL;
}

static void *model_main(void *arg);

static void start(sl_daemon *d, pl_rt *rt, sl_pipeline *pl)
{
    job_arg *a = sl_calloc(1, sizeof *a);
    a->d = d;
    a->rt = rt;
    a->ref = d->cur;
    a->ref->refs++;
    a->pl = pl;
    snprintf(a->by, sizeof a->by, "%s", rt->queue[0].by);
    snprintf(a->run_id, sizeof a->run_id, "%s", rt->queue[0].run_id);
    snprintf(rt->running_id, sizeof rt->running_id, "%s", a->run_id);
    memmove(rt->queue, rt->queue + 1, (rt->nq - 1) * sizeof *rt->queue);
    rt->nq--;
    rt->running = 1;
    atomic_store(&rt->cancel, 0);
    rt->dep_since = wall_now();
    d->running++;
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, rt->model ? model_main : job_main, a) != 0) {
        sl_log_error("%s: cannot start a thread for the run: %s", rt->name, strerror(errno));
        rt->running = 0;
        d->running--;
        a->ref->refs--;
        sl_free(a);
    }
    pthread_attr_destroy(&attr);
}

/* Have all upstreams (after:) succeeded since rt last started? */
static int upstreams_ok(sl_daemon *d, const pl_rt *rt, const sl_schedule *sc)
{
    const sl_strlist *u = &sc->after;
    for (size_t k = 0; k < u->n; k++) {
        pl_rt *up = rt_find(d, u->v[k]);
        if (!up || up->last_success <= rt->dep_since)
            return 0;
    }
    return u->n > 0;
}

/* A scheduled model's run: `sluice build -s NAME` (the node and its tests). */
static void *model_main(void *arg)
{
    job_arg *a = arg;
    sl_daemon *d = a->d;
    pl_rt *rt = a->rt;
    proj_ref *ref = a->ref;
    sl_graph *g = ref->g;
    int rc = -1;
    char status[16] = "error", msg[512] = "the model is no longer in the project";
    double t0 = wall_now();
    pthread_mutex_lock(&ref->build);
    int64_t idx = g ? sl_graph_find(g, rt->name) : -1;
    if (idx >= 0) {
        uint8_t *sel = sl_calloc(g->n + 1, 1);
        sel[idx] = 1;
        for (size_t i = 0; i < g->n; i++) /* its tests */
            if (g->nodes[i].kind == SL_NODE_TEST && g->nodes[i].ndeps == 1 && g->nodes[i].deps[0] == (size_t)idx)
                sel[i] = 1;
        sl_build_opts o = {.sel = sel, .cancel = &rt->cancel};
        sl_build b;
        sl_error err = {0};
        sl_state *st = NULL; /* checks' history, profiles and monitors of the build (docs/quality/models.md) */
        if (sl_state_open_project(ref->p, &st, &err) == 0) {
            o.state = st;
            o.run_id = a->run_id;
            o.alerter = ref->alerter;
        }
        rc = sl_build_run(g, &o, &b, &err);
        snprintf(msg, sizeof msg, "%s", err.msg);
        for (size_t k = 0; k < b.n; k++)
            if (b.results[k].node == (size_t)idx) {
                snprintf(status, sizeof status, "%s", b.results[k].status);
                snprintf(msg, sizeof msg, "%s", b.results[k].message);
            }
        if (rc < 0 && strcmp(status, "success") == 0)
            snprintf(status, sizeof status, "error"), snprintf(msg, sizeof msg, "a test of the model failed");
        if (st) {
            if (sl_results_store(st, g, &b, a->run_id, &err) < 0)
                sl_log_warn("%s: results not kept: %s", rt->name, err.msg);
            if (sl_build_store_checks(st, &b, a->run_id, &err) < 0)
                sl_log_warn("%s: check results not kept: %s", rt->name, err.msg);
            else if (sl_incident_report_run_checks(st, ref->alerter, a->run_id, &err) < 0)
                sl_log_warn("%s: check incidents: %s", rt->name, err.msg);
            sl_state_close(st);
        }
        sl_build_free(&b);
        sl_free(sel);
    }
    pthread_mutex_unlock(&ref->build);
    double now = wall_now();
    pthread_mutex_lock(&d->lock);
    rt->running = 0;
    rt->last_finished = now;
    snprintf(rt->last_status, sizeof rt->last_status, "%s", status);
    snprintf(rt->last_run_id, sizeof rt->last_run_id, "%s", a->run_id);
    if (rc == 0)
        rt->last_success = now;
    pthread_mutex_unlock(&d->lock);
    sl_log_info("model %s: %s (%s) in %.2fs%s%s", rt->name, status, a->by, now - t0, msg[0] ? ": " : "", msg);
    ref_release(d, ref);
    sl_free(a);
    run_thread_done(d);
    return NULL;
}

/* ---- the scheduler ------------------------------------------------------------- */

static void claim(sl_daemon *d, pl_rt *rt, const sl_schedule *sc, int64_t slot, const char *why)
{
    int won = 0;
    sl_error err = {0};
    if (sl_state_slot_claim(d->state, rt->name, slot, d->holder, &won, &err) < 0) {
        sl_log_error("%s: cannot claim the slot: %s", rt->name, err.msg);
        return;
    }
    if (!won)
        return; /* another daemon has it */
    char t[40], by[BY_LEN];
    iso(slot, t);
    snprintf(by, sizeof by, "%s %s", why, t);
    if (!sc->catchup && rt->nq)
        d->coalesced_slots++; /* a start is already waiting: this slot joins it */
    enqueue(rt, by, !sc->catchup);
}

/* We just got the lease: learn what happened meanwhile and catch up. */
static void become_leader(sl_daemon *d, int64_t now)
{
    sl_error err = {0};
    for (size_t i = 0; i < d->nrt; i++) {
        pl_rt *rt = d->rt[i];
        sl_pipeline *pl = pl_of(d, rt);
        if (!pl)
            continue;
        double at = 0;
        if (sl_state_last_success(d->state, rt->name, &at, &err) == 0 && at > rt->last_success)
            rt->last_success = at;
        if (rt->dep_since < rt->last_success)
            rt->dep_since = rt->last_success;
        const sl_schedule *sc = pl->schedule;
        if (!sl_schedule_timed(sc))
            continue;
        rt->next_fire = sl_schedule_next(sc, now);
        int64_t last = -1;
        if (sl_state_slot_last(d->state, rt->name, &last, &err) < 0 || last < 0)
            continue; /* never scheduled before: start with the next slot */
        if (sc->catchup) {
            int n = 0;
            for (int64_t t = sl_schedule_next(sc, last); t >= 0 && t <= now && n < 1000;
                 t = sl_schedule_next(sc, t), n++)
                claim(d, rt, sc, t, "catchup");
        } else {
            int64_t t = sl_schedule_prev(sc, last, now);
            if (t >= 0)
                claim(d, rt, sc, t, "catchup");
        }
    }
}

static void lease_step(sl_daemon *d, double now)
{
    if (now < d->lease_next)
        return;
    d->lease_next = now + d->o.lease_ttl_s / 3;
    int held = 0;
    sl_error err = {0};
    if (sl_state_lease(d->state, "scheduler", d->holder, d->o.lease_ttl_s, &held, &err) < 0)
        sl_log_error("scheduler lease: %s", err.msg);
    pthread_mutex_lock(&d->lock);
    if (held && !d->leader) {
        d->leader = 1;
        d->lease_takeovers++;
        sl_log_info("holding the scheduler lease (%s): scheduling", d->holder);
        become_leader(d, (int64_t)now);
    } else if (!held && d->leader) {
        d->leader = 0;
        sl_log_warn("lost the scheduler lease: standing by");
    }
    pthread_mutex_unlock(&d->lock);
}

/* One pass; d->lock held. Returns the next time anything is due. */
static double schedule_step(sl_daemon *d, double now)
{
    double wake = now + 1;
    if (!d->leader)
        return wake;
    int64_t inow = (int64_t)now;
    for (size_t i = 0; i < d->nrt; i++) {
        pl_rt *rt = d->rt[i];
        const sl_schedule *sc = sched_of(d, rt);
        if (!sc)
            continue;
        while (rt->next_fire >= 0 && rt->next_fire <= inow) {
            int64_t slot = rt->next_fire;
            rt->next_fire = sl_schedule_next(sc, slot);
            claim(d, rt, sc, slot, "schedule");
        }
        if (rt->next_fire >= 0 && (double)rt->next_fire < wake)
            wake = (double)rt->next_fire;
        if (!sl_schedule_timed(sc) && !rt->running && !rt->nq && upstreams_ok(d, rt, sc))
            enqueue(rt, "upstream", 1);
    }
    for (size_t k = 0; k < d->norder; k++) {
        pl_rt *rt = d->rt[d->order[k]];
        sl_pipeline *pl = pl_of(d, rt);
        const sl_schedule *sc = sched_of(d, rt);
        if (!sc || !rt->nq || rt->running || atomic_load(d->o.stop))
            continue;
        if (d->running >= d->cur->p->max_concurrent_runs)
            break;
        /* a timed pipeline with upstreams waits for them (manual starts do not) */
        if (sl_schedule_timed(sc) && sc->after.n && strncmp(rt->queue[0].by, "schedule", 8) == 0 &&
            !upstreams_ok(d, rt, sc))
            continue;
        start(d, rt, pl);
    }
    if (d->summary_next >= 0 && d->summary_next <= inow) {
        int won = 0;
        sl_error err = {0};
        if (sl_state_slot_claim(d->state, "_daily_summary", d->summary_next, d->holder, &won, &err) == 0 && won) {
            sl_alert_event ev;
            if (sl_alert_summary(d->state, inow, &ev, &err) == 0) {
                sl_alerter_send(d->cur->alerter, &ev);
                sl_free(ev.summary);
            }
        }
        summary_plan(d, inow);
    }
    if (d->summary_next >= 0 && (double)d->summary_next < wake)
        wake = (double)d->summary_next;
    if (inow >= d->freshness_next) { /* quality/monitor.h: stale pipelines and models, once a minute */
        sl_error err = {0};
        d->freshness_next = inow + 60;
        if (sl_monitor_freshness(d->state, d->cur->alerter, d->cur->p, inow, &err) < 0)
            sl_log_warn("monitors: freshness: %s", err.msg);
    }
    return wake;
}

static void shutdown_runs(sl_daemon *d)
{
    pthread_mutex_lock(&d->lock);
    if (d->running)
        sl_log_info("stopping: %d run%s in flight%s", d->running, d->running == 1 ? "" : "s",
                    d->o.drain_s > 0 ? "; letting them finish" : "; cancelling (the current batch rolls back)");
    double deadline = wall_now() + d->o.drain_s;
    while (d->running && wall_now() < deadline) {
        struct timespec ts = sl_deadline_in(0.1);
        pthread_cond_timedwait(&d->cond, &d->lock, &ts);
    }
    for (size_t i = 0; i < d->nrt; i++)
        if (d->rt[i]->running)
            atomic_store(&d->rt[i]->cancel, 1);
    while (d->running)
        pthread_cond_wait(&d->cond, &d->lock);
    pthread_mutex_unlock(&d->lock);
}

int sl_daemon_run(const sl_daemon_opts *o)
{
    /* A daemon starts threads for every run for days: glibc would give them
     * up to 8 arenas per core, each keeping a few MB of freed memory (smaps
     * of a soak: 14 arenas holding 22 MB). Four arenas, trimmed every 10 s
     * (below), keep RSS flat; runs are I/O- and SQLite-bound, so the lock
     * contention this adds does not show. */
    mallopt(M_ARENA_MAX, 4);
    sl_daemon *d = sl_calloc(1, sizeof *d);
    d->o = *o;
    if (d->o.lease_ttl_s <= 0)
        d->o.lease_ttl_s = 10;
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->cond, NULL);
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    unsigned r = 0;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
        r = (unsigned)time(NULL);
    snprintf(d->holder, sizeof d->holder, "%s:%d:%08x", host, (int)getpid(), r);

    /* SIGHUP, SIGTERM and SIGINT reach this thread only, between two
     * passes of the loop below: every thread the daemon starts (runs, their
     * engine threads, HTTP, lanes, alerts) inherits them blocked, so a
     * signal never lands in a run's read() or write() as EINTR (a failed
     * run) and the flags are only looked at here. */
    sigset_t sigs, saved;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGHUP);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, &saved);
    int rc = -1;
    sl_api_server *api = NULL;
    sl_project *p = load_project(o->project_dir, "the project has errors");
    if (!p)
        goto out;
    sl_error err = {0};
    if (sl_state_open_project(p, &d->state, &err) < 0) {
        sl_log_error("state store: %s", err.msg);
        sl_project_free(p);
        goto out;
    }
    d->cur = ref_new(p);
    /* before the API: its requests may be events for a stream pipeline */
    if (sl_ingest_start(p, &d->ingest, &err) < 0) {
        sl_log_error("%s", err.msg);
        goto out;
    }
    /* the lanes of the stream pipelines read the spools the ingest opened */
    d->stream = sl_stream_runner_start(o->project_dir, p, d->ingest);
    adopt(d, (int64_t)time(NULL));
    api = sl_api_start(d, o->listen, &err);
    if (!api) {
        sl_log_error("%s", err.msg);
        goto out;
    }
    sl_log_info("serving %s on http://%s (%zu pipelines, state: %s)", p->dir, o->listen, p->npipelines,
                sl_state_kind(d->state));
    while (1) {
        /* signals sent meanwhile are handled now (they set the flags) */
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
        pthread_sigmask(SIG_BLOCK, &sigs, NULL);
        if (atomic_load(o->stop))
            break;
        if (atomic_exchange(o->reload, 0))
            do_reload(d);
        double now = wall_now();
        lease_step(d, now);
        /* Every run's threads free what they allocated, but glibc keeps freed
         * pages in its arenas: without a trim (and the arena limit above) a
         * daemon's RSS creeps up towards the sum of past peaks (measured:
         * 22 -> 47 MB in 10 minutes of tests/serve/soak.sh, the heap itself
         * flat under valgrind's massif). */
        if (now >= d->trim_next) {
            malloc_trim(0);
            d->trim_next = now + 10;
        }
        pthread_mutex_lock(&d->lock);
        double wake = schedule_step(d, now);
        if (d->leader && wake > d->lease_next)
            wake = d->lease_next;
        if (!d->leader && wake > d->lease_next)
            wake = d->lease_next;
        /* sleep until something is due, a run ends, or a signal (1 s at most) */
        double until = wake < now + 1 ? wake : now + 1;
        if (until > now) {
            struct timespec ts = sl_deadline_in(until - now);
            pthread_cond_timedwait(&d->cond, &d->lock, &ts);
        }
        pthread_mutex_unlock(&d->lock);
    }
    double t0 = wall_now();
    shutdown_runs(d);
    /* before the ingest: each lane's run ends successfully at a batch
     * boundary (the runner itself stays until the HTTP thread is gone: its
     * /metrics and /api/v1/pipelines read it) */
    sl_stream_runner_stop(d->stream);
    sl_state_lease_release(d->state, "scheduler", d->holder);
    sl_log_info("stopped in %.2fs", wall_now() - t0);
    rc = 0;
out:
    sl_stream_runner_stop(d->stream);
    sl_api_stop(api);
    sl_stream_runner_free(d->stream);
    sl_ingest_stop(d->ingest);
    if (d->cur)
        ref_release(d, d->cur);
    sl_state_close(d->state);
    for (size_t i = 0; i < d->nrt; i++) {
        if (d->rt[i]->msched) {
            sl_schedule_free_fields(d->rt[i]->msched);
            sl_free(d->rt[i]->msched);
        }
        sl_free(d->rt[i]->name);
        sl_free(d->rt[i]->queue);
        sl_free(d->rt[i]);
    }
    sl_free(d->rt);
    sl_free(d->order);
    sl_free(d->http);
    pthread_mutex_destroy(&d->lock);
    pthread_cond_destroy(&d->cond);
    sl_free(d);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    return rc;
}

/* ---- for the API ------------------------------------------------------------------ */

sl_state *sl_daemon_state(sl_daemon *d)
{
    return d->state;
}

sl_ingest_set *sl_daemon_ingest(sl_daemon *d)
{
    return d->ingest;
}

int sl_daemon_stopping(sl_daemon *d)
{
    return atomic_load(d->o.stop) != 0;
}

void sl_daemon_pipelines_json(sl_daemon *d, sl_buf *out)
{
    pthread_mutex_lock(&d->lock);
    sl_buf_adds(out, "{\"pipelines\":[");
    int n = 0;
    for (size_t k = 0; k < d->norder; k++) {
        pl_rt *rt = d->rt[d->order[k]];
        sl_pipeline *pl = pl_of(d, rt);
        if (!pl)
            continue;
        const sl_schedule *sc = pl->schedule;
        int stream = sl_stream_pipeline(pl);
        char desc[256], t[40];
        sl_schedule_describe(sc, desc, sizeof desc);
        sl_buf_adds(out, n++ ? ",{\"name\":" : "{\"name\":");
        sl_buf_add_json_str(out, rt->name, strlen(rt->name));
        sl_buf_adds(out, ",\"schedule\":");
        sl_buf_add_json_str(out, desc, strlen(desc));
        sl_buf_adds(out, ",\"timezone\":");
        sl_buf_add_json_str(out, sl_tz_name(sc->tz), strlen(sl_tz_name(sc->tz)));
        sl_buf_adds(out, ",\"after\":[");
        for (size_t i = 0; i < sc->after.n; i++) {
            if (i)
                sl_buf_addc(out, ',');
            sl_buf_add_json_str(out, sc->after.v[i], strlen(sc->after.v[i]));
        }
        sl_buf_adds(out, "],\"next_run\":");
        if (rt->next_fire >= 0) {
            sl_tz_format(sc->tz, rt->next_fire, t);
            sl_buf_addf(out, "\"%s\"", t);
        } else {
            sl_buf_adds(out, "null");
        }
        sl_buf_addf(out, ",\"running\":%s,\"queued\":%zu,\"last_run\":", rt->running || stream ? "true" : "false",
                    rt->nq);
        if (rt->last_run_id[0]) {
            iso((int64_t)rt->last_finished, t);
            sl_buf_adds(out, "{\"run_id\":");
            sl_buf_add_json_str(out, rt->last_run_id, strlen(rt->last_run_id));
            sl_buf_addf(out, ",\"status\":\"%s\",\"finished_at\":\"%s\"}", rt->last_status, t);
        } else {
            sl_buf_adds(out, "null");
        }
        if (stream && !sl_stream_runner_json(d->stream, rt->name, out))
            sl_buf_adds(out, ",\"mode\":\"continuous\",\"lanes\":[]");
        sl_buf_addc(out, '}');
    }
    sl_buf_addf(out, "],\"leader\":%s}", d->leader ? "true" : "false");
    pthread_mutex_unlock(&d->lock);
}

int sl_daemon_trigger(sl_daemon *d, const char *pipeline, const char *by, char run_id[40])
{
    pthread_mutex_lock(&d->lock);
    pl_rt *rt = rt_find(d, pipeline);
    int rc = 0;
    queued_start *q = NULL;
    if (atomic_load(d->o.stop))
        rc = 503; /* shutting down: no new runs */
    else if (!rt || !rt->present)
        rc = 404;
    else if (rt->running || rt->nq || sl_stream_pipeline(pl_of(d, rt)))
        rc = 409; /* a stream pipeline's lanes run continuously */
    else if (!(q = enqueue(rt, by, 0)))
        rc = 503;
    if (q)
        snprintf(run_id, 40, "%s", q->run_id);
    /* a run asked for by hand starts on this daemon even if it does not hold the lease */
    if (rc == 0 && !d->leader) {
        sl_pipeline *pl = pl_of(d, rt);
        if (d->running < d->cur->p->max_concurrent_runs)
            start(d, rt, pl);
    }
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->lock);
    return rc;
}

int sl_daemon_queued(sl_daemon *d, const char *run_id, sl_buf *out)
{
    int found = 0;
    pthread_mutex_lock(&d->lock);
    for (size_t i = 0; i < d->nrt && !found; i++) {
        pl_rt *rt = d->rt[i];
        const char *by = NULL;
        for (size_t k = 0; k < rt->nq && !by; k++)
            if (strcmp(rt->queue[k].run_id, run_id) == 0)
                by = rt->queue[k].by;
        if (!by && rt->running && strcmp(rt->running_id, run_id) == 0)
            by = ""; /* dequeued, not yet in the state store */
        if (by) {
            found = 1;
            sl_buf_adds(out, "{\"run_id\":");
            sl_buf_add_json_str(out, run_id, strlen(run_id));
            sl_buf_adds(out, ",\"pipeline\":");
            sl_buf_add_json_str(out, rt->name, strlen(rt->name));
            sl_buf_adds(out, *by ? ",\"status\":\"queued\",\"started_by\":" : ",\"status\":\"starting\"");
            if (*by)
                sl_buf_add_json_str(out, by, strlen(by));
            sl_buf_adds(out, "}\n");
        }
    }
    pthread_mutex_unlock(&d->lock);
    return found;
}

void sl_daemon_count_request(sl_daemon *d, const char *handler, int code)
{
    pthread_mutex_lock(&d->lock);
    http_count *c = NULL;
    for (size_t i = 0; i < d->nhttp && !c; i++)
        if (d->http[i].code == code && strcmp(d->http[i].handler, handler) == 0)
            c = &d->http[i];
    if (!c) {
        SL_GROW(d->http, d->caphttp, d->nhttp + 1);
        c = &d->http[d->nhttp++];
        memset(c, 0, sizeof *c);
        snprintf(c->handler, sizeof c->handler, "%s", handler);
        c->code = code;
    }
    c->n++;
    pthread_mutex_unlock(&d->lock);
}

void sl_daemon_metrics(sl_daemon *d, sl_buf *out)
{
    pthread_mutex_lock(&d->lock);
    proj_ref *r = d->cur;
    r->refs++;
    pthread_mutex_unlock(&d->lock);
    sl_error err = {0};
    if (sl_metrics_render(d->state, r->p, out, &err) < 0)
        sl_log_error("metrics: %s", err.msg);
    pthread_mutex_lock(&d->lock);
    sl_buf_adds(out, "# HELP sluice_pipeline_running Whether a run of the pipeline is in flight on this daemon.\n"
                     "# TYPE sluice_pipeline_running gauge\n");
    for (size_t i = 0; i < d->nrt; i++)
        if (d->rt[i]->present)
            sl_buf_addf(out, "sluice_pipeline_running{pipeline=\"%s\"} %d\n", d->rt[i]->name, d->rt[i]->running);
    sl_buf_adds(out, "# HELP sluice_pipeline_queued_runs Runs waiting to start (concurrency limit, upstreams).\n"
                     "# TYPE sluice_pipeline_queued_runs gauge\n");
    for (size_t i = 0; i < d->nrt; i++)
        if (d->rt[i]->present)
            sl_buf_addf(out, "sluice_pipeline_queued_runs{pipeline=\"%s\"} %zu\n", d->rt[i]->name, d->rt[i]->nq);
    sl_buf_adds(out, "# HELP sluice_pipeline_next_run_timestamp_seconds Next scheduled fire time.\n"
                     "# TYPE sluice_pipeline_next_run_timestamp_seconds gauge\n");
    for (size_t i = 0; i < d->nrt; i++)
        if (d->rt[i]->present && d->rt[i]->next_fire >= 0)
            sl_buf_addf(out, "sluice_pipeline_next_run_timestamp_seconds{pipeline=\"%s\"} %lld\n", d->rt[i]->name,
                        (long long)d->rt[i]->next_fire);
    sl_buf_addf(
        out,
        "# HELP sluice_scheduler_leader Whether this daemon holds the scheduler lease.\n"
        "# TYPE sluice_scheduler_leader gauge\nsluice_scheduler_leader %d\n"
        "# HELP sluice_scheduler_runs_in_flight Runs in flight on this daemon.\n"
        "# TYPE sluice_scheduler_runs_in_flight gauge\nsluice_scheduler_runs_in_flight %d\n"
        "# HELP sluice_scheduler_lease_acquisitions_total Times this daemon took the scheduler lease.\n"
        "# TYPE sluice_scheduler_lease_acquisitions_total counter\nsluice_scheduler_lease_acquisitions_total %lld\n"
        "# HELP sluice_scheduler_coalesced_slots_total Slots merged into a start already waiting (catchup: false).\n"
        "# TYPE sluice_scheduler_coalesced_slots_total counter\nsluice_scheduler_coalesced_slots_total %lld\n"
        "# HELP sluice_config_reloads_total Configuration reloads (SIGHUP) by result.\n"
        "# TYPE sluice_config_reloads_total counter\n"
        "sluice_config_reloads_total{result=\"success\"} %lld\nsluice_config_reloads_total{result=\"failure\"} %lld\n",
        d->leader, d->running, (long long)d->lease_takeovers, (long long)d->coalesced_slots, (long long)d->reloads,
        (long long)d->reload_failures);
    const sl_alerts *a = r->p->alerts;
    if (a && a->n) {
        sl_buf_adds(out, "# HELP sluice_alerts_total Alert deliveries by channel and outcome.\n"
                         "# TYPE sluice_alerts_total counter\n");
        for (size_t i = 0; i < a->n; i++) {
            int64_t sent, failed;
            sl_alerter_counts(r->alerter, i, &sent, &failed);
            for (int k = 0; k < 2; k++) {
                sl_buf_adds(out, "sluice_alerts_total{channel=\"");
                sl_metrics_label(out, a->ch[i].name); /* free text from sluice.yml */
                sl_buf_addf(out, "\",outcome=\"%s\"} %lld\n", k ? "failed" : "delivered",
                            (long long)(k ? failed : sent));
            }
        }
    }
    sl_buf_adds(out, "# HELP sluice_http_requests_total HTTP requests served, by handler and status code.\n"
                     "# TYPE sluice_http_requests_total counter\n");
    for (size_t i = 0; i < d->nhttp; i++)
        sl_buf_addf(out, "sluice_http_requests_total{handler=\"%s\",code=\"%d\"} %lld\n", d->http[i].handler,
                    d->http[i].code, (long long)d->http[i].n);
    pthread_mutex_unlock(&d->lock);
    sl_stream_runner_metrics(d->stream, out);
    sl_metrics_process(out);
    ref_release(d, r);
}
