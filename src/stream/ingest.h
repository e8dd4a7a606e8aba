/*
 * ingest.h: events over HTTP into spools, for `sluice serve`.
 *
 * A pipeline whose source has an ingest kind (sources/webhook.c,
 * sources/segment.c: sl_source_plugin.ingest) is a stream pipeline. When
 * serve starts, sl_ingest_start opens, for each, its spool
 * (.sluice/spool/<pipeline>/, stream/spool.h) and its endpoint; the API
 * server (sched/api.c) hands every request whose method and path an
 * endpoint takes to sl_ingest_handle, and a source with its own `listen:`
 * gets a listener of its own that serves only its endpoint.
 *
 * A request goes: body collected up to the endpoint's limit (413 past it,
 * counted as it arrives) -> the kind's handle (auth, content type, parse:
 * 401/415/400 with a JSON error naming the position) -> its records
 * appended to the spool as one unit (503 + Retry-After when the spool is
 * full) -> the connection waits until the records are durable (group
 * commit) -> the kind's answer. A 2xx is sent only for durable events: a
 * crash after it never loses one.
 */
#ifndef SL_INGEST_H
#define SL_INGEST_H
#include "config/project.h"
#include "core/error.h"
#include "core/util.h"
#include "engine/component.h"
#include "stream/spool.h"

/* One request, complete (body collected). */
typedef struct sl_ingest_request {
    const char *method;     /* "POST", ... */
    const char *path;       /* the URL path as received, without the query */
    const char *query;      /* the raw query string, or NULL */
    /* a request header by name (case-insensitive), or NULL */
    const char *(*header)(void *hctx, const char *name);
    void *hctx;
    const char *body;
    size_t len;
    int64_t received_us;    /* when the body was complete (UTC microseconds) */
    const char *remote;     /* client address, for logs */
} sl_ingest_request;

/* The records a request adds to the spool (all or none). */
typedef struct sl_ingest_records {
    sl_buf data;            /* payloads, back to back */
    size_t *off, *len;      /* record i is data.data[off[i] .. off[i]+len[i]) */
    int64_t *time_us;
    size_t n, cap;
} sl_ingest_records;
void sl_ingest_records_add(sl_ingest_records *r, int64_t time_us, const char *json, size_t len);
void sl_ingest_records_reset(sl_ingest_records *r);
void sl_ingest_records_release(sl_ingest_records *r);

/* The answer; body is JSON. */
typedef struct sl_ingest_answer {
    int status;
    sl_buf body;
    int retry_after;        /* > 0: a Retry-After header (seconds) */
    const char *www_authenticate; /* 401: the WWW-Authenticate header value (static), or NULL */
} sl_ingest_answer;
/* Set an error answer: status and {"error": msg} (msg is printf-formatted). */
void sl_ingest_answer_error(sl_ingest_answer *a, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* What one kind of stream source does with requests. All callbacks may be
 * called from several HTTP threads at once: state is the kind's to lock. */
typedef struct sl_ingest_kind {
    const char *name;
    /* Check the source's options and build the endpoint's state. spool is
     * open (a kind that deduplicates rebuilds its window from it here:
     * sl_spool_reader_open on spool_dir from sl_spool_start). */
    int (*open)(sl_instance *src, sl_project *p, const char *spool_dir, sl_spool *spool, void **state,
                sl_error *err);
    /* 1 when this endpoint takes the path (any method: a wrong one is
     * answered 405 by handle). */
    int (*match)(void *state, const char *path);
    /* The largest body it takes on this path (413 past it). */
    size_t (*max_body)(void *state, const char *path);
    /* A complete request: either add records to out and set ans (2xx,
     * sent once they are durable), or leave out empty and set an error
     * answer. -1 only for an internal failure (answered 500). */
    int (*handle)(void *state, const sl_ingest_request *rq, sl_ingest_records *out, sl_ingest_answer *ans,
                  sl_error *err);
    /* Optional: the records handle gave were made durable (durable = 1)
     * or refused by the spool (0: full or failed; the answer became 503
     * or 500). Deduplicating kinds commit or forget their ids here. */
    void (*settled)(void *state, const sl_ingest_records *recs, int durable);
    void (*close)(void *state);
} sl_ingest_kind;

typedef struct sl_ingest_set sl_ingest_set;

/* Open a spool and an endpoint for every stream pipeline of p (none: an
 * empty set). Fails on a spool another process holds (SL_EBUSY), two
 * endpoints on one path, or a listen: address that cannot be bound. */
int sl_ingest_start(sl_project *p, sl_ingest_set **out, sl_error *err);
/* At load (config/project.c): a diagnostic at the source's `path:` (or
 * `path_prefix:`) for each endpoint that takes a path another endpoint on
 * its listener takes, or (a Segment API) one of serve's own (/api/v1/...)
 * (ingest_paths.c). Returns the number added. */
int sl_ingest_check_paths(const sl_project *p, sl_diags *d);
void sl_ingest_stop(sl_ingest_set *s);
/* The spool of a stream pipeline, NULL when it has none. */
sl_spool *sl_ingest_spool(sl_ingest_set *s, const char *pipeline);
/* Events accepted (durable) so far by a pipeline's endpoint, for /metrics
 * and /api/v1/pipelines (0 when none). */
int64_t sl_ingest_received(sl_ingest_set *s, const char *pipeline);

/* For the API server: the endpoint that takes this path, or NULL. */
typedef struct sl_ingest_endpoint sl_ingest_endpoint;
sl_ingest_endpoint *sl_ingest_route(sl_ingest_set *s, const char *path);
size_t sl_ingest_max_body(sl_ingest_endpoint *ep, const char *path);
/* Handle a complete request: fills ans. When records were appended,
 * returns 1 with *ticket set: the caller answers once
 * sl_spool_on_durable(sl_ingest_endpoint_spool(ep), ticket, ...) says
 * so (and then calls sl_ingest_settle). Returns 0 when ans is final. */
int sl_ingest_handle(sl_ingest_endpoint *ep, const sl_ingest_request *rq, sl_ingest_answer *ans,
                     int64_t *ticket, void **pending);
sl_spool *sl_ingest_endpoint_spool(sl_ingest_endpoint *ep);
/* After the durable callback: ok = 1 keeps ans, 0 turns it into a 500;
 * frees what sl_ingest_handle kept in *pending. */
void sl_ingest_settle(sl_ingest_endpoint *ep, void *pending, int ok, sl_ingest_answer *ans);

#endif
