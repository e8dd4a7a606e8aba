/* build.c: the models layer's executor (see build.h). */
#include "models/build.h"
#include "config/project.h"
#include "core/failpoint.h"
#include "core/mem.h"
#include "core/util.h"
#include "models/build_checks.h"
#include "models/materialize.h"
#include "models/mtype.h"
#include "models/results.h"
#include "models/test.h"
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

const char *sl_build_kind_name(sl_node_kind k)
{
    switch (k) {
    case SL_NODE_PIPELINE: return "pipeline";
    case SL_NODE_SEED: return "seed";
    case SL_NODE_MODEL: return "model";
    case SL_NODE_SNAPSHOT: return "snapshot";
    case SL_NODE_TEST: return "test";
    case SL_NODE_ANALYSIS: return "analysis";
    case SL_NODE_SOURCE: return "source";
    }
    return "node";
}

int sl_build_has_models(const sl_project *p)
{
    if (p->dbt_file)
        return 1;
    size_t n = p->model_paths.n ? p->model_paths.n : 1;
    for (size_t i = 0; i < n; i++) {
        const char *dir = p->model_paths.n ? p->model_paths.v[i] : "models";
        char *path = dir[0] == '/' ? sl_strdup(dir) : sl_printf("%s/%s", p->dir, dir);
        struct stat st;
        int yes = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
        sl_free(path);
        if (yes)
            return 1;
    }
    return 0;
}

int sl_build_open_adapter(const sl_graph *g, sl_adapter **a, sl_error *err)
{
    /* the relations were named in the graph's target schema: the
     * connection's default must be that one too */
    if (sl_adapter_open_target(g->project, g->target.schema, a, err) < 0)
        return -1;
    if (strcmp(sl_adapter_type(*a), "postgres") == 0 && sl_adapter_ensure_schema(*a, NULL, err) < 0) {
        sl_adapter_close(*a);
        *a = NULL;
        return -1;
    }
    return 0;
}

int sl_build_runnable(const sl_node *n)
{
    if (n->config.enabled == 0)
        return 0;
    switch (n->kind) {
    case SL_NODE_MODEL:
        return !(n->config.materialized && strcmp(n->config.materialized, "ephemeral") == 0);
    case SL_NODE_PIPELINE:
    case SL_NODE_SEED:
    case SL_NODE_SNAPSHOT:
    case SL_NODE_TEST:
        return 1;
    default:
        return 0;
    }
}

int sl_build_failed(const sl_node_result *r)
{
    return strcmp(r->status, "error") == 0 || strcmp(r->status, "fail") == 0 || strcmp(r->status, "skipped") == 0;
}

/* ---- the plan: which nodes run, and what each waits for ---------------- */

typedef struct edges {
    size_t *v;
    size_t n, cap;
} edges;

static void edge_add(edges *e, size_t x)
{
    for (size_t i = 0; i < e->n; i++)
        if (e->v[i] == x)
            return;
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 4;
        e->v = sl_realloc(e->v, e->cap * sizeof *e->v);
    }
    e->v[e->n++] = x;
}

typedef struct builder {
    sl_graph *g;
    const sl_build_opts *o;
    size_t total;        /* nodes in the run */
    int64_t *slot;       /* g->n: the node's place in results, or -1 */
    size_t *node_of;     /* total: slot -> node */
    edges *up, *down;    /* total: slots each waits for / that wait for it */
    size_t *waiting;     /* total: unfinished upstreams */
    uint8_t *state;      /* total: 0 waiting, 1 ready, 2 running, 3 done */
    sl_node_result *res; /* total */
    size_t emitted, done;
    int stop;            /* fail-fast fired */
    pthread_mutex_t lock, compile_lock;
    pthread_cond_t wake;
    sl_adapter *first;   /* worker 0's connection (opened to learn the warehouse's type) */
    sl_check_result **audited; /* g->n: a check node's result from its model's write-audit-publish, or NULL */
} builder;

