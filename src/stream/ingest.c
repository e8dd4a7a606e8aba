/*
 * ingest.c: see ingest.h. The set of stream endpoints `sluice serve`
 * runs: one per pipeline whose source has an ingest kind, each with its
 * spool; grouped by listener (serve's own, or a source's `listen:`
 * address, which gets a libmicrohttpd daemon of its own serving only its
 * endpoints: stream/ingest_http.c does the HTTP side for both).
 *
 * A request's records go to the spool as one unit; the answer waits for
 * the group they are in to be fsynced (sl_spool_on_durable), so a 2xx
 * is only ever sent for durable events.
 */
#include "stream/ingest.h"
#include "core/log.h"
#include "core/mem.h"
#include "sources/stream.h"
#include "stream/ingest_http.h"
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zlib.h>

struct sl_ingest_endpoint {
    char *pipeline;
    const sl_ingest_kind *kind;
    void *state;
    sl_spool *spool;
    char *spool_dir;
    char *listen;              /* NULL: serve's listener */
    char *path;                /* its `path:` option, if it has one (conflict checks) */
    _Atomic int64_t received;  /* events made durable */
};

struct sl_ingest_set {
    sl_ingest_endpoint **eps;
    size_t n;
    sl_ingest_listener **ls;   /* own listeners (ingest_http.h) */
    size_t nls;
};

/* ---- records and answers ---------------------------------------------------- */

void sl_ingest_records_add(sl_ingest_records *r, int64_t time_us, const char *json, size_t len)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 8;
        r->off = sl_realloc(r->off, r->cap * sizeof *r->off);
        r->len = sl_realloc(r->len, r->cap * sizeof *r->len);
        r->time_us = sl_realloc(r->time_us, r->cap * sizeof *r->time_us);
    }
    r->off[r->n] = r->data.len;
    r->len[r->n] = len;
    r->time_us[r->n] = time_us;
    sl_buf_add(&r->data, json, len);
    r->n++;
}

void sl_ingest_records_reset(sl_ingest_records *r)
{
    sl_buf_reset(&r->data);
    r->n = 0;
}

void sl_ingest_records_release(sl_ingest_records *r)
{
    sl_buf_release(&r->data);
    sl_free(r->off);
    sl_free(r->len);
    sl_free(r->time_us);
    memset(r, 0, sizeof *r);
}

void sl_ingest_answer_error(sl_ingest_answer *a, int status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    a->status = status;
    sl_buf_reset(&a->body);
    sl_buf_adds(&a->body, "{\"error\":");
    sl_buf_add_json_str(&a->body, msg, strlen(msg));
    sl_buf_adds(&a->body, "}\n");
}

/* ---- the set ---------------------------------------------------------------- */

/* The option row `name` of a source's table, or NULL. */
static const sl_option *opt_row(const sl_instance *src, const char *name)
{
    for (const sl_option *o = SL_SOURCE(src)->options; o && o->name; o++)
        if (strcmp(o->name, name) == 0)
            return o;
    return NULL;
}

static int64_t opt_int(const sl_instance *src, const char *name, int64_t def)
{
    const sl_option *o = opt_row(src, name);
    if (!o || (o->type != SL_OPT_INT && o->type != SL_OPT_DURATION))
        return def;
    return *(const int64_t *)((const char *)src->opts + o->offset);
}

static const char *opt_str(const sl_instance *src, const char *name)
{
    const sl_option *o = opt_row(src, name);
    if (!o || (o->type != SL_OPT_STRING && o->type != SL_OPT_ENUM))
        return NULL;
    const char *v = *(char *const *)((const char *)src->opts + o->offset);
    return v && *v ? v : NULL;
}

static int mkdirs(const char *dir)
{
    char *p = sl_strdup(dir);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            if (mkdir(p, 0755) < 0 && errno != EEXIST) {
                sl_free(p);
                return -1;
            }
            *s = '/';
        }
    int rc = mkdir(p, 0755) < 0 && errno != EEXIST ? -1 : 0;
    sl_free(p);
    return rc;
}

static void endpoint_free(sl_ingest_endpoint *ep)
{
    if (!ep)
        return;
    if (ep->state)
        ep->kind->close(ep->state);
    if (ep->spool)
        sl_spool_close(ep->spool);
    sl_free(ep->pipeline);
    sl_free(ep->spool_dir);
    sl_free(ep->listen);
    sl_free(ep->path);
    sl_free(ep);
}

