/*
 * ingest_http.c: see ingest_http.h. One request's life on a
 * libmicrohttpd connection: begin (headers) -> step (body pieces) ->
 * step (complete: sl_ingest_handle) -> suspended until the spool's
 * durable callback resumes it -> step (answer) -> end.
 */
#include "stream/ingest_http.h"
#include "net/listen.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/redact.h"
#include <arpa/inet.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { PH_BODY, PH_WAIT, PH_DURABLE, PH_DONE };
/* A body past max_body is read and dropped up to this much more (for a
 * 413 the client can read), then the connection is closed. */
#define DISCARD_MAX ((size_t)8 << 20)

struct sl_ingest_conn {
    sl_ingest_endpoint *ep;
    struct MHD_Connection *c;
    char *path, *method;
    sl_buf body;
    size_t max;
    _Atomic int phase;
    int ok;          /* from the durable callback */
    int status;      /* answered at begin */
    int too_large;   /* the body passed max: its rest is dropped, 413 at its end */
    size_t discarded;
    int64_t ticket;
    void *pending;
    sl_ingest_answer ans;
    char remote[64];
};

static _Atomic int suspended; /* connections waiting for the spool, every daemon */

static int answer(struct MHD_Connection *c, const sl_ingest_answer *a)
{
    size_t len = a->body.len;
    char *shown = sl_malloc(len + 1);
    memcpy(shown, a->body.data ? a->body.data : "", len);
    len = sl_redact_span(shown, len);
    struct MHD_Response *r = MHD_create_response_from_buffer(len, shown, MHD_RESPMEM_MUST_COPY);
    sl_free(shown);
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (a->retry_after > 0) {
        char v[24];
        snprintf(v, sizeof v, "%d", a->retry_after);
        MHD_add_response_header(r, "Retry-After", v);
    }
    if (a->status == 401)
        MHD_add_response_header(r, "WWW-Authenticate", a->www_authenticate ? a->www_authenticate : "Bearer realm=\"sluice\"");
    int rc = MHD_queue_response(c, (unsigned)a->status, r) == MHD_YES ? 0 : -1;
    MHD_destroy_response(r);
    return rc;
}

static int answer_error(struct MHD_Connection *c, int status, const char *msg, int retry_after)
{
    sl_ingest_answer a = {0};
    sl_buf_init(&a.body);
    sl_ingest_answer_error(&a, status, "%s", msg);
    a.retry_after = retry_after;
    int rc = answer(c, &a);
    sl_buf_release(&a.body);
    return rc;
}

sl_ingest_conn *sl_ingest_conn_begin(sl_ingest_endpoint *ep, struct MHD_Connection *c, const char *url,
                                     const char *method, int stopping)
{
    sl_ingest_conn *ic = sl_calloc(1, sizeof *ic);
    ic->ep = ep;
    ic->c = c;
    ic->path = sl_strdup(url);
    ic->method = sl_strdup(method);
    sl_buf_init(&ic->body);
    sl_buf_init(&ic->ans.body);
    ic->max = sl_ingest_max_body(ep, url);
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, ic->remote, sizeof ic->remote);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, ic->remote,
                      sizeof ic->remote);
    }
    if (stopping) {
        ic->status = 503;
        answer_error(c, 503, "the server is shutting down: retry later", 1);
        atomic_store(&ic->phase, PH_DONE);
        return ic;
    }
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
        char *end = NULL;
        unsigned long long n = strtoull(cl, &end, 10);
        if (end != cl && n > ic->max) {
            char msg[160];
            snprintf(msg, sizeof msg, "the body (%llu bytes) is larger than this endpoint takes (%zu bytes)", n,
                     ic->max);
            ic->status = 413;
            answer_error(c, 413, msg, 0);
            atomic_store(&ic->phase, PH_DONE);
        }
    }
    return ic;
}

int sl_ingest_conn_status(const sl_ingest_conn *ic)
{
    return ic->status;
}

static const char *header_of(void *hctx, const char *name)
{
    return MHD_lookup_connection_value(hctx, MHD_HEADER_KIND, name);
}

static void on_durable(void *ctx, int ok)
{
    sl_ingest_conn *ic = ctx;
    struct MHD_Connection *c = ic->c;
    ic->ok = ok;
    atomic_store(&ic->phase, PH_DURABLE);
    MHD_resume_connection(c); /* ic may be gone from here on */
    atomic_fetch_sub(&suspended, 1);
}

