/*
 * http.c: the `http` sink: reverse ETL, rows sent to an operational tool's
 * API (a CRM, a marketing tool), declared in YAML.
 *
 * A row becomes a JSON payload through `body:`, a JSON template in which
 * {{ column }} is the column's value as JSON (strings quoted, numbers and
 * booleans bare, null), {{ dest_id }} the destination's id (the key until
 * a create returned one) and {{ key }} the row's key; constants and
 * nesting are written as they are. Requests carry
 * one record each, or `batch_size` of them in `batch_body` ({{ records }}
 * is the JSON array) sent to `batch_path`, whose answer `results_path`
 * maps back to the rows (an element with `error` fails its row only).
 * A batch refused as a whole with a 4xx about its content (one bad record
 * fails the request on several CRMs) is sent again as two halves, down to
 * single records: the good records are delivered, the bad ones fail alone.
 *
 * Modes: create (rows never synced), update (rows with a destination id,
 * or the key as id), upsert (update when the id is known, else create),
 * mirror (upsert, then delete the destination records whose key left the
 * source). A create's answer gives the id (`id_path`), kept per key;
 * a create answered without one keeps the key as the record's id.
 *
 * Paths (path, update_path, delete_path) take {{ column }}, {{ dest_id }}
 * and {{ key }} too, in the path or the query, each value one
 * percent-encoded URL component (net/urltpl.h): a key or an id the API
 * returned cannot change the path, the query or the host, and "." or ".."
 * are not dot segments. A row whose value in the path is empty or NULL is
 * not sent (a PATCH to /contacts/ is not its record): it goes to the DLQ
 * with the reason, as a reverse-ETL tool reports a row it cannot address.
 * Mirror's deletes are guarded: a run that would delete more than
 * `max_deletes` (a count, or a share of the synced records; 10 %) fails
 * before deleting anything, unless `sluice run --allow-deletes`.
 *
 * Change-only: per key, the state store keeps the hash of the last payload
 * sent successfully (sync_records). A row whose payload hash is unchanged
 * is not sent; a row that failed is sent again next run; --full-resync
 * sends every row, and so does --full-refresh (as Hightouch's and Census's
 * "full resync": every row is sent again, nothing is deleted for it; only
 * mirror deletes, as on any run, the records whose key left the source). Each request carries an Idempotency-Key derived from
 * the key and the payload, so a request repeated after a crash is the
 * same request. 2xx: synced, also with no body (204 No Content, an empty
 * 200: no id is learnt). 4xx (and 5xx/429 after the retries): the row goes
 * to the DLQ with the answer's status and body, and counts as rejected.
 *
 * `sluice run --dry-run` computes the same operations and sends nothing:
 * the run's report has the counts of creates, updates and deletes and the
 * first payloads (secrets redacted).
 *
 * Positions and sync records are written to the state store in one
 * transaction per batch, after the batch's requests were answered; a crash
 * between the two repeats those requests with the same idempotency keys.
 *
 * This file is the connector itself (options, checks, what each row needs,
 * the dry run's plan, mirror's deletes, counts); the rest is in
 * http_keys.c (the sync records in memory, pending ones), http_payload.c
 * (a row's key, payload and URL) and http_send.c (requests, batches,
 * answers), sharing http_sink.h.
 */
#include "core/failpoint.h"
#include "core/log.h"
#include "core/redact.h"
#include "core/mem.h"
#include "engine/colcheck.h"
#include "net/urltpl.h"
#include "sinks/http_sink.h"
#include "sinks/sinkkey.h"
#include "sinks/template.h"
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

