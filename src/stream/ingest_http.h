/*
 * ingest_http.h: the HTTP side of event ingest on libmicrohttpd, shared
 * by serve's API server (sched/api.c) and the listeners of sources with
 * their own `listen:` address (stream/ingest.c).
 *
 * A request an endpoint takes: the body is collected as it arrives (413
 * as soon as it passes the endpoint's max_body, or at once from a larger
 * Content-Length; 503 while the server shuts down), handed to
 * sl_ingest_handle, and when records were appended the connection is
 * suspended (the daemon needs MHD_ALLOW_SUSPEND_RESUME) until the spool
 * says they are durable, then answered.
 */
#ifndef SL_INGEST_HTTP_H
#define SL_INGEST_HTTP_H
#include "stream/ingest.h"
#include <microhttpd.h>

typedef struct sl_ingest_conn sl_ingest_conn;

/* The first call of the access handler for a URL ep takes (headers
 * received): the request's state, to keep in *con_cls. Answers 503 (when
 * stopping) or 413 (a Content-Length past max_body) at once. */
sl_ingest_conn *sl_ingest_conn_begin(sl_ingest_endpoint *ep, struct MHD_Connection *c, const char *url,
                                     const char *method, int stopping);
/* Every later call of the access handler: collect upload data, handle
 * the complete request, answer. *status is set to the answer's code when
 * one was queued by this call (0 otherwise), for request counters. */
enum MHD_Result sl_ingest_conn_step(sl_ingest_conn *ic, const char *upload, size_t *upload_size, int *status);
/* The status answered at begin (413/503), or 0. */
int sl_ingest_conn_status(const sl_ingest_conn *ic);
/* MHD_OPTION_NOTIFY_COMPLETED: free the request's state. */
void sl_ingest_conn_end(sl_ingest_conn *ic);
/* Wait (up to timeout_s) until no connection is suspended waiting for
 * the spool: MHD_stop_daemon must not meet one. */
void sl_ingest_http_drain(double timeout_s);

/* A listener of its own for the endpoints whose listen: is addr. */
typedef struct sl_ingest_listener sl_ingest_listener;
sl_ingest_listener *sl_ingest_listener_start(sl_ingest_set *s, const char *addr, sl_error *err);
void sl_ingest_listener_stop(sl_ingest_listener *l);
/* The endpoint on listener `listen` (NULL: serve's) that takes path (ingest.c). */
sl_ingest_endpoint *sl_ingest_route_on(sl_ingest_set *s, const char *listen, const char *path);
const char *sl_ingest_endpoint_pipeline(const sl_ingest_endpoint *ep);

#endif