static int same_listener(const sl_ingest_endpoint *a, const sl_ingest_endpoint *b)
{
    if (!a->listen || !b->listen)
        return !a->listen && !b->listen;
    return strcmp(a->listen, b->listen) == 0;
}

/* Two endpoints on one listener that take one path: an error naming both.
 * Probed with each endpoint's `path:` and the Segment API's paths. */
static int check_paths(sl_ingest_set *s, sl_error *err)
{
    static const char *const probes[] = {"/v1/identify", "/v1/track", "/v1/page",  "/v1/screen", "/v1/group",
                                         "/v1/alias",    "/v1/batch", "/v1/import", NULL};
    for (size_t i = 0; i < s->n; i++)
        for (size_t k = i + 1; k < s->n; k++) {
            sl_ingest_endpoint *a = s->eps[i], *b = s->eps[k];
            if (!same_listener(a, b))
                continue;
            const char *hit = NULL;
            if (a->path && a->kind->match(a->state, a->path) && b->kind->match(b->state, a->path))
                hit = a->path;
            if (!hit && b->path && a->kind->match(a->state, b->path) && b->kind->match(b->state, b->path))
                hit = b->path;
            for (size_t q = 0; !hit && probes[q]; q++)
                if (a->kind->match(a->state, probes[q]) && b->kind->match(b->state, probes[q]))
                    hit = probes[q];
            if (hit)
                return sl_error_set(err, SL_ECONFIG,
                                    "pipelines '%s' and '%s' both take the path %s on %s: give one of them another "
                                    "path or a listen: of its own",
                                    a->pipeline, b->pipeline, hit, a->listen ? a->listen : "serve's listener");
        }
    return 0;
}

static int open_endpoint(sl_project *p, sl_pipeline *pl, sl_ingest_endpoint **out, sl_error *err)
{
    sl_instance *src = &pl->source;
    const sl_source_plugin *sp = SL_SOURCE(src);
    sl_ingest_endpoint *ep = sl_calloc(1, sizeof *ep);
    ep->pipeline = sl_strdup(pl->name);
    ep->kind = sp->ingest;
    const char *listen = opt_str(src, "listen"), *path = opt_str(src, "path");
    ep->listen = listen ? sl_strdup(listen) : NULL;
    ep->path = path ? sl_strdup(path) : NULL;
    ep->spool_dir = sl_stream_spool_dir(p, pl->name);
    if (mkdirs(ep->spool_dir) < 0) {
        sl_error_set(err, SL_EIO, "pipeline '%s': cannot create the spool directory %s: %s", pl->name, ep->spool_dir,
                     strerror(errno));
        endpoint_free(ep);
        return -1;
    }
    int64_t mb = opt_int(src, "spool_max_mb", 1024);
    sl_spool_opts so = {0};
    so.max_bytes = (mb > 0 ? mb : 1024) << 20;
    so.retain_s = (double)opt_int(src, "retain", 86400);
    sl_error e = {0};
    if (sl_spool_open(ep->spool_dir, &so, &ep->spool, &e) < 0) {
        sl_error_set(err, e.code ? e.code : SL_EIO, "pipeline '%s': spool %s: %s", pl->name, ep->spool_dir, e.msg);
        ep->spool = NULL;
        endpoint_free(ep);
        return -1;
    }
    if (ep->kind->open(src, p, ep->spool_dir, ep->spool, &ep->state, &e) < 0) {
        sl_error_set(err, e.code ? e.code : SL_ECONFIG, "pipeline '%s': %s", pl->name, e.msg);
        ep->state = NULL;
        endpoint_free(ep);
        return -1;
    }
    *out = ep;
    return 0;
}

