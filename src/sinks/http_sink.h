/*
 * http_sink.h: the parts of the `http` sink (reverse ETL; http.c, where
 * its behaviour is described) shared by its files, for them only:
 *   http.c          the connector: options, checks, the plugin's calls
 *                   (what each row needs: create, update, unchanged; the
 *                   dry run's plan; mirror's deletes), counts
 *   http_keys.c     what the sink knows of each key (the state store's
 *                   sync records, in memory) and the records pending
 *                   commit with the batch's position
 *   http_payload.c  what a row becomes: its key, its JSON payload, its URL
 *   http_send.c     sending: requests (headers, idempotency keys), batches
 *                   (halved when refused whole), answers mapped to records
 */
#ifndef SL_HTTP_SINK_H
#define SL_HTTP_SINK_H
#include "engine/run.h"
#include "net/api.h"
#include "sinks/maxdeletes.h"
#include "sinks/posmap.h"

typedef struct hsink_opts {
    sl_api_opts api;
    sl_strlist key;
    char *mode, *path, *create_method, *update_path, *update_method, *delete_path, *delete_method;
    char *body, *batch_path, *batch_body, *results_path, *id_path, *idempotency_header, *max_deletes;
    int64_t batch_size;
    sl_kvlist headers;
} hsink_opts;

enum { OP_NONE, OP_CREATE, OP_UPDATE, OP_DELETE };

/* What the state store knows of one key. */
typedef struct hsink_entry {
    char *key, *hash, *dest_id;
    int synced;
    int64_t seen_epoch;
    int seen;                  /* a row of this run has the key: mirror keeps its record */
} hsink_entry;

typedef struct hsink_state {
    hsink_opts *o;
    sl_run *run;
    const char *id, *pipeline;
    sl_api api;
    int mode;                  /* 0 create, 1 update, 2 upsert, 3 mirror */
    sl_maxdeletes max_deletes; /* mirror's guard */
    /* key -> entry, open addressing */
    hsink_entry *tab;
    size_t cap, n;
    /* this batch's results, committed with the position */
    sl_sync_record *pend;
    char **pend_strs;
    size_t npend, cappend, nstrs, capstrs;
    sl_posmap committed;         /* positions committed in this epoch */
    int64_t sent, unchanged, failed;
    int64_t done[4];           /* by OP_*: records created, updated, deleted (sl_sink_counts) */
    sl_buf requests;           /* --dry-run: the first requests, a JSON array's elements */
    int64_t splits;            /* batch requests refused whole, sent again as halves */
    /* --dry-run */
    int64_t would[4];          /* by OP_*: creates, updates, deletes */
    int shown;                 /* payloads shown in the report */
} hsink_state;

/* One record to send (or delete), with what it needs after the answer. */
typedef struct hsink_work {
    size_t row;                /* batch row; (size_t)-1 for deletes */
    int op;
    char *key, *hash, *payload, *url;
    char *dest_id;             /* known before sending, or from the answer */
    int ok, gone;              /* gone: a delete found nothing to delete */
    char why[600];
} hsink_work;

/* ---- http_keys.c --------------------------------------------------------------- */

/* The entry of key (a copy is kept), added when add is set; NULL when
 * there is none (add = 0). Owned by st. */
hsink_entry *sl_hsink_lookup(hsink_state *st, const char *key, int add);
/* Replace *dst with a copy of v (NULL: none). */
void sl_hsink_set_str(char **dst, const char *v);
/* sl_state_sync_load's callback: one stored record into st's map (ctx). */
void sl_hsink_load_record(void *ctx, const sl_sync_record *r);
/* A record to commit with the batch's position (strings copied; status a
 * literal: "synced" | "failed"; hash NULL: sent again next run). */
void sl_hsink_pend(hsink_state *st, const char *key, const char *hash, const char *dest_id, const char *status);
/* Forget the pending records (committed, or rolled back). */
void sl_hsink_pend_clear(hsink_state *st);

/* ---- http_payload.c ------------------------------------------------------------ */

/* Expand {{ name }} in the JSON template tpl for row (with {{ key }} and
 * {{ dest_id }}), appended to out. */
void sl_hsink_render(sl_buf *out, const char *tpl, const sl_batch *b, size_t row, const char *key,
                     const char *dest_id);
/* The row's key: its key columns' text joined by \x1f (owned by the
 * caller); kc holds their indexes in the batch (-1: not there). */
char *sl_hsink_row_key(const hsink_state *st, const sl_batch *b, const int *kc, size_t row);
/* base URL + path with its {{ templates }} from the row (b NULL: a delete,
 * {{ dest_id }} and {{ key }} only), owned by the caller; NULL when a
 * value in the path is empty or null, with why (cap bytes). */
char *sl_hsink_url(hsink_state *st, const char *path, const sl_batch *b, size_t row, const char *key,
                   const char *dest_id, char *why, size_t cap);

/* ---- http_send.c ---------------------------------------------------------------- */

/* Free the n work items and the array. */
void sl_hsink_work_free(hsink_work *w, size_t n);
/* Send the nw work items (one request each, or batches when batched and
 * batch_size > 1); fill each one's ok, dest_id, why. -1 only when the
 * client fails (err). */
int sl_hsink_send(hsink_state *st, hsink_work *w, size_t nw, int batched, sl_error *err);
/* The sink's validator of 2xx answers (sl_http_opts.validate): no body is
 * a success; a body is one JSON document. */
int sl_hsink_answer_usable(const sl_buf *body, char *why, size_t cap);

#endif