/* Walk up from node x through nodes outside the run to the nearest ones in
 * it: those are what x's slot waits for. */
static void collect_up(builder *b, size_t x, size_t self, uint32_t *seen, uint32_t stamp, edges *out)
{
    const sl_node *n = &b->g->nodes[x];
    for (size_t k = 0; k < n->ndeps; k++) {
        size_t d = n->deps[k];
        if (d >= b->g->n || seen[d] == stamp)
            continue;
        seen[d] = stamp;
        if (b->slot[d] >= 0 && (size_t)b->slot[d] != self)
            edge_add(out, (size_t)b->slot[d]);
        else if (b->slot[d] < 0)
            collect_up(b, d, self, seen, stamp, out);
    }
}

/* Whether `anc` is node x or one of its ancestors. */
static int reaches(const sl_graph *g, size_t x, size_t anc, uint32_t *seen, uint32_t stamp)
{
    if (x == anc)
        return 1;
    if (seen[x] == stamp)
        return 0;
    seen[x] = stamp;
    for (size_t k = 0; k < g->nodes[x].ndeps; k++)
        if (g->nodes[x].deps[k] < g->n && reaches(g, g->nodes[x].deps[k], anc, seen, stamp))
            return 1;
    return 0;
}

static void plan(builder *b)
{
    sl_graph *g = b->g;
    const sl_build_opts *o = b->o;
    unsigned kinds = o->kinds ? o->kinds : SL_BUILD_ALL;
    size_t *order = sl_calloc(g->n + 1, sizeof *order);
    sl_graph_order(g, order);
    b->slot = sl_calloc(g->n + 1, sizeof *b->slot);
    b->node_of = sl_calloc(g->n + 1, sizeof *b->node_of);
    for (size_t i = 0; i < g->n; i++)
        b->slot[i] = -1;
    for (size_t k = 0; k < g->n; k++) {
        size_t i = order[k];
        const sl_node *n = &g->nodes[i];
        if ((o->sel && !o->sel[i]) || !(kinds & SL_BUILD_KIND(n->kind)) || !sl_build_runnable(n))
            continue;
        b->slot[i] = (int64_t)b->total;
        b->node_of[b->total++] = i;
    }
    sl_free(order);
    size_t t = b->total;
    b->up = sl_calloc(t + 1, sizeof *b->up);
    b->down = sl_calloc(t + 1, sizeof *b->down);
    b->waiting = sl_calloc(t + 1, sizeof *b->waiting);
    b->state = sl_calloc(t + 1, 1);
    b->res = sl_calloc(t + 1, sizeof *b->res);
    uint32_t *seen = sl_calloc(g->n + 1, sizeof *seen), stamp = 0;
    for (size_t s = 0; s < t; s++) {
        stamp++;
        collect_up(b, b->node_of[s], s, seen, stamp, &b->up[s]);
    }
    /* build: a node also waits for the tests of its direct upstreams */
    if (kinds & SL_BUILD_KIND(SL_NODE_TEST)) {
        edges *tests_of = sl_calloc(g->n + 1, sizeof *tests_of);
        for (size_t s = 0; s < t; s++) {
            const sl_node *n = &g->nodes[b->node_of[s]];
            if (n->kind == SL_NODE_TEST)
                for (size_t k = 0; k < n->ndeps; k++)
                    if (n->deps[k] < g->n)
                        edge_add(&tests_of[n->deps[k]], s);
        }
        for (size_t s = 0; s < t; s++) {
            size_t m = b->node_of[s];
            const sl_node *n = &g->nodes[m];
            if (n->kind == SL_NODE_TEST)
                continue;
            for (size_t k = 0; k < n->ndeps; k++) {
                size_t d = n->deps[k];
                if (d >= g->n)
                    continue;
                for (size_t q = 0; q < tests_of[d].n; q++) {
                    size_t ts = tests_of[d].v[q];
                    const sl_node *tn = &g->nodes[b->node_of[ts]];
                    int cycle = 0;
                    for (size_t z = 0; z < tn->ndeps && !cycle; z++) {
                        stamp++;
                        cycle = tn->deps[z] < g->n && reaches(g, tn->deps[z], m, seen, stamp);
                    }
                    if (!cycle)
                        edge_add(&b->up[s], ts);
                }
            }
        }
        for (size_t i = 0; i < g->n; i++)
            sl_free(tests_of[i].v);
        sl_free(tests_of);
    }
    sl_free(seen);
    for (size_t s = 0; s < t; s++) {
        b->waiting[s] = b->up[s].n;
        for (size_t k = 0; k < b->up[s].n; k++)
            edge_add(&b->down[b->up[s].v[k]], s);
        b->res[s].node = b->node_of[s];
        b->res[s].failures = -1;
        b->res[s].rows_affected = -1;
        if (!b->waiting[s])
            b->state[s] = 1;
    }
}