static const sl_option hsink_options[] = {
    SL_API_OPTIONS(hsink_opts, api),
    {"key", SL_OPT_LIST, NULL, SL_OPT_REQUIRED, offsetof(hsink_opts, key), NULL, "the rows' key columns (email, id)"},
    {"mode", SL_OPT_ENUM, "upsert", 0, offsetof(hsink_opts, mode), "create|update|upsert|mirror",
     "create new records, update known ones, both, or both and delete the records whose key left the source"},
    {"path", SL_OPT_STRING, "", 0, offsetof(hsink_opts, path), NULL, "path that creates a record (/contacts)"},
    {"create_method", SL_OPT_ENUM, "POST", 0, offsetof(hsink_opts, create_method), "POST|PUT", "method that creates"},
    {"update_path", SL_OPT_STRING, "", 0, offsetof(hsink_opts, update_path), NULL,
     "path that updates a record (/contacts/{{ dest_id }}); every {{ }} value in a path or query is one "
     "percent-encoded URL component, and a row whose value in the path is empty or NULL goes to the DLQ"},
    {"update_method", SL_OPT_ENUM, "PATCH", 0, offsetof(hsink_opts, update_method), "PATCH|PUT|POST",
     "method that updates"},
    {"delete_path", SL_OPT_STRING, "", 0, offsetof(hsink_opts, delete_path), NULL,
     "mirror: path that deletes a record (default: update_path); only {{ dest_id }} and {{ key }}"},
    {"delete_method", SL_OPT_ENUM, "DELETE", 0, offsetof(hsink_opts, delete_method), "DELETE|POST|PATCH",
     "mirror: method that deletes"},
    {"max_deletes", SL_OPT_STRING, "10%", 0, offsetof(hsink_opts, max_deletes), NULL,
     "mirror: most deletes a run may send, a count (50) or a share of the synced records (10%); a run that "
     "would delete more fails before deleting anything (`sluice run --allow-deletes` lets one run through)"},
    {"body", SL_OPT_STRING, NULL, SL_OPT_REQUIRED | SL_OPT_MULTILINE, offsetof(hsink_opts, body), NULL,
     "JSON template of one record: {\"email\": {{ email }}, \"properties\": {\"score\": {{ lead_score }}}}"},
    {"batch_size", SL_OPT_INT, "1", 0, offsetof(hsink_opts, batch_size), NULL,
     "records per request (> 1: batch_path); a batch refused whole with a 4xx is sent again in halves, down to "
     "single records, so only the records the API refuses fail"},
    {"batch_path", SL_OPT_STRING, "", 0, offsetof(hsink_opts, batch_path), NULL,
     "path of the batch endpoint (no {{ }} templates: one URL for many rows)"},
    {"batch_body", SL_OPT_STRING, "{{ records }}", SL_OPT_MULTILINE, offsetof(hsink_opts, batch_body), NULL,
     "JSON template of a batch request: {\"inputs\": {{ records }}}"},
    {"results_path", SL_OPT_STRING, "", 0, offsetof(hsink_opts, results_path), NULL,
     "batch answers: the array of per-record results, in request order (an element with \"error\" failed)"},
    {"id_path", SL_OPT_STRING, "id", 0, offsetof(hsink_opts, id_path), NULL, "where an answer has the record's id"},
    {"headers", SL_OPT_MAP, NULL, SL_OPT_SECRET, offsetof(hsink_opts, headers), NULL, "request headers (a ${VAR} in a value is a secret)"},
    {"idempotency_header", SL_OPT_STRING, "Idempotency-Key", 0, offsetof(hsink_opts, idempotency_header), NULL,
     "header that carries each request's idempotency key (empty: none)"},
    SL_OPT_END,
};

/* ---- plugin --------------------------------------------------------------- */

/* The options that are {{ }} templates: their syntax is checked at load
 * (sinks/template.h), as the email and slack sinks' are; their names are
 * columns, dest_id, key or records, so no column check. */
static const char *const hsink_templates[] = {"path", "update_path", "delete_path", "body", "batch_body", NULL};