enum MHD_Result sl_ingest_conn_step(sl_ingest_conn *ic, const char *upload, size_t *upload_size, int *status)
{
    *status = 0;
    int phase = atomic_load(&ic->phase);
    if (*upload_size) {
        if (phase == PH_BODY && !ic->too_large) {
            if (ic->body.len + *upload_size > ic->max) {
                /* libmicrohttpd answers only once the request is read:
                 * drop the body from here on, answer 413 at its end */
                ic->too_large = 1;
                ic->discarded = ic->body.len;
                sl_buf_release(&ic->body);
                sl_buf_init(&ic->body);
            } else {
                sl_buf_add(&ic->body, upload, *upload_size);
            }
        }
        if (ic->too_large) {
            ic->discarded += *upload_size;
            if (ic->discarded > ic->max + DISCARD_MAX) /* a body without end: close the connection */
                return MHD_NO;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (phase == PH_BODY && ic->too_large) {
        char msg[160];
        snprintf(msg, sizeof msg, "the body is larger than this endpoint takes (%zu bytes)", ic->max);
        atomic_store(&ic->phase, PH_DONE);
        return answer_error(ic->c, *status = 413, msg, 0) == 0 ? MHD_YES : MHD_NO;
    }
    if (phase == PH_BODY) {
        sl_ingest_request rq = {.method = ic->method,
                                .path = ic->path,
                                .query = NULL,
                                .header = header_of,
                                .hctx = ic->c,
                                .body = ic->body.data ? ic->body.data : "",
                                .len = ic->body.len,
                                .received_us = sl_now_us(),
                                .remote = ic->remote};
        int rc = sl_ingest_handle(ic->ep, &rq, &ic->ans, &ic->ticket, &ic->pending);
        if (rc == 0) {
            atomic_store(&ic->phase, PH_DONE);
            *status = ic->ans.status;
            return answer(ic->c, &ic->ans) == 0 ? MHD_YES : MHD_NO;
        }
        atomic_store(&ic->phase, PH_WAIT);
        atomic_fetch_add(&suspended, 1);
        MHD_suspend_connection(ic->c);
        sl_spool_on_durable(sl_ingest_endpoint_spool(ic->ep), ic->ticket, on_durable, ic);
        return MHD_YES;
    }
    if (phase == PH_DURABLE) {
        sl_ingest_settle(ic->ep, ic->pending, ic->ok, &ic->ans);
        ic->pending = NULL;
        atomic_store(&ic->phase, PH_DONE);
        *status = ic->ans.status;
        return answer(ic->c, &ic->ans) == 0 ? MHD_YES : MHD_NO;
    }
    return MHD_YES; /* answered already, or still waiting */
}

void sl_ingest_conn_end(sl_ingest_conn *ic)
{
    if (!ic)
        return;
    if (ic->pending) /* never answered (the client went away while it waited: not possible, it is suspended) */
        sl_ingest_settle(ic->ep, ic->pending, 0, &ic->ans);
    sl_buf_release(&ic->body);
    sl_buf_release(&ic->ans.body);
    sl_free(ic->path);
    sl_free(ic->method);
    sl_free(ic);
}

void sl_ingest_http_drain(double timeout_s)
{
    double until = sl_mono_s() + timeout_s;
    while (atomic_load(&suspended) > 0 && sl_mono_s() < until)
        usleep(5000);
    if (atomic_load(&suspended) > 0)
        sl_log_warn("http: %d event request%s still waiting for the spool at shutdown", atomic_load(&suspended),
                    atomic_load(&suspended) == 1 ? "" : "s");
}

/* ---- listeners of their own ------------------------------------------------- */

struct sl_ingest_listener {
    sl_ingest_set *set;
    char *addr;
    struct MHD_Daemon *mhd;
    _Atomic int stopping;
};

static char not_ours; /* *con_cls of a request no endpoint takes */

static enum MHD_Result listener_access(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                       const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    sl_ingest_listener *l = cls;
    (void)version;
    if (!*con_cls) {
        sl_ingest_endpoint *ep = sl_ingest_route_on(l->set, l->addr, url);
        if (!ep) {
            *con_cls = &not_ours;
            return answer_error(c, 404, "not found", 0) == 0 ? MHD_YES : MHD_NO;
        }
        *con_cls = sl_ingest_conn_begin(ep, c, url, method, atomic_load(&l->stopping));
        return MHD_YES;
    }
    if (*con_cls == &not_ours) {
        *upload_size = 0;
        return MHD_YES;
    }
    int status;
    return sl_ingest_conn_step(*con_cls, upload, upload_size, &status);
}

static void listener_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
    (void)cls;
    (void)c;
    (void)t;
    if (*con_cls && *con_cls != &not_ours)
        sl_ingest_conn_end(*con_cls);
    *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    if (n && msg[n - 1] == '\n')
        msg[n - 1] = 0;
    sl_log_debug("http: %s", msg);
}

sl_ingest_listener *sl_ingest_listener_start(sl_ingest_set *s, const char *addr, sl_error *err)
{
    struct addrinfo *ai = NULL;
    if (sl_listen_resolve(addr, "listen", SL_ECONFIG, "127.0.0.1:8687", &ai, err) < 0)
        return NULL;
    sl_ingest_listener *l = sl_calloc(1, sizeof *l);
    l->set = s;
    l->addr = sl_strdup(addr);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    l->mhd = MHD_start_daemon(flags, sl_listen_port(ai), NULL, NULL, listener_access, l, MHD_OPTION_SOCK_ADDR,
                              ai->ai_addr, MHD_OPTION_CONNECTION_LIMIT, 512u, MHD_OPTION_PER_IP_CONNECTION_LIMIT, 128u,
                              MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_NOTIFY_COMPLETED, listener_completed, l,
                              MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!l->mhd) {
        sl_error_set(err, SL_EIO, "cannot listen on %s for events (is the port taken?)", addr);
        sl_free(l->addr);
        sl_free(l);
        return NULL;
    }
    return l;
}

void sl_ingest_listener_stop(sl_ingest_listener *l)
{
    if (!l)
        return;
    atomic_store(&l->stopping, 1);
    sl_ingest_http_drain(10);
    MHD_stop_daemon(l->mhd);
    sl_free(l->addr);
    sl_free(l);
}