int sl_ingest_start(sl_project *p, sl_ingest_set **out, sl_error *err)
{
    sl_ingest_set *s = sl_calloc(1, sizeof *s);
    *out = NULL;
    for (size_t i = 0; i < p->npipelines; i++) {
        sl_pipeline *pl = p->pipelines[i];
        if (!pl->source.plugin || !SL_SOURCE(&pl->source)->ingest)
            continue;
        sl_ingest_endpoint *ep = NULL;
        if (open_endpoint(p, pl, &ep, err) < 0) {
            if (err->code == SL_ECONFIG) {
                sl_ingest_stop(s);
                return -1;
            }
            /* a damaged spool, or one another daemon holds, stops this
             * pipeline only: the others keep taking events */
            sl_log_error("%s: not taking events: %s", pl->name, err->msg);
            *err = (sl_error){0};
            continue;
        }
        s->eps = sl_realloc(s->eps, (s->n + 1) * sizeof *s->eps);
        s->eps[s->n++] = ep;
    }
    if (check_paths(s, err) < 0) {
        sl_ingest_stop(s);
        return -1;
    }
    /* own listeners: one per distinct listen: address */
    for (size_t i = 0; i < s->n; i++) {
        sl_ingest_endpoint *ep = s->eps[i];
        if (!ep->listen)
            continue;
        int seen = 0;
        for (size_t k = 0; k < i && !seen; k++)
            seen = s->eps[k]->listen && strcmp(s->eps[k]->listen, ep->listen) == 0;
        if (seen)
            continue;
        sl_ingest_listener *l = sl_ingest_listener_start(s, ep->listen, err);
        if (!l) {
            sl_ingest_stop(s);
            return -1;
        }
        s->ls = sl_realloc(s->ls, (s->nls + 1) * sizeof *s->ls);
        s->ls[s->nls++] = l;
        sl_log_info("%s: events on http://%s%s", ep->pipeline, ep->listen, ep->path ? ep->path : "");
    }
    for (size_t i = 0; i < s->n; i++)
        if (!s->eps[i]->listen)
            sl_log_info("%s: events on serve's listener%s%s", s->eps[i]->pipeline, s->eps[i]->path ? " at " : "",
                        s->eps[i]->path ? s->eps[i]->path : "");
    *out = s;
    return 0;
}

void sl_ingest_stop(sl_ingest_set *s)
{
    if (!s)
        return;
    /* listeners first: no request may be waiting on a spool that closes */
    for (size_t i = 0; i < s->nls; i++)
        sl_ingest_listener_stop(s->ls[i]);
    sl_free(s->ls);
    for (size_t i = 0; i < s->n; i++)
        endpoint_free(s->eps[i]);
    sl_free(s->eps);
    sl_free(s);
}

static sl_ingest_endpoint *find(sl_ingest_set *s, const char *pipeline)
{
    for (size_t i = 0; s && i < s->n; i++)
        if (strcmp(s->eps[i]->pipeline, pipeline) == 0)
            return s->eps[i];
    return NULL;
}

sl_spool *sl_ingest_spool(sl_ingest_set *s, const char *pipeline)
{
    sl_ingest_endpoint *ep = find(s, pipeline);
    return ep ? ep->spool : NULL;
}

int64_t sl_ingest_received(sl_ingest_set *s, const char *pipeline)
{
    sl_ingest_endpoint *ep = find(s, pipeline);
    return ep ? atomic_load(&ep->received) : 0;
}

/* The endpoint on listener `listen` (NULL: serve's) that takes path. */
sl_ingest_endpoint *sl_ingest_route_on(sl_ingest_set *s, const char *listen, const char *path)
{
    for (size_t i = 0; s && i < s->n; i++) {
        sl_ingest_endpoint *ep = s->eps[i];
        int here = listen ? ep->listen && strcmp(ep->listen, listen) == 0 : !ep->listen;
        if (here && ep->kind->match(ep->state, path))
            return ep;
    }
    return NULL;
}

sl_ingest_endpoint *sl_ingest_route(sl_ingest_set *s, const char *path)
{
    return sl_ingest_route_on(s, NULL, path);
}

size_t sl_ingest_max_body(sl_ingest_endpoint *ep, const char *path)
{
    return ep->kind->max_body(ep->state, path);
}

sl_spool *sl_ingest_endpoint_spool(sl_ingest_endpoint *ep)
{
    return ep->spool;
}

const char *sl_ingest_endpoint_pipeline(const sl_ingest_endpoint *ep)
{
    return ep->pipeline;
}