static int hsink_check(sl_instance *in, sl_diags *d)
{
    hsink_opts *o = in->opts;
    int n = sl_api_check(&o->api, hsink_options, o, d);
    n += sl_template_check_options(in, hsink_templates, NULL, d);
    int batched = o->batch_size > 1;
    if (strcmp(o->mode, "create") != 0 && !*o->update_path && !batched) {
        sl_diags_add(d, sl_colcheck_loc(sl_options_loc(hsink_options, o, "mode"), in), "mode %s needs update_path: (/contacts/{{ dest_id }})",
                     o->mode);
        n++;
    }
    if (strcmp(o->mode, "update") != 0 && !*o->path && !batched) {
        sl_diags_add(d, sl_colcheck_loc(sl_options_loc(hsink_options, o, "mode"), in), "mode %s needs path: (where records are created)",
                     o->mode);
        n++;
    }
    if (batched && !*o->batch_path) {
        sl_diags_add(d, sl_colcheck_loc(sl_options_loc(hsink_options, o, "batch_size"), in), "batch_size > 1 needs batch_path:");
        n++;
    }
    if (strcmp(o->mode, "mirror") == 0 && !*o->delete_path && !*o->update_path) {
        sl_diags_add(d, sl_colcheck_loc(sl_options_loc(hsink_options, o, "mode"), in), "mode mirror needs delete_path: (/contacts/{{ dest_id }})");
        n++;
    }
    /* a batch request and a delete have no row to fill other templates from */
    if (batched && sl_urltpl_has_templates(o->batch_path, NULL)) {
        sl_diags_add(d, sl_colcheck_loc(sl_options_loc(hsink_options, o, "batch_path"), in),
                     "batch_path is one URL for the records of many rows: it cannot use {{ }} templates");
        n++;
    }
    int only_ids = 1;
    const char *del = *o->delete_path ? o->delete_path : o->update_path;
    if (strcmp(o->mode, "mirror") == 0 && sl_urltpl_has_templates(del, &only_ids) && !only_ids) {
        sl_diags_add(d, sl_options_loc(hsink_options, o, *o->delete_path ? "delete_path" : "update_path"),
                     "mirror's deletes have no source row: %s may only use {{ dest_id }} and {{ key }}%s",
                     *o->delete_path ? "delete_path" : "update_path (the delete path)",
                     *o->delete_path ? "" : "; set delete_path:");
        n++;
    }
    sl_maxdeletes md;
    char why[200];
    if (sl_maxdeletes_parse(&md, o->max_deletes, why, sizeof why) < 0) {
        sl_diags_add(d, sl_colcheck_loc(sl_options_loc(hsink_options, o, "max_deletes"), in), "%s", why);
        n++;
    }
    return n;
}

static void parse_pos(void *ctx, const char *key, const char *value)
{
    hsink_state *st = ctx;
    long long off = 0, line = 0;
    if (value && sscanf(value, "%lld %lld", &off, &line) == 2)
        sl_posmap_put(&st->committed, key, off, line);
}

static int hsink_open(sl_instance *in, sl_run *run, sl_error *err)
{
    hsink_opts *o = in->opts;
    hsink_state *st = sl_calloc(1, sizeof *st);
    in->state = st;
    st->o = o;
    st->run = run;
    st->id = in->id;
    st->pipeline = run->pipeline->name;
    st->mode = strcmp(o->mode, "create") == 0 ? 0 : strcmp(o->mode, "update") == 0 ? 1
             : strcmp(o->mode, "upsert") == 0 ? 2 : 3;
    char why[200];
    if (sl_maxdeletes_parse(&st->max_deletes, o->max_deletes, why, sizeof why) < 0)
        return sl_error_set(err, SL_ECONFIG, "%s", why);
    if (sl_state_checkpoint_each(run->state, st->pipeline, st->id, run->epoch, parse_pos, st, err) < 0 ||
        sl_state_sync_load(run->state, st->pipeline, st->id, sl_hsink_load_record, st, err) < 0 ||
        sl_api_open(&st->api, &o->api, run, in->id, err) < 0)
        return -1;
    st->api.http.o.validate = sl_hsink_answer_usable; /* a 204 or an empty 200 is a success here */
    return 0;
}

