/*
 * webhook.c: the `webhook` source: events POSTed to a path of `sluice
 * serve` (or of its own `listen:` address), kept in the pipeline's spool,
 * read back as rows.
 *
 * Two halves: the ingest kind (stream/webhook_ingest.c) checks each
 * request (method, auth, HMAC signature, content type, body) and spools
 * its records, one JSON object each; this file is the option table, the
 * checks `sluice validate` runs, and the reading side: the spool read as
 * micro-batches by the stream driver (sources/stream.h), each record
 * turned into one row as the jsonl source does (formats/json_record.h:
 * same flatten/max_depth/separator options), plus `received_at`, when
 * sluice received it (a timestamp, UTC). A body member that is itself
 * called received_at gets the column received_at_2.
 */
#include "core/mem.h"
#include "formats/json_record.h"
#include "stream/webhook.h"
#include <string.h>
#include <time.h>

static const sl_option webhook_options[] = {
    {"columns", SL_OPT_MAP, NULL, 0, offsetof(sl_webhook_opts, common.columns), NULL,
     "declared column types; they win over inference"},
    {"infer_types", SL_OPT_BOOL, "true", 0, offsetof(sl_webhook_opts, common.infer_types), NULL,
     "infer column types from the first batch; false keeps undeclared columns as text"},
    SL_NORMALIZE_NAMES_OPTION(sl_webhook_opts, common.normalize_names),
    SL_MAX_COLUMNS_OPTION(sl_webhook_opts, common.max_columns),
    SL_STREAM_OPTIONS(sl_webhook_opts, stream),
    SL_JSON_RECORD_OPTIONS(sl_webhook_opts),
    {"path", SL_OPT_STRING, NULL, SL_OPT_REQUIRED, offsetof(sl_webhook_opts, path), NULL,
     "the URL path events are sent to (/hooks/github); starts with /"},
    {"methods", SL_OPT_LIST, "[POST]", 0, offsetof(sl_webhook_opts, methods), NULL,
     "HTTP methods accepted on path ([POST], [POST, PUT]); others get 405"},
    {"format", SL_OPT_ENUM, "auto", 0, offsetof(sl_webhook_opts, format), "auto|json|jsonl|form",
     "the body: json (an object = one event, an array = its elements), jsonl (one object per line), form "
     "(application/x-www-form-urlencoded: one event of strings, a repeated name an array), or auto: the "
     "Content-Type decides (application/json, application/x-ndjson or jsonl, "
     "application/x-www-form-urlencoded; any other gets 415)"},
    {"records_path", SL_OPT_STRING, "", 0, offsetof(sl_webhook_opts, records_path), NULL,
     "dot path to the array of events inside a JSON object body (data, payload.events); empty = the body"},
    {"max_body", SL_OPT_STRING, "1MiB", 0, offsetof(sl_webhook_opts, max_body), NULL,
     "largest body accepted (64KiB, 1MiB, 1048576 bytes; at most 16MiB): larger gets 413, also from "
     "Content-Length before it is sent"},
    {"auth", SL_OPT_MAP, NULL, 0, offsetof(sl_webhook_opts, auth), NULL,
     "{type: bearer, token} | {type: basic, username, password} | {type: none} (default): the "
     "Authorization header requests must carry (401 otherwise; compared in constant time; take the values "
     "from ${ENV})"},
    {"signature", SL_OPT_MAP, NULL, 0, offsetof(sl_webhook_opts, signature), NULL,
     "an HMAC of the body requests must carry (401 otherwise, nothing stored): {scheme: github|stripe|shopify, "
     "secret} or {header, secret, algorithm: sha256|sha1, format: hex|base64, prefix: \"sha256=\", "
     "timestamp_header, tolerance: 5m, signed_payload: body|timestamp.body}; github: X-Hub-Signature-256 "
     "sha256=<hex>; shopify: X-Shopify-Hmac-Sha256 <base64>; stripe: Stripe-Signature t=<unix>,v1=<hex of "
     "\"t.body\">, t within tolerance"},
    SL_OPT_END,
};

typedef struct webhook_state {
    sl_stream_source ss; /* first: the stream driver casts in->state to it */
    sl_webhook_opts *o;
    sl_json_record_opts ro;
    sl_json_record_ctx ctx;
    size_t received_at;  /* its names entry in ctx */
} webhook_state;

static int webhook_check(sl_instance *in, sl_diags *d)
{
    sl_webhook_opts *o = in->opts;
    return sl_stream_check(in, &o->stream, d) + sl_webhook_check(webhook_options, o, d);
}