/* ---- running one node ----------------------------------------------------- */

static void fail_msg(sl_node_result *r, const char *what, const char *msg)
{
    snprintf(r->status, sizeof r->status, "error");
    snprintf(r->message, sizeof r->message, "%s%s", what, msg);
}

static int compile_node(builder *b, size_t i, int incremental, int test, sl_buf *sql, sl_node_result *r)
{
    sl_error err = {0};
    pthread_mutex_lock(&b->compile_lock);
    int rc = test ? sl_graph_compile_test(b->g, i, sql, &err) : sl_graph_compile(b->g, i, incremental, sql, &err);
    pthread_mutex_unlock(&b->compile_lock);
    if (rc < 0) {
        fail_msg(r, "", err.msg);
        return -1;
    }
    r->compiled = sl_strdup(sql->data ? sql->data : "");
    sl_error ignored = {0};
    sl_results_write_compiled(b->g, i, r->compiled, &ignored);
    return 0;
}

/* A warehouse error, with where the compiled SQL is for the reader. */
static void sql_error(builder *b, size_t i, sl_node_result *r, const sl_error *err)
{
    char *path = sl_results_compiled_path(b->g, i);
    snprintf(r->status, sizeof r->status, "error");
    const char *at = strstr(err->msg, " of the compiled SQL)");
    if (at) /* the adapter's "(line N of the compiled SQL)": name the file */
        snprintf(r->message, sizeof r->message, "%.*s of %s%s", (int)(at - err->msg), err->msg, path,
                 at + strlen(" of the compiled SQL"));
    else
        snprintf(r->message, sizeof r->message, "%s (compiled SQL: %s)", err->msg, path);
    sl_free(path);
}

/* ---- data quality: checks and write-audit-publish ------------------------- */

static void add_check(sl_node_result *r, const sl_check_result *c)
{
    r->checks = sl_realloc(r->checks, (r->nchecks + 1) * sizeof *r->checks);
    r->checks[r->nchecks++] = *c;
}

/* A test node carrying a sluice check: its write-audit-publish result when
 * its model ran it on the staged data, else run now on the model. */
static int run_check(builder *b, size_t i, sl_adapter *a, sl_node_result *r)
{
    sl_check_result cr;
    int rc;
    if (b->audited && b->audited[i]) {
        cr = *b->audited[i];
        sl_free(b->audited[i]);
        b->audited[i] = NULL;
        rc = strcmp(cr.status, "pass") == 0 || strcmp(cr.status, "warn") == 0 ? 0 : -1;
        r->sql_s = cr.duration_s;
    } else {
        double t = sl_mono_s();
        rc = sl_build_check_run(a, b->g, i, sl_build_test_relation(b->g, &b->g->nodes[i]), b->o->state, &cr);
        r->sql_s = sl_mono_s() - t;
        if (!cr.duration_s)
            cr.duration_s = r->sql_s;
    }
    snprintf(r->status, sizeof r->status, "%s", cr.status);
    snprintf(r->message, sizeof r->message, "%s", cr.message);
    r->failures = cr.failures >= 0 ? cr.failures : -1;
    r->sample_json = cr.sample_json ? sl_strdup(cr.sample_json) : NULL;
    add_check(r, &cr);
    return rc;
}