/* Mirror reports no position: its deletes are the keys no row of this run
 * had, so even a resumed run must see every row (the unchanged ones cost no
 * request), else a row put back at the source after a failed run, behind
 * the committed position, would be taken for gone. */
static int hsink_position(sl_instance *in, const char *key, sl_resume *pos, int *found, sl_error *err)
{
    hsink_state *st = in->state;
    *found = st->mode != 3 && sl_posmap_get(&st->committed, key, pos);
    return 0;
}

/* --dry-run: one request of the plan, a JSON object whose body is the
 * payload as a string */
static void plan_request(hsink_state *st, const char *method, const char *url, const char *body)
{
    sl_buf *q = &st->requests;
    sl_buf_adds(q, q->len ? ",{\"method\":" : "{\"method\":");
    sl_buf_add_json_str(q, method, strlen(method));
    sl_buf_adds(q, ",\"url\":");
    sl_buf_add_json_str(q, url, strlen(url));
    sl_buf_adds(q, ",\"body\":");
    if (body) /* the first KiB of it: the plan keeps to a few KiB per sink */
        sl_buf_add_json_str(q, body, strlen(body) < 1024 ? strlen(body) : 1024);
    else
        sl_buf_adds(q, "null");
    sl_buf_addc(q, '}');
}

static int hsink_write(sl_instance *in, sl_batch *b, size_t from, uint8_t *rejected, sl_error *err)
{
    hsink_state *st = in->state;
    if (sl_failpoint("sink.before_data"))
        return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.before_data", st->id);
    hsink_work *w = sl_calloc(b->nrows + 1, sizeof *w);
    size_t nw = 0;
    int *kc = sl_calloc(st->o->key.n + 1, sizeof *kc);
    for (size_t i = 0; i < st->o->key.n; i++)
        kc[i] = sl_batch_find(b, st->o->key.v[i]);
    int has_id = strstr(st->o->body, "dest_id") != NULL;
    int batched = st->o->batch_size > 1;
    /* a NULL key matches no record: to the DLQ, as in the warehouses' upsert */
    st->failed += (int64_t)sl_sinkkey_reject_nulls(b, from, rejected, &st->o->key, st->id);
    sl_buf payload;
    sl_buf_init(&payload);
    for (size_t r = from; r < b->nrows; r++) {
        if (rejected[r])
            continue;
        char *key = sl_hsink_row_key(st, b, kc, r);
        hsink_entry *e = sl_hsink_lookup(st, key, 0);
        sl_buf_reset(&payload);
        /* the hash covers the record's content, not the id it is sent with */
        sl_hsink_render(&payload, st->o->body, b, r, key, has_id ? "" : NULL);
        char hash[20];
        snprintf(hash, sizeof hash, "%016llx", (unsigned long long)XXH3_64bits(payload.data, payload.len));
        int op = OP_NONE;
        if (e && e->synced && e->hash && strcmp(e->hash, hash) == 0 && !st->run->full_resync &&
            !st->run->full_refresh)
            op = OP_NONE; /* unchanged */
        else if (st->mode == 0)
            op = e && e->synced ? OP_NONE : OP_CREATE;
        else if (st->mode == 1)
            op = OP_UPDATE;
        else
            op = e && e->dest_id ? OP_UPDATE : OP_CREATE;
        if (op == OP_NONE) {
            st->unchanged++;
            if (e)
                e->seen = 1;
            if (st->mode == 3 && e && e->seen_epoch != st->run->epoch)
                sl_hsink_pend(st, key, e->hash, e->dest_id, "synced"); /* seen this run: mirror keeps it */
            sl_free(key);
            continue;
        }
        const char *dest_id = e ? e->dest_id : NULL;
        char why[600];
        char *url = sl_hsink_url(st, batched ? st->o->batch_path : op == OP_CREATE ? st->o->path : st->o->update_path,
                            b, r, key, dest_id, why, sizeof why);
        if (!url) {
            /* an empty id or value in the path would address another
             * resource (the collection): this row alone fails, to the DLQ */
            char reason[800];
            snprintf(reason, sizeof reason, "%s: %s", op == OP_CREATE ? st->o->create_method : st->o->update_method,
                     why);
            sl_log_redact(reason); /* the path may hold an ${ENV} secret */
            rejected[r] = 1;
            sl_batch_reject_row(b, r, st->id, reason);
            st->failed++;
            sl_hsink_pend(st, key, NULL, dest_id, "failed"); /* no hash: tried again next run */
            sl_free(key);
            continue;
        }
        hsink_work *x = &w[nw++];
        x->row = r;
        x->op = op;
        x->key = key;
        x->hash = sl_strdup(hash);
        x->dest_id = dest_id ? sl_strdup(dest_id) : NULL;
        if (has_id) {
            sl_buf_reset(&payload);
            sl_hsink_render(&payload, st->o->body, b, r, key, x->dest_id);
        }
        x->payload = sl_strdup(payload.data ? payload.data : "{}");
        x->url = url;
    }
    sl_buf_release(&payload);
    sl_free(kc);
    if (st->run->dry_run) {
        /* count and show; send nothing */
        for (size_t i = 0; i < nw; i++) {
            st->would[w[i].op]++;
            if (st->shown < 3)
                plan_request(st, w[i].op == OP_CREATE ? st->o->create_method : st->o->update_method, w[i].url,
                             w[i].payload);
            if (st->shown < 3) {
                st->shown++;
                sl_buf_addf(&st->run->report, "  %s: %s %s %s\n", st->id,
                            w[i].op == OP_CREATE ? st->o->create_method : st->o->update_method, w[i].url, w[i].payload);
            }
            sl_hsink_pend(st, w[i].key, w[i].hash, w[i].dest_id, "synced");
        }
        sl_hsink_work_free(w, nw);
        return 0;
    }
    int rc = sl_hsink_send(st, w, nw, 1, err);
    for (size_t i = 0; rc == 0 && i < nw; i++) {
        hsink_work *x = &w[i];
        if (x->ok) {
            st->sent++;
            st->done[x->op]++;
            /* created, but the answer named no id (a 204, an empty 200): the
             * key is its id, and its next change is an update, not a create */
            if (x->op == OP_CREATE && !x->dest_id)
                x->dest_id = sl_strdup(x->key);
            sl_hsink_pend(st, x->key, x->hash, x->dest_id, "synced");
            continue;
        }
        st->failed++;
        char why[900];
        snprintf(why, sizeof why, "%s %s: %s",
                 st->o->batch_size > 1 ? "POST" : x->op == OP_CREATE ? st->o->create_method : st->o->update_method,
                 st->o->batch_size > 1 ? st->o->batch_path : (x->op == OP_CREATE ? st->o->path : st->o->update_path),
                 x->why);
        sl_log_redact(why);
        rejected[x->row] = 1;
        sl_batch_reject_row(b, x->row, st->id, why);
        /* no hash: the row is sent again next run */
        sl_hsink_pend(st, x->key, NULL, x->dest_id, "failed");
    }
    sl_hsink_work_free(w, nw);
    if (rc < 0)
        return -1;
    if (sl_failpoint("sink.after_data"))
        return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.after_data", st->id);
    return 0;
}