/* A request with a plain body (see sl_ingest_handle). */
static int ingest_plain(sl_ingest_endpoint *ep, const sl_ingest_request *rq, sl_ingest_answer *ans, int64_t *ticket,
                        void **pending)
{
    sl_ingest_records *r = sl_calloc(1, sizeof *r);
    sl_error err = {0};
    *pending = NULL;
    int rc = ep->kind->handle(ep->state, rq, r, ans, &err);
    if (rc < 0) {
        sl_log_error("%s: %s %s: %s", ep->pipeline, rq->method, rq->path, err.msg);
        sl_ingest_answer_error(ans, 500, "internal error (see the server's log)");
    }
    if (rc < 0 || r->n == 0 || ans->status < 200 || ans->status > 299) {
        sl_ingest_records_release(r);
        sl_free(r);
        return 0;
    }
    sl_spool_rec *recs = sl_malloc(r->n * sizeof *recs);
    for (size_t i = 0; i < r->n; i++)
        recs[i] = (sl_spool_rec){.kind = SL_SPOOL_EVENT, .time_us = r->time_us[i], .data = r->data.data + r->off[i],
                                 .len = r->len[i]};
    rc = sl_spool_append(ep->spool, recs, r->n, ticket, &err);
    sl_free(recs);
    if (rc < 0) {
        if (err.code == SL_EFULL) {
            sl_ingest_answer_error(ans, 503, "the spool of pipeline '%s' is full: retry later", ep->pipeline);
            ans->retry_after = 1;
            sl_log_warn("%s: spool full: answered 503", ep->pipeline);
        } else if (err.code == SL_EINVAL) {
            sl_ingest_answer_error(ans, 413, "an event is larger than the spool takes");
        } else {
            sl_log_error("%s: spool: %s", ep->pipeline, err.msg);
            sl_ingest_answer_error(ans, 500, "the events could not be stored (see the server's log)");
        }
        if (ep->kind->settled)
            ep->kind->settled(ep->state, r, 0);
        sl_ingest_records_release(r);
        sl_free(r);
        return 0;
    }
    *pending = r;
    return 1;
}

/* A gzip body (Content-Encoding: gzip, as RudderStack's and Segment's
 * clients can send) inflated into out, at most max bytes: 0, or -1 with
 * *status set (413 past max, 400 for a damaged stream). */
static int inflate_body(const char *p, size_t n, size_t max, sl_buf *out, int *status)
{
    z_stream z = {0};
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
        *status = 500;
        return -1;
    }
    z.next_in = (Bytef *)(uintptr_t)p;
    z.avail_in = (uInt)n;
    int rc = Z_OK;
    char chunk[16384];
    while (rc != Z_STREAM_END) {
        z.next_out = (Bytef *)chunk;
        z.avail_out = sizeof chunk;
        rc = inflate(&z, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            *status = 400;
            break;
        }
        size_t got = sizeof chunk - z.avail_out;
        if (out->len + got > max) {
            *status = 413;
            rc = Z_DATA_ERROR;
            break;
        }
        sl_buf_add(out, chunk, got);
        if (rc == Z_OK && got == 0 && z.avail_in == 0) { /* cut short */
            *status = 400;
            rc = Z_DATA_ERROR;
            break;
        }
    }
    inflateEnd(&z);
    return rc == Z_STREAM_END ? 0 : -1;
}

int sl_ingest_handle(sl_ingest_endpoint *ep, const sl_ingest_request *rq, sl_ingest_answer *ans, int64_t *ticket,
                     void **pending)
{
    const char *enc = rq->header(rq->hctx, "Content-Encoding");
    if (enc && *enc && strcasecmp(enc, "identity") != 0) {
        *pending = NULL;
        if (strcasecmp(enc, "gzip") != 0 && strcasecmp(enc, "x-gzip") != 0) {
            sl_ingest_answer_error(ans, 415, "Content-Encoding '%s' is not taken: gzip or none", enc);
            return 0;
        }
        sl_buf body;
        sl_buf_init(&body);
        int status = 0;
        size_t max = sl_ingest_max_body(ep, rq->path);
        if (inflate_body(rq->body, rq->len, max, &body, &status) < 0) {
            if (status == 413)
                sl_ingest_answer_error(ans, 413, "the body is larger than %zu bytes once decompressed", max);
            else
                sl_ingest_answer_error(ans, status, "the gzip body is damaged");
            sl_buf_release(&body);
            return 0;
        }
        sl_ingest_request plain = *rq;
        plain.body = body.data ? body.data : "";
        plain.len = body.len;
        int rc = ingest_plain(ep, &plain, ans, ticket, pending);
        sl_buf_release(&body);
        return rc;
    }
    return ingest_plain(ep, rq, ans, ticket, pending);
}

void sl_ingest_settle(sl_ingest_endpoint *ep, void *pending, int ok, sl_ingest_answer *ans)
{
    sl_ingest_records *r = pending;
    if (!r)
        return;
    if (ep->kind->settled)
        ep->kind->settled(ep->state, r, ok);
    if (ok) {
        atomic_fetch_add(&ep->received, (int64_t)r->n);
    } else {
        sl_log_error("%s: %zu event%s could not be made durable (the spool's write or fsync failed)", ep->pipeline,
                     r->n, r->n == 1 ? "" : "s");
        sl_ingest_answer_error(ans, 500, "the events could not be stored (see the server's log)");
        ans->retry_after = 0;
    }
    sl_ingest_records_release(r);
    sl_free(r);
}