/* Whether model i has checks to run before it is published. */
static int has_audit(builder *b, size_t i)
{
    if (b->o->no_audit || b->o->ops.node)
        return 0;
    for (size_t t = 0; t < b->g->n; t++)
        if (sl_build_audits(b->g, i, t))
            return 1;
    return 0;
}

typedef struct audit_ctx {
    builder *b;
    size_t model;
    sl_node_result *r;
    int failed;
} audit_ctx;

/* sl_mat_audit_fn: the model's error-severity checks on the staged data. */
static int audit_model(void *ctx, sl_adapter *a, sl_relation staged, sl_error *err)
{
    audit_ctx *ac = ctx;
    builder *b = ac->b;
    sl_graph *g = b->g;
    size_t n = 0, nfail = 0;
    sl_check_result *res = NULL;
    sl_failpoint("build.audit"); /* sleepMS: the staged data waits unpublished (tests of readers) */
    for (size_t t = 0; t < g->n; t++) {
        if (!sl_build_audits(g, ac->model, t))
            continue;
        res = sl_realloc(res, (n + 1) * sizeof *res);
        double t0 = sl_mono_s();
        if (sl_build_check_run(a, g, t, staged, b->o->state, &res[n]) < 0)
            nfail++;
        if (!res[n].duration_s)
            res[n].duration_s = sl_mono_s() - t0;
        n++;
    }
    const sl_check_result *first = NULL;
    for (size_t k = 0; k < n; k++) {
        if (!first && strcmp(res[k].status, "pass") != 0 && strcmp(res[k].status, "warn") != 0)
            first = &res[k];
    }
    size_t k = 0;
    for (size_t t = 0; t < g->n && k < n; t++) {
        if (!sl_build_audits(g, ac->model, t))
            continue;
        if (!nfail && b->slot[t] >= 0) { /* the check's own node reports it */
            b->audited[t] = sl_malloc(sizeof *b->audited[t]);
            *b->audited[t] = res[k];
        } else {
            add_check(ac->r, &res[k]);
        }
        k++;
    }
    int rc = 0;
    if (nfail && !first)
        first = &ac->r->checks[ac->r->nchecks - 1];
    if (nfail) {
        ac->failed = 1;
        rc = sl_error_set(err, SL_EDATA, "check %s failed before publish%s: %s (the previous data stays)",
                          first->check, nfail > 1 ? " (and more)" : "", first->message);
    }
    sl_free(res);
    return rc;
}