static int hsink_commit(sl_instance *in, const sl_batch *b, sl_error *err)
{
    hsink_state *st = in->state;
    if (sl_failpoint("sink.before_checkpoint"))
        return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.before_checkpoint", st->id);
    char value[64];
    int pos = b->file && !b->no_position;
    if (pos)
        snprintf(value, sizeof value, "%lld %lld", (long long)b->end_offset, (long long)b->end_line);
    /* a dry run keeps its results in memory only (mirror counts deletes from them) */
    int rc = st->run->dry_run ? 0
                              : sl_state_sync_commit(st->run->state, st->pipeline, st->id, st->run->epoch, st->pend,
                                                     st->npend, NULL, 0, pos ? b->file : NULL, pos ? value : NULL, err);
    if (rc < 0)
        return -1;
    /* the map follows what is now committed */
    for (size_t i = 0; i < st->npend; i++) {
        const sl_sync_record *r = &st->pend[i];
        hsink_entry *e = sl_hsink_lookup(st, r->key, 1);
        sl_hsink_set_str(&e->hash, r->hash);
        sl_hsink_set_str(&e->dest_id, r->dest_id);
        e->synced = strcmp(r->status, "synced") == 0;
        e->seen_epoch = r->seen_epoch;
        e->seen = 1; /* pending records are this run's rows */
    }
    sl_hsink_pend_clear(st);
    if (pos)
        sl_posmap_put(&st->committed, b->file, b->end_offset, b->end_line);
    if (sl_failpoint("sink.after_commit"))
        return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.after_commit", st->id);
    return 0;
}

