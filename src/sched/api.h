/*
 * api.h: the HTTP side of `sluice serve`, on libmicrohttpd:
 *
 *   GET  /healthz                          "ok"
 *   GET  /api/v1/pipelines                 name, schedule, next run, last run
 *   GET  /api/v1/runs?pipeline=&status=&limit=
 *   GET  /api/v1/runs/{id}                 counts, timings, error, log tail, checks (its check results)
 *   GET  /api/v1/checks?node=&status=&run_id=&limit=   latest result of each check (every result of run_id)
 *   GET  /api/v1/incidents?status=open|closed&limit=   data-quality incidents, open first
 *   POST /api/v1/pipelines/{name}/runs     trigger now (Bearer SLUICE_API_TOKEN)
 *   GET  /metrics                          Prometheus text format (metrics.h)
 *   POST <path>                            events for a stream pipeline (a webhook source's
 *                                          path:, Segment's /v1/...): stream/ingest.h
 *
 * Errors are JSON ({"error": "..."}) with their status code: 400, 401
 * (no or wrong token; also when SLUICE_API_TOKEN is unset: no one may
 * change state then), 404, 405, 409, 503 (shutting down). Nothing that
 * came from a secret reaches a response: run errors are redacted when
 * stored.
 */
#ifndef SL_API_H
#define SL_API_H
#include "core/error.h"
#include "sched/daemon.h"

typedef struct sl_api_server sl_api_server;

/* Listen on "HOST:PORT" ("127.0.0.1:8686", "[::1]:8686", "0.0.0.0:8686"). */
sl_api_server *sl_api_start(sl_daemon *d, const char *listen, sl_error *err);
void sl_api_stop(sl_api_server *s);

#endif
