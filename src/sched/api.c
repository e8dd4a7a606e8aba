/* api.c: see api.h. One libmicrohttpd polling thread serves every
 * request; handlers are short (a state store query or a scheduler call).
 * Events for a stream pipeline (a path an ingest endpoint takes:
 * stream/ingest.h) go to stream/ingest_http.c: their body is collected
 * up to the endpoint's limit, and the connection is suspended (not the
 * thread) until the spool has them on disk. (A pool of 2 polling threads
 * measured no faster with 64 keep-alive clients posting events: 3,200-
 * 3,600 requests/s either way on the shared 2-core machine.)
 *
 * Slow clients (slowloris) must not silence /healthz: there are
 * API_SLOTS connection slots, at most API_PER_IP from one address, and a
 * connection that has not sent a whole request head API_HEAD_DEADLINE_S
 * seconds after it opened (or after its previous response) is shut down by
 * the guard thread. libmicrohttpd's own timeout is an idle timeout, which a
 * client sending one header line every few seconds never meets. */
#include "sched/api.h"
#include "net/listen.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/redact.h"
#include "sched/daemon.h"
#include "state/quality_store.h"
#include "state/state.h"
#include "stream/ingest_http.h"
#include <arpa/inet.h>
#include <microhttpd.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

enum { API_SLOTS = 512, API_PER_IP = 128, API_HEAD_DEADLINE_S = 10, API_IDLE_TIMEOUT_S = 30 };

/* One open connection, as the guard sees it (MHD's socket context). */
typedef struct api_conn {
    struct api_conn *prev, *next;
    int fd;
    double since;   /* opened, or its last response completed (monotonic s) */
    int in_request; /* the request head arrived; the deadline no longer applies */
} api_conn;

struct sl_api_server {
    struct MHD_Daemon *mhd;
    sl_daemon *d;
    pthread_mutex_t lock; /* guards conns and stop */
    pthread_cond_t wake;
    api_conn *conns;
    int stop;
    pthread_t guard;
    int guard_started;
};

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* MHD_OPTION_NOTIFY_CONNECTION: MHD calls it on the polling thread when a
 * connection opens and when it closes, before it closes the descriptor. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx, enum MHD_ConnectionNotificationCode t)
{
    sl_api_server *s = cls;
    pthread_mutex_lock(&s->lock);
    if (t == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        api_conn *a = sl_calloc(1, sizeof *a);
        a->fd = ci ? ci->connect_fd : -1;
        a->since = mono_now();
        a->next = s->conns;
        if (s->conns)
            s->conns->prev = a;
        s->conns = a;
        *socket_ctx = a;
    } else if (*socket_ctx) {
        api_conn *a = *socket_ctx;
        if (a->prev)
            a->prev->next = a->next;
        else
            s->conns = a->next;
        if (a->next)
            a->next->prev = a->prev;
        sl_free(a);
        *socket_ctx = NULL;
    }
    pthread_mutex_unlock(&s->lock);
}

static api_conn *conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* *con_cls of a request for the API itself; an event request's is its
 * sl_ingest_conn (stream/ingest_http.h). */
static char api_plain;

/* MHD_OPTION_NOTIFY_COMPLETED: a response went out; a kept-alive
 * connection has API_HEAD_DEADLINE_S for its next request head. */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
    sl_api_server *s = cls;
    (void)t;
    if (*con_cls && *con_cls != &api_plain) /* an event request (stream/ingest_http.h) */
        sl_ingest_conn_end(*con_cls);
    *con_cls = NULL;
    pthread_mutex_lock(&s->lock);
    api_conn *a = conn_of(c);
    if (a) {
        a->in_request = 0;
        a->since = mono_now();
    }
    pthread_mutex_unlock(&s->lock);
}

/* The guard: once a second, shut down connections past the head deadline.
 * shutdown() (not close) makes MHD see the end of the stream and close the
 * connection itself; the descriptor stays valid while we hold the lock,
 * since MHD removes a connection from the list before closing it. */