static void hsink_rollback(sl_instance *in)
{
    hsink_state *st = in->state;
    if (st)
        sl_hsink_pend_clear(st);
}

/* mirror: delete the destination records whose key no row of this run had
 * (this process's run: a resumed run reads every row again) */
static int hsink_finish(sl_instance *in, sl_error *err)
{
    hsink_state *st = in->state;
    if (st->mode == 3) {
        size_t nw = 0;
        hsink_work *w = sl_calloc(st->n + 1, sizeof *w);
        const char *path = *st->o->delete_path ? st->o->delete_path : st->o->update_path;
        for (size_t i = 0; i < st->cap; i++) {
            hsink_entry *e = &st->tab[i];
            if (!e->key || e->seen)
                continue;
            hsink_work *x = &w[nw++];
            x->row = (size_t)-1;
            x->op = OP_DELETE;
            x->key = sl_strdup(e->key);
            x->dest_id = e->dest_id ? sl_strdup(e->dest_id) : NULL;
            char why[600];
            x->url = sl_hsink_url(st, path, NULL, 0, e->key, e->dest_id, why, sizeof why);
            if (!x->url) {
                /* an empty id: the delete would go to the collection */
                sl_log_error("%s: %s %s: %s (kept)", st->id, st->o->delete_method, path, why);
                sl_free(x->key);
                sl_free(x->dest_id);
                memset(x, 0, sizeof *x);
                nw--;
            }
        }
        if (nw && sl_maxdeletes_exceeded(&st->max_deletes, (int64_t)nw, (int64_t)st->n)) {
            char what[300];
            snprintf(what, sizeof what,
                     "mirror would delete %zu of the %zu records synced (%.1f%%), more than max_deletes (%s)", nw,
                     st->n, st->n ? 100.0 * (double)nw / (double)st->n : 100.0, st->o->max_deletes);
            if (st->run->dry_run && !st->run->allow_deletes) {
                sl_buf_addf(&st->run->report, "  %s: %s: the run will fail without --allow-deletes\n", st->id, what);
            } else if (st->run->allow_deletes) {
                sl_log_warn("%s: %s; deleting them (--allow-deletes)", st->id, what);
            } else {
                sl_hsink_work_free(w, nw);
                return sl_error_set(err, SL_EDATA,
                                    "%s; nothing was deleted. A source that suddenly matches fewer rows would delete "
                                    "their records: check the source; if the records really left it, run once with "
                                    "`sluice run %s --allow-deletes` (or raise max_deletes)",
                                    what, st->pipeline);
            }
        }
        size_t nsend = nw;
        if (st->run->dry_run) {
            st->would[OP_DELETE] += (int64_t)nw;
            for (size_t i = 0; i < nw && st->shown < 6; i++, st->shown++) {
                plan_request(st, st->o->delete_method, w[i].url, NULL);
                sl_buf_addf(&st->run->report, "  %s: %s %s\n", st->id, st->o->delete_method, w[i].url);
            }
            nsend = 0;
        }
        int rc = sl_hsink_send(st, w, nsend, 0, err);
        const char **gone = sl_calloc(nw + 1, sizeof *gone);
        size_t ngone = 0, nfailed = 0;
        for (size_t i = 0; rc == 0 && i < nsend; i++) {
            if (w[i].ok)
                gone[ngone++] = w[i].key;
            else {
                nfailed++;
                char u[512];
                sl_redact_cut(u, sizeof u, w[i].url, strlen(w[i].url)); /* redacted, then cut */
                sl_log_error("%s: %s %s: %s (kept; tried again next run)", st->id, st->o->delete_method, u, w[i].why);
            }
        }
        st->done[OP_DELETE] += (int64_t)ngone;
        st->failed += (int64_t)nfailed;
        if (rc == 0 && ngone)
            rc = sl_state_sync_commit(st->run->state, st->pipeline, st->id, st->run->epoch, NULL, 0, gone, ngone,
                                      NULL, NULL, err);
        if (rc == 0 && nsend)
            sl_log_info("%s: mirror: %zu records deleted, %zu deletes failed", st->id, ngone, nfailed);
        sl_free(gone);
        sl_hsink_work_free(w, nw);
        if (rc < 0)
            return -1;
    }
    if (st->run->dry_run)
        sl_buf_addf(&st->run->report, "  %s would send %lld creates, %lld updates, %lld deletes; %lld rows unchanged\n",
                    st->id, (long long)st->would[OP_CREATE], (long long)st->would[OP_UPDATE],
                    (long long)st->would[OP_DELETE], (long long)st->unchanged);
    else
        sl_log_info("%s: %lld records sent, %lld unchanged (not sent), %lld failed%s", st->id, (long long)st->sent,
                    (long long)st->unchanged, (long long)st->failed,
                    st->splits ? " (batches refused whole were sent again in halves to find the failing records)"
                               : "");
    return 0;
}