static int run_node(builder *b, size_t i, sl_adapter *a, sl_node_result *r)
{
    sl_graph *g = b->g;
    const sl_node *n = &g->nodes[i];
    if (b->o->ops.node)
        return b->o->ops.node(b->o->ops.ctx, g, i, a, r);
    if (n->kind == SL_NODE_PIPELINE) {
        if (!b->o->ops.pipeline) {
            fail_msg(r, "", "pipelines cannot run here");
            return -1;
        }
        double t = sl_mono_s();
        int rc = b->o->ops.pipeline(b->o->ops.ctx, g, i, r);
        r->sql_s = sl_mono_s() - t;
        return rc;
    }
    sl_error err = {0};
    sl_mat_result mr = {0};
    sl_buf sql;
    sl_buf_init(&sql);
    int rc = -1;
    double t;
    switch (n->kind) {
    case SL_NODE_SEED:
        t = sl_mono_s();
        rc = sl_materialize_seed(a, g->project, n, &mr, &err);
        r->sql_s = sl_mono_s() - t;
        if (rc < 0)
            fail_msg(r, "", err.msg);
        break;
    case SL_NODE_MODEL: {
        if (n->mtype || n->mtype_owner) { /* a typed model (models/mtype.h) or one of its outputs */
            t = sl_mono_s();
            audit_ctx ac = {b, i, r, 0};
            sl_mat_audit au = {audit_model, &ac};
            rc = sl_mtype_run(a, g, i, b->o->full_refresh, has_audit(b, i) ? &au : NULL, &mr, &err);
            r->sql_s = sl_mono_s() - t;
            if (rc < 0)
                fail_msg(r, "", err.msg);
            break;
        }
        int incremental = 0;
        t = sl_mono_s();
        rc = sl_materialize_is_incremental(a, n, b->o->full_refresh, &incremental, &err);
        r->sql_s += sl_mono_s() - t;
        if (rc < 0) {
            fail_msg(r, "", err.msg);
            break;
        }
        if ((rc = compile_node(b, i, incremental, 0, &sql, r)) < 0)
            break;
        t = sl_mono_s();
        audit_ctx ac = {b, i, r, 0};
        sl_mat_audit au = {audit_model, &ac};
        rc = sl_materialize_model_audited(a, n, r->compiled, b->o->full_refresh, has_audit(b, i) ? &au : NULL, &mr,
                                          &err);
        r->sql_s += sl_mono_s() - t;
        if (rc < 0 && ac.failed)
            fail_msg(r, "", err.msg);
        else if (rc < 0)
            sql_error(b, i, r, &err);
        break;
    }
    case SL_NODE_SNAPSHOT:
        if ((rc = compile_node(b, i, 0, 0, &sql, r)) < 0)
            break;
        t = sl_mono_s();
        rc = sl_materialize_snapshot(a, n, r->compiled, &mr, &err);
        r->sql_s = sl_mono_s() - t;
        if (rc < 0)
            sql_error(b, i, r, &err);
        break;
    case SL_NODE_TEST: {
        if (n->check) {
            rc = run_check(b, i, a, r);
            break;
        }
        if ((rc = compile_node(b, i, 0, 1, &sql, r)) < 0) {
            sl_test_result tr = {.failures = -1}; /* kept as a result too: status error, the message */
            snprintf(tr.status, sizeof tr.status, "error");
            snprintf(tr.message, sizeof tr.message, "%s", r->message);
            r->checks = sl_calloc(1, sizeof *r->checks);
            r->nchecks = 1;
            sl_build_check_from_test(g, i, &tr, 0, r->checks);
            break;
        }
        sl_test_result tr;
        t = sl_mono_s();
        rc = sl_test_run(a, n, r->compiled, &tr);
        r->checks = sl_calloc(1, sizeof *r->checks);
        r->nchecks = 1;
        sl_build_check_from_test(g, i, &tr, sl_mono_s() - t, r->checks);
        r->sql_s = tr.sql_s;
        snprintf(r->status, sizeof r->status, "%s", tr.status);
        snprintf(r->message, sizeof r->message, "%s", tr.message);
        r->failures = tr.failures;
        r->sample_json = tr.sample_json;
        tr.sample_json = NULL;
        sl_test_result_release(&tr);
        sl_buf_release(&sql);
        return rc;
    }
    default:
        fail_msg(r, "", "not a node that runs");
        break;
    }
    sl_buf_release(&sql);
    if (rc == 0 && n->kind != SL_NODE_TEST) {
        snprintf(r->status, sizeof r->status, "success");
        snprintf(r->message, sizeof r->message, "%s", mr.message);
        r->rows_affected = mr.rows_affected;
        if (b->o->state) {
            double t1 = sl_mono_s();
            sl_build_observe(a, g, i, b->o->state, b->o->alerter, b->o->run_id);
            r->sql_s += sl_mono_s() - t1;
        }
    }
    return rc;
}

/* ---- the pool ---------------------------------------------------------------- */