static void *guard_main(void *arg)
{
    sl_api_server *s = arg;
    pthread_mutex_lock(&s->lock);
    while (!s->stop) {
        double now = mono_now();
        for (api_conn *a = s->conns; a; a = a->next)
            if (!a->in_request && a->fd >= 0 && now - a->since > API_HEAD_DEADLINE_S) {
                shutdown(a->fd, SHUT_RDWR);
                a->fd = -1; /* once */
                sl_log_debug("http: closed a connection that sent no complete request in %d s", API_HEAD_DEADLINE_S);
            }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&s->wake, &s->lock, &until);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* Every answer (JSON, /metrics, errors) leaves through here, with every
 * registered secret redacted: a run's stored error or log, a DLQ record,
 * a label, whatever put it there. */
static int reply(struct MHD_Connection *c, int code, const char *type, const char *body, size_t len)
{
    char *shown = sl_malloc(len + 1);
    memcpy(shown, body, len);
    len = sl_redact_span(shown, len);
    struct MHD_Response *r = MHD_create_response_from_buffer(len, shown, MHD_RESPMEM_MUST_COPY);
    sl_free(shown);
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (code == 401)
        MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"sluice\"");
    int rc = MHD_queue_response(c, (unsigned)code, r) == MHD_YES ? 0 : -1;
    MHD_destroy_response(r);
    return rc;
}

static int reply_json(struct MHD_Connection *c, int code, const sl_buf *b)
{
    return reply(c, code, "application/json", b->data ? b->data : "", b->len);
}

static int reply_error(struct MHD_Connection *c, int code, const char *msg)
{
    sl_buf b;
    sl_buf_init(&b);
    sl_buf_adds(&b, "{\"error\":");
    sl_buf_add_json_str(&b, msg, strlen(msg));
    sl_buf_adds(&b, "}\n");
    int rc = reply_json(c, code, &b);
    sl_buf_release(&b);
    return rc;
}

/* Constant-time comparison of the presented token with SLUICE_API_TOKEN. */
static int authorized(struct MHD_Connection *c)
{
    const char *want = getenv("SLUICE_API_TOKEN");
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!want || !*want || !h || strncmp(h, "Bearer ", 7) != 0)
        return 0;
    const char *got = h + 7;
    size_t n = strlen(want), m = strlen(got);
    unsigned char diff = (unsigned char)(n != m);
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(want[i] ^ (i < m ? got[i] : 0));
    return diff == 0;
}

/* "/api/v1/pipelines/NAME/runs" -> NAME (into out), else NULL. */
static const char *trigger_name(const char *url, char *out, size_t cap)
{
    const char *pre = "/api/v1/pipelines/";
    size_t pl = strlen(pre);
    if (strncmp(url, pre, pl) != 0)
        return NULL;
    const char *name = url + pl, *slash = strchr(name, '/');
    if (!slash || strcmp(slash, "/runs") != 0 || slash == name || (size_t)(slash - name) >= cap)
        return NULL;
    memcpy(out, name, (size_t)(slash - name));
    out[slash - name] = 0;
    return out;
}

/* ?limit=: default def, else a whole number 1-10000 (-1: bad). */
static long limit_arg(struct MHD_Connection *c, long def)
{
    const char *lim = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
    char *end = NULL;
    long limit = lim ? strtol(lim, &end, 10) : def;
    return lim && (!*lim || *end || limit < 1 || limit > 10000) ? -1 : limit;
}

/* A query argument, NULL when absent or empty. */
static const char *arg(struct MHD_Connection *c, const char *name)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
    return v && *v ? v : NULL;
}

static int one_of(const char *v, const char *const *allowed)
{
    for (; *allowed; allowed++)
        if (strcmp(v, *allowed) == 0)
            return 1;
    return 0;
}

/* GET /api/v1/checks: the latest result of each (node, check), or every
 * result of ?run_id=; ?node= (unique id or name), ?status=, ?limit=. */
static int api_checks(struct MHD_Connection *c, sl_state *st, sl_buf *b, int *code)
{
    static const char *const statuses[] = {"pass", "warn", "fail", "error", NULL};
    const char *node = arg(c, "node"), *status = arg(c, "status"), *run_id = arg(c, "run_id");
    long limit = limit_arg(c, 1000);
    sl_error err = {0};
    if (limit < 0)
        return reply_error(c, *code = 400, "limit must be a whole number 1-10000");
    if (status && !one_of(status, statuses))
        return reply_error(c, *code = 400, "status must be pass, warn, fail or error");
    sl_buf_adds(b, "{\"checks\":");
    if (sl_state_check_results_json(st, run_id, node, status, run_id == NULL, (int)limit, b, &err) < 0) {
        sl_log_error("api: %s", err.msg);
        return reply_error(c, *code = 500, "the state store failed");
    }
    sl_buf_adds(b, "}");
    return reply_json(c, *code = 200, b);
}