static void hsink_counts(sl_instance *in, sl_sink_counts *out, sl_buf *requests)
{
    hsink_state *st = in->state;
    const int64_t *n = st->run->dry_run ? st->would : st->done;
    *out = (sl_sink_counts){.created = n[OP_CREATE], .updated = n[OP_UPDATE], .deleted = n[OP_DELETE],
                            .unchanged = st->unchanged, .failed = st->failed};
    if (requests && st->run->dry_run) {
        sl_buf_addc(requests, '[');
        sl_buf_add(requests, st->requests.data ? st->requests.data : "", st->requests.len);
        sl_buf_addc(requests, ']');
    }
}

static void hsink_close(sl_instance *in)
{
    hsink_state *st = in->state;
    if (!st)
        return;
    sl_api_close(&st->api);
    for (size_t i = 0; i < st->cap; i++) {
        sl_free(st->tab[i].key);
        sl_free(st->tab[i].hash);
        sl_free(st->tab[i].dest_id);
    }
    sl_free(st->tab);
    sl_hsink_pend_clear(st);
    sl_free(st->pend);
    sl_free(st->pend_strs);
    sl_posmap_release(&st->committed);
    sl_buf_release(&st->requests);
    sl_free(st);
    in->state = NULL;
}

const sl_sink_plugin sl_sink_http = {
    .version = SL_PLUGIN_VERSION,
    .name = "http",
    .summary = "reverse ETL to an API: templated records, create/update/upsert/mirror, change-only, idempotent",
    .options = hsink_options,
    .opts_size = sizeof(hsink_opts),
    .check = hsink_check,
    .open = hsink_open,
    .position = hsink_position,
    .write = hsink_write,
    .commit = hsink_commit,
    .rollback = hsink_rollback,
    .finish = hsink_finish,
    .close = hsink_close,
    .dry_run = 1,
    .counts = hsink_counts,
};