/* Report, in DAG order, every finished node not yet reported. Lock held. */
static void emit(builder *b)
{
    while (b->emitted < b->total && b->state[b->emitted] == 3) {
        if (b->o->ops.report)
            b->o->ops.report(b->o->ops.ctx, b->g, &b->res[b->emitted], b->emitted, b->total);
        b->emitted++;
    }
}

/* Slot s finished (lock held): release what waits for it. */
static void finished(builder *b, size_t s)
{
    b->state[s] = 3;
    b->done++;
    if (sl_build_failed(&b->res[s]) && b->o->fail_fast && strcmp(b->res[s].status, "skipped") != 0)
        b->stop = 1;
    for (size_t k = 0; k < b->down[s].n; k++) {
        size_t d = b->down[s].v[k];
        if (--b->waiting[d] == 0 && b->state[d] == 0)
            b->state[d] = 1;
    }
    pthread_cond_broadcast(&b->wake);
}

/* A ready slot that need not run: an upstream failed, or the build stops.
 * Returns 1 when it was settled so. Lock held. */
static int settle(builder *b, size_t s)
{
    sl_node_result *r = &b->res[s];
    const char *why = NULL;
    char buf[400];
    for (size_t k = 0; k < b->up[s].n && !why; k++) {
        const sl_node_result *u = &b->res[b->up[s].v[k]];
        if (sl_build_failed(u)) {
            snprintf(buf, sizeof buf, "upstream %s %s", b->g->nodes[u->node].unique_id,
                     strcmp(u->status, "skipped") == 0 ? "was skipped" : "failed");
            why = buf;
        }
    }
    if (!why && b->o->cancel && atomic_load(b->o->cancel))
        why = "interrupted";
    if (!why && b->stop)
        why = "--fail-fast: an earlier node failed";
    if (!why)
        return 0;
    snprintf(r->status, sizeof r->status, "skipped");
    snprintf(r->message, sizeof r->message, "%s", why);
    finished(b, s);
    return 1;
}

typedef struct worker {
    builder *b;
    int id;
    sl_adapter *a;
} worker;

static int open_adapter(builder *b, sl_adapter **a, sl_error *err)
{
    if (b->o->ops.open)
        return b->o->ops.open(b->o->ops.ctx, b->g, a, err);
    return sl_build_open_adapter(b->g, a, err);
}