/* GET /api/v1/incidents: open first, then the newest; ?status=open|closed, ?limit=. */
static int api_incidents(struct MHD_Connection *c, sl_state *st, sl_buf *b, int *code)
{
    static const char *const statuses[] = {"open", "closed", NULL};
    const char *status = arg(c, "status");
    long limit = limit_arg(c, 1000);
    sl_error err = {0};
    if (limit < 0)
        return reply_error(c, *code = 400, "limit must be a whole number 1-10000");
    if (status && !one_of(status, statuses))
        return reply_error(c, *code = 400, "status must be open or closed");
    sl_buf_adds(b, "{\"incidents\":");
    if (sl_state_incidents_json(st, status, (int)limit, b, &err) < 0) {
        sl_log_error("api: %s", err.msg);
        return reply_error(c, *code = 500, "the state store failed");
    }
    sl_buf_adds(b, "}");
    return reply_json(c, *code = 200, b);
}

/* A run's object (b, ending in '}') gains "checks": its check results. */
static int add_run_checks(sl_state *st, const char *run_id, sl_buf *b, sl_error *err)
{
    if (!b->len || b->data[b->len - 1] != '}')
        return 0;
    b->len--;
    sl_buf_adds(b, ",\"checks\":");
    int rc = sl_state_check_results_json(st, run_id, NULL, NULL, 0, 0, b, err);
    sl_buf_addc(b, '}');
    return rc;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    sl_api_server *s = cls;
    sl_daemon *d = s->d;
    (void)version;
    /* first call: headers only; then the body (ignored) in pieces; then respond */
    if (!*con_cls) {
        pthread_mutex_lock(&s->lock);
        api_conn *a = conn_of(c);
        if (a)
            a->in_request = 1;
        pthread_mutex_unlock(&s->lock);
        /* events for a stream pipeline: the body is collected (bounded),
         * spooled, and answered once durable (stream/ingest_http.h) */
        sl_ingest_endpoint *ep = sl_ingest_route(sl_daemon_ingest(d), url);
        if (ep) {
            sl_ingest_conn *ic = sl_ingest_conn_begin(ep, c, url, method, sl_daemon_stopping(d));
            *con_cls = ic;
            if (sl_ingest_conn_status(ic))
                sl_daemon_count_request(d, "ingest", sl_ingest_conn_status(ic));
        } else {
            *con_cls = &api_plain;
        }
        return MHD_YES;
    }
    if (*con_cls != &api_plain) {
        int status = 0;
        enum MHD_Result r = sl_ingest_conn_step(*con_cls, upload, upload_size, &status);
        if (status)
            sl_daemon_count_request(d, "ingest", status);
        return r;
    }
    if (*upload_size) {
        *upload_size = 0;
        return MHD_YES;
    }
    int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0, post = strcmp(method, "POST") == 0;
    const char *handler = "other";
    int code = 200, rc;
    sl_buf b;
    sl_buf_init(&b);
    sl_error err = {0};
    char name[256];
    if (strcmp(url, "/healthz") == 0) {
        handler = "healthz";
        rc = get ? reply(c, code = 200, "text/plain; charset=utf-8", "ok\n", 3) : reply_error(c, code = 405, "use GET");
    } else if (strcmp(url, "/metrics") == 0) {
        handler = "metrics";
        if (!get) {
            rc = reply_error(c, code = 405, "use GET");
        } else {
            sl_daemon_metrics(d, &b);
            rc = reply(c, code = 200, "text/plain; version=0.0.4; charset=utf-8", b.data ? b.data : "", b.len);
        }
    } else if (strcmp(url, "/api/v1/pipelines") == 0) {
        handler = "pipelines";
        if (!get) {
            rc = reply_error(c, code = 405, "use GET");
        } else {
            sl_daemon_pipelines_json(d, &b);
            rc = reply_json(c, code = 200, &b);
        }
    } else if (strcmp(url, "/api/v1/runs") == 0) {
        handler = "runs";
        const char *pipeline = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "pipeline");
        const char *status = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "status");
        const char *lim = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
        char *end = NULL;
        long limit = lim ? strtol(lim, &end, 10) : 50;
        if (!get) {
            rc = reply_error(c, code = 405, "use GET");
        } else if (lim && (!*lim || *end || limit < 1 || limit > 10000)) {
            rc = reply_error(c, code = 400, "limit must be a whole number 1-10000");
        } else {
            sl_buf_adds(&b, "{\"runs\":");
            if (sl_state_runs_query_json(sl_daemon_state(d), pipeline && *pipeline ? pipeline : NULL,
                                         status && *status ? status : NULL, (int)limit, &b, &err) < 0) {
                rc = reply_error(c, code = 500, "the state store failed");
                sl_log_error("api: %s", err.msg);
            } else {
                sl_buf_adds(&b, "}");
                rc = reply_json(c, code = 200, &b);
            }
        }
    } else if (strcmp(url, "/api/v1/checks") == 0) {
        handler = "checks";
        rc = get ? api_checks(c, sl_daemon_state(d), &b, &code) : reply_error(c, code = 405, "use GET");
    } else if (strcmp(url, "/api/v1/incidents") == 0) {
        handler = "incidents";
        rc = get ? api_incidents(c, sl_daemon_state(d), &b, &code) : reply_error(c, code = 405, "use GET");
    } else if (strncmp(url, "/api/v1/runs/", 13) == 0) {
        handler = "run";
        int found = 0;
        if (!get) {
            rc = reply_error(c, code = 405, "use GET");
        } else if (sl_state_run_json(sl_daemon_state(d), url + 13, &b, &found, &err) < 0 ||
                   (found && add_run_checks(sl_daemon_state(d), url + 13, &b, &err) < 0)) {
            rc = reply_error(c, code = 500, "the state store failed");
            sl_log_error("api: %s", err.msg);
        } else if (!found && sl_daemon_queued(d, url + 13, &b)) {
            rc = reply_json(c, code = 200, &b); /* queued: in the history once it starts */
        } else if (!found) {
            rc = reply_error(c, code = 404, "no such run");
        } else {
            rc = reply_json(c, code = 200, &b);
        }
    } else if (trigger_name(url, name, sizeof name)) {
        handler = "trigger";
        if (!post) {
            rc = reply_error(c, code = 405, "use POST to start a run");
        } else if (!authorized(c)) {
            rc = reply_error(c, code = 401,
                             getenv("SLUICE_API_TOKEN") && *getenv("SLUICE_API_TOKEN")
                                 ? "missing or wrong bearer token"
                                 : "SLUICE_API_TOKEN is not set on the server: runs cannot be started over HTTP");
        } else {
            char run_id[40] = "";
            int t = sl_daemon_trigger(d, name, "api", run_id);
            if (t == 404) {
                rc = reply_error(c, code = 404, "no such pipeline");
            } else if (t == 409) {
                rc = reply_error(c, code = 409, "the pipeline is already running or queued");
            } else if (t == 503) {
                rc = reply_error(c, code = 503, "the server is shutting down");
            } else {
                sl_buf_adds(&b, "{\"pipeline\":");
                sl_buf_add_json_str(&b, name, strlen(name));
                sl_buf_adds(&b, ",\"run_id\":");
                sl_buf_add_json_str(&b, run_id, strlen(run_id));
                sl_buf_adds(&b, ",\"status\":\"queued\"}\n");
                rc = reply_json(c, code = 202, &b);
                sl_log_info("%s: run requested over the API", name);
            }
        }
    } else {
        rc = reply_error(c, code = 404, "not found");
    }
    sl_daemon_count_request(d, handler, code);
    sl_buf_release(&b);
    return rc == 0 ? MHD_YES : MHD_NO;
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