/* time_us as 2026-01-02T03:04:05.678901Z */
static size_t iso_time(int64_t us, char *out, size_t cap)
{
    time_t s = (time_t)(us / 1000000);
    int64_t frac = us % 1000000;
    if (frac < 0) {
        frac += 1000000;
        s--;
    }
    struct tm tm;
    gmtime_r(&s, &tm);
    return (size_t)snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                            tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long long)frac);
}

static int webhook_row(void *ctx, const sl_spool_rec *rec, int64_t line, sl_batch *b, sl_error *err)
{
    (void)err;
    webhook_state *st = ctx;
    sl_json j;
    sl_json_init(&j, rec->data, rec->len);
    size_t row = sl_batch_add_row(b, rec->offset, line), ncols = b->ncols;
    int r = sl_json_record_read(&st->ctx, &j, b, row, &st->ro);
    if (r == 0) {
        sl_json_ws(&j);
        if (j.p != j.end) {
            j.err_at = j.p;
            snprintf(j.err, sizeof j.err, "unexpected data after the JSON object");
            r = -1;
        }
    }
    if (r != 0) { /* the ingest side spools objects only: a damaged record */
        char why[300], msg[200];
        if (r == -2) {
            snprintf(why, sizeof why, "not a JSON object");
        } else {
            sl_json_error_text(&j, msg, sizeof msg);
            snprintf(why, sizeof why, "invalid JSON: %s", msg);
        }
        sl_batch_unadd_row(b, row, ncols);
        sl_batch_reject_raw(b, rec->offset, line, "source", why, rec->data, rec->len);
        return 0;
    }
    const sl_name_entry *e = &st->ctx.names.v[st->received_at];
    int col = sl_batch_find(b, e->name);
    if (col < 0) {
        col = (int)sl_batch_add_column(b, e->name, e->namelen, SL_T_TIMESTAMP, 1);
        /* a slot of a cleared batch keeps its kind array (a new one would leak it) */
        if (!b->cols[col].kind)
            b->cols[col].kind = sl_calloc(b->cols[col].cap ? b->cols[col].cap : 1, 1);
    }
    char t[40];
    size_t n = iso_time(rec->time_us, t, sizeof t);
    sl_batch_set_text(b, (size_t)col, row, t, n);
    /* a string, whatever this row of a reused column held before (a JSON
     * kind left from an earlier batch made the time "not a valid timestamp") */
    b->cols[col].kind[row] = SL_KIND_STRING;
    return 0;
}

static int webhook_open(sl_instance *in, sl_run *run, sl_resume_fn resume, sl_error *err)
{
    webhook_state *st = sl_calloc(1, sizeof *st);
    st->o = in->opts;
    st->ro = (sl_json_record_opts){st->o->flatten, (int)st->o->max_depth, st->o->separator,
                                   strcmp(st->o->common.normalize_names, "snake_case") == 0,
                                   sl_source_max_columns(&st->o->common)};
    sl_json_record_init(&st->ctx);
    st->ctx.names.snake_case = st->ro.snake_case;
    /* received_at first, under an id no member path has (those start with
     * a 4-byte length): a member of that name becomes received_at_2 */
    st->received_at = sl_names_get(&st->ctx.names, "\x01", 1, "received_at", strlen("received_at"));
    st->ss.o = &st->o->stream;
    st->ss.row = webhook_row;
    st->ss.ctx = st;
    in->state = st;
    return sl_stream_open(in, &st->ss, run, resume, err);
}

static int webhook_next(sl_instance *in, sl_batch *b, sl_error *err)
{
    return sl_stream_next(in, b, err);
}

static int webhook_done(sl_instance *in, sl_run *run, sl_error *err)
{
    return sl_stream_done(in, run, err);
}

static void webhook_close(sl_instance *in)
{
    webhook_state *st = in->state;
    if (!st)
        return;
    sl_stream_close(in);
    sl_json_record_release(&st->ctx);
    sl_free(st);
    in->state = NULL;
}

const sl_source_plugin sl_source_webhook = {
    .version = SL_PLUGIN_VERSION,
    .name = "webhook",
    .summary = "events POSTed to a path of sluice serve (JSON, JSON Lines, forms; bearer/basic auth, HMAC "
               "signatures), acknowledged once durable in the pipeline's spool, loaded continuously",
    .options = webhook_options,
    .opts_size = sizeof(sl_webhook_opts),
    .check = webhook_check,
    .open = webhook_open,
    .next = webhook_next,
    .done = webhook_done,
    .close = webhook_close,
    .ingest = &sl_ingest_webhook,
};