static void *work(void *arg)
{
    worker *w = arg;
    builder *b = w->b;
    pthread_mutex_lock(&b->lock);
    for (;;) {
        size_t s = b->total;
        for (size_t k = 0; k < b->total; k++)
            if (b->state[k] == 1) {
                if (settle(b, k)) {
                    k = (size_t)-1; /* settling may have readied earlier slots */
                    emit(b);
                    continue;
                }
                s = k;
                break;
            }
        if (s == b->total) {
            if (b->done == b->total)
                break;
            pthread_cond_wait(&b->wake, &b->lock);
            continue;
        }
        b->state[s] = 2;
        pthread_mutex_unlock(&b->lock);

        sl_node_result *r = &b->res[s];
        size_t i = b->node_of[s];
        r->thread = w->id;
        sl_time_format_now(r->started_at, sizeof r->started_at);
        double t0 = sl_mono_s();
        sl_error err = {0};
        if (sl_failpoint("build.node"))
            fail_msg(r, "", "failpoint build.node");
        else if (!w->a && b->g->nodes[i].kind != SL_NODE_PIPELINE && !b->o->ops.node &&
                 open_adapter(b, &w->a, &err) < 0)
            fail_msg(r, "warehouse: ", err.msg);
        else
            run_node(b, i, w->a, r);
        sl_failpoint("build.node_done");
        if (!r->status[0])
            snprintf(r->status, sizeof r->status, "error");
        r->duration_s = sl_mono_s() - t0;

        pthread_mutex_lock(&b->lock);
        finished(b, s);
        emit(b);
    }
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

int sl_build_run(sl_graph *g, const sl_build_opts *o, sl_build *out, sl_error *err)
{
    memset(out, 0, sizeof *out);
    builder b = {.g = g, .o = o};
    double t0 = sl_mono_s();
    plan(&b);
    b.audited = sl_calloc(g->n + 1, sizeof *b.audited);
    pthread_mutex_init(&b.lock, NULL);
    pthread_mutex_init(&b.compile_lock, NULL);
    pthread_cond_init(&b.wake, NULL);
    int threads = o->threads;
    int needs_warehouse = 0;
    for (size_t s = 0; s < b.total; s++)
        needs_warehouse |= g->nodes[b.node_of[s]].kind != SL_NODE_PIPELINE;
    int rc = 0;
    if (needs_warehouse && open_adapter(&b, &b.first, err) < 0)
        rc = -1;
    const char *type = b.first ? sl_adapter_type(b.first) : "sqlite";
    int sqlite = !type || strcmp(type, "postgres") != 0;
    if (threads <= 0)
        threads = sqlite ? 1 : 4;
    if (sqlite && b.first)
        threads = 1; /* one writer */
    if ((size_t)threads > b.total)
        threads = b.total ? (int)b.total : 1;
    out->threads = threads;
    if (rc == 0) {
        worker *ws = sl_calloc((size_t)threads, sizeof *ws);
        pthread_t *tid = sl_calloc((size_t)threads, sizeof *tid);
        for (int k = 0; k < threads; k++) {
            ws[k].b = &b;
            ws[k].id = k;
        }
        ws[0].a = b.first;
        for (int k = 1; k < threads; k++)
            pthread_create(&tid[k], NULL, work, &ws[k]);
        work(&ws[0]);
        for (int k = 1; k < threads; k++)
            pthread_join(tid[k], NULL);
        for (int k = 0; k < threads; k++)
            if (ws[k].a)
                sl_adapter_close(ws[k].a);
        sl_free(ws);
        sl_free(tid);
    }
    pthread_mutex_destroy(&b.lock);
    pthread_mutex_destroy(&b.compile_lock);
    pthread_cond_destroy(&b.wake);
    out->results = b.res;
    out->n = b.total;
    out->elapsed_s = sl_mono_s() - t0;
    int failed = rc < 0;
    for (size_t s = 0; s < b.total; s++) {
        const char *st = b.res[s].status;
        if (rc < 0 && !st[0]) {
            snprintf(b.res[s].status, sizeof b.res[s].status, "skipped");
            snprintf(b.res[s].message, sizeof b.res[s].message, "warehouse: %s", err->msg);
        }
        if (strcmp(st, "success") == 0 || strcmp(st, "pass") == 0)
            out->nsuccess++;
        else if (strcmp(st, "warn") == 0)
            out->nwarn++;
        else if (strcmp(st, "skipped") == 0)
            out->nskipped++, failed = 1;
        else
            out->nerror++, failed = 1;
    }
    for (size_t s = 0; s < b.total; s++) {
        sl_free(b.up[s].v);
        sl_free(b.down[s].v);
    }
    sl_free(b.up);
    sl_free(b.down);
    sl_free(b.waiting);
    sl_free(b.state);
    for (size_t i = 0; i < g->n; i++)
        if (b.audited[i]) {
            sl_check_result_release(b.audited[i]);
            sl_free(b.audited[i]);
        }
    sl_free(b.audited);
    sl_free(b.slot);
    sl_free(b.node_of);
    return failed ? -1 : 0;
}

void sl_build_free(sl_build *b)
{
    for (size_t i = 0; i < b->n; i++) {
        sl_free(b->results[i].compiled);
        sl_free(b->results[i].notes);
        sl_free(b->results[i].sample_json);
        for (size_t k = 0; k < b->results[i].nchecks; k++)
            sl_check_result_release(&b->results[i].checks[k]);
        sl_free(b->results[i].checks);
    }
    sl_free(b->results);
    memset(b, 0, sizeof *b);
}