sl_api_server *sl_api_start(sl_daemon *d, const char *listen, sl_error *err)
{
    sl_log_secret(getenv("SLUICE_API_TOKEN")); /* the bearer token clients present */
    struct addrinfo *ai = NULL;
    if (sl_listen_resolve(listen, "--listen", SL_EUSAGE, "127.0.0.1:8686", &ai, err) < 0)
        return NULL;
    sl_api_server *s = sl_calloc(1, sizeof *s);
    s->d = d;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    uint16_t port = sl_listen_port(ai);
    s->mhd = MHD_start_daemon(flags, port, NULL, NULL, handle, s, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                              MHD_OPTION_CONNECTION_LIMIT, (unsigned)API_SLOTS, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                              (unsigned)API_PER_IP, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)API_IDLE_TIMEOUT_S,
                              MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_NOTIFY_COMPLETED,
                              on_completed, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!s->mhd) {
        sl_error_set(err, SL_EIO, "cannot listen on %s (is the port taken?)", listen);
        sl_api_stop(s);
        return NULL;
    }
    if (pthread_create(&s->guard, NULL, guard_main, s) == 0)
        s->guard_started = 1;
    else
        sl_log_error("http: cannot start the slow-client guard: %s", strerror(errno));
    return s;
}

void sl_api_stop(sl_api_server *s)
{
    if (!s)
        return;
    if (s->guard_started) {
        pthread_mutex_lock(&s->lock);
        s->stop = 1;
        pthread_cond_signal(&s->wake);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->guard, NULL);
    }
    if (s->mhd) {
        sl_ingest_http_drain(10); /* MHD must not stop with an event request suspended */
        MHD_stop_daemon(s->mhd);
    } /* closes what is left: on_connection frees each */
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    sl_free(s);
}
