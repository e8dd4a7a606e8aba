/*
 * http_send.c: the http sink's requests (http_sink.h): one per record or
 * `batch_size` records in `batch_body`, each with its idempotency key (the
 * same records, payloads and operations: the same key), run together on
 * the API client (net/api.h: auth, retries, oauth2 refresh on a 401); a
 * batch refused whole for its content is sent again in halves, down to
 * single records; the answers are mapped back to the records (ok, the id
 * a create returned, or why it failed).
 */
#include "core/log.h"
#include "core/mem.h"
#include "core/redact.h"
#include "formats/json_path.h"
#include "sinks/http_sink.h"
#include <stdio.h>
#include <string.h>
#include <xxhash.h>

void sl_hsink_work_free(hsink_work *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sl_free(w[i].key);
        sl_free(w[i].hash);
        sl_free(w[i].payload);
        sl_free(w[i].url);
        sl_free(w[i].dest_id);
    }
    sl_free(w);
}

static struct curl_slist *headers(hsink_state *st, const char *idem)
{
    struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
    h = curl_slist_append(h, "Content-Type: application/json");
    for (size_t i = 0; i < st->o->headers.n; i++) {
        char *line = sl_printf("%s: %s", st->o->headers.v[i].key, st->o->headers.v[i].value);
        h = curl_slist_append(h, line);
        sl_free(line);
    }
    if (idem && *st->o->idempotency_header) {
        char *line = sl_printf("%s: %s", st->o->idempotency_header, idem);
        h = curl_slist_append(h, line);
        sl_free(line);
    }
    return sl_api_auth_header(&st->api, h);
}

/* The same request (sink, key, payload, operation) always has the same key. */
static char *idempotency_key(hsink_state *st, const char *what)
{
    XXH3_state_t *x = XXH3_createState();
    XXH3_64bits_reset(x);
    XXH3_64bits_update(x, st->pipeline, strlen(st->pipeline) + 1);
    XXH3_64bits_update(x, st->id, strlen(st->id) + 1);
    XXH3_64bits_update(x, what, strlen(what));
    char *k = sl_printf("sluice-%016llx", (unsigned long long)XXH3_64bits_digest(x));
    XXH3_freeState(x);
    return k;
}

static void answer_text(const sl_http_call *c, char *out, size_t cap)
{
    char began[301]; /* the answer's start, redacted before it is cut (an echoed secret) */
    sl_redact_cut(began, sizeof began, c->body_out.data ? c->body_out.data : "", c->body_out.len);
    snprintf(out, cap, "%s%s%s", c->error[0] ? c->error : "failed", c->body_out.len ? ": " : "", began);
}

typedef struct req {
    sl_http_call call;
    char *body;
    size_t first, count;       /* work items [first, first + count) */
} req;

/* A request's headers; its idempotency key covers every record it carries
 * (key, payload hash, operation), so the same request has the same key. */
static struct curl_slist *req_headers(hsink_state *st, const hsink_work *w, const req *r)
{
    sl_buf idem;
    sl_buf_init(&idem);
    for (size_t k = 0; k < r->count; k++) {
        const hsink_work *x = &w[r->first + k];
        sl_buf_addf(&idem, "%s\x1f%s\x1f%d\x1e", x->key, x->hash ? x->hash : "", x->op);
    }
    char *ik = idempotency_key(st, idem.data);
    struct curl_slist *h = headers(st, ik);
    sl_free(ik);
    sl_buf_release(&idem);
    return h;
}

/* Whether an answer with no body (204 No Content, or an empty 200) came
 * back: a success with nothing to read (no id, no per-record results). */
static int answer_blank(const sl_buf *body)
{
    for (size_t i = 0; i < body->len; i++)
        if (body->data[i] != ' ' && body->data[i] != '\t' && body->data[i] != '\r' && body->data[i] != '\n')
            return 0;
    return 1;
}

/* The sink's validator of 2xx answers (sl_http_opts.validate): no body at
 * all is a success (DELETE and PATCH answered 204, an empty 200); a body is
 * one JSON document, or the answer was cut and is asked again. */
int sl_hsink_answer_usable(const sl_buf *body, char *why, size_t cap)
{
    return answer_blank(body) ? 0 : sl_json_path_validate_body(body, why, cap);
}

/* Whether a batch request refused as a whole with this status may hold
 * good records beside the bad ones, so that halves of it are worth sending:
 * a 4xx about the content (400, 409, 413, 422, ...), not one about the
 * credentials, the route or the rate (401, 403, 404, 405, 407, 429), which
 * every part would meet again. */
static int refused_for_content(long s)
{
    return s >= 400 && s < 500 && s != 401 && s != 403 && s != 404 && s != 405 && s != 407 && s != 429;
}

/* Fill r's request for the work items [r->first, r->first + r->count):
 * the batch body of their payloads (batched), or the one item's request. */
static void req_build(hsink_state *st, hsink_work *w, req *r, int batched, const char *batch_url)
{
    r->call.headers = req_headers(st, w, r);
    if (batched) {
        sl_buf arr, body;
        sl_buf_init(&arr);
        sl_buf_init(&body);
        sl_buf_addc(&arr, '[');
        for (size_t k = 0; k < r->count; k++) {
            if (k)
                sl_buf_addc(&arr, ',');
            sl_buf_adds(&arr, w[r->first + k].payload);
        }
        sl_buf_addc(&arr, ']');
        const char *t = st->o->batch_body, *at = strstr(t, "{{");
        const char *end = at ? strstr(at, "}}") : NULL;
        if (at && end) {
            sl_buf_add(&body, t, (size_t)(at - t));
            sl_buf_adds(&body, arr.data);
            sl_buf_adds(&body, end + 2);
        } else {
            sl_buf_adds(&body, arr.data);
        }
        sl_buf_release(&arr);
        r->body = sl_buf_detach(&body);
        r->call.url = batch_url;
        r->call.method = "POST";
    } else {
        hsink_work *x = &w[r->first];
        r->body = x->payload ? sl_strdup(x->payload) : NULL;
        r->call.url = x->url;
        r->call.method = x->op == OP_CREATE   ? st->o->create_method
                         : x->op == OP_UPDATE ? st->o->update_method
                                              : st->o->delete_method;
    }
    r->call.body = r->body;
    r->call.body_len = r->body ? strlen(r->body) : 0;
}

static void req_release(req *r)
{
    curl_slist_free_all(r->call.headers);
    sl_buf_release(&r->call.body_out);
    sl_free(r->call.link_next);
    sl_free(r->body);
}

/* Run the n requests together; with oauth2, those a stale token made the
 * API answer 401 once more with a new token. -1 only when the client fails. */
static int req_run(hsink_state *st, hsink_work *w, req *rs, size_t n, sl_error *err)
{
    sl_http_call **calls = sl_calloc(n + 1, sizeof *calls);
    for (size_t i = 0; i < n; i++)
        calls[i] = &rs[i].call;
    int rc = sl_http_run(&st->api.http, calls, n, err);
    if (rc == 0 && sl_api_is_oauth2(&st->api)) {
        size_t again = 0;
        for (size_t i = 0; i < n; i++)
            if (rs[i].call.status == 401)
                calls[again++] = &rs[i].call;
        if (again && (rc = sl_api_refresh(&st->api, 1, err)) == 0) {
            for (size_t i = 0; i < again; i++) {
                curl_slist_free_all(calls[i]->headers);
                calls[i]->headers = req_headers(st, w, (const req *)calls[i]); /* call is req's first member */
            }
            rc = sl_http_run(&st->api.http, calls, again, err);
        }
    }
    sl_free(calls);
    return rc;
}

/* A batch answer's per-record result k (results_path), mapped to x. */
static void batch_result(hsink_state *st, const sl_http_call *c, size_t k, hsink_work *x)
{
    sl_json j;
    int found = sl_json_path_at(&j, c->body_out.data, c->body_out.len, st->o->results_path) == 0 &&
                sl_json_peek(&j) == SL_JSON_ARRAY;
    const char *elem = NULL;
    size_t elen = 0;
    if (found) {
        int first = 1;
        size_t idx = 0;
        sl_json_array_begin(&j);
        while (sl_json_element(&j, &first) == 1) {
            const char *at = j.p;
            if (sl_json_skip(&j) < 0)
                break;
            if (idx++ == k) {
                elem = at;
                elen = (size_t)(j.p - at);
                break;
            }
        }
    }
    if (!elem) {
        snprintf(x->why, sizeof x->why, "the batch answer has no result for this record");
        return;
    }
    char *e = sl_strndup(elem, elen);
    char *errtxt = sl_json_path_text(e, elen, "error");
    if (errtxt || strstr(e, "\"error\"")) {
        char says[401];
        snprintf(x->why, sizeof x->why, "HTTP %ld, the batch answer says: %s", c->status,
                 sl_redact_cut(says, sizeof says, e, elen));
    } else {
        x->ok = 1;
        char *id = sl_json_path_text(e, elen, st->o->id_path);
        if (id) {
            sl_free(x->dest_id);
            x->dest_id = id;
        }
    }
    sl_free(errtxt);
    sl_free(e);
}

/* Map request r's answer to its work items: ok, dest_id, why. */
static void req_answer(hsink_state *st, hsink_work *w, const req *r, int batched)
{
    const sl_http_call *c = &r->call;
    int blank = answer_blank(&c->body_out);
    for (size_t k = 0; k < r->count; k++) {
        hsink_work *x = &w[r->first + k];
        if (x->op == OP_DELETE && c->status == 404) {
            x->ok = x->gone = 1; /* already gone: nothing left to delete */
            continue;
        }
        if (!c->ok) {
            answer_text(c, x->why, sizeof x->why);
            continue;
        }
        if (batched && *st->o->results_path && !blank) {
            batch_result(st, c, k, x);
            continue;
        }
        /* a 2xx: with no body (204, an empty 200) there is no id to keep */
        x->ok = 1;
        if (x->op == OP_CREATE && !batched && !blank) {
            char *id = sl_json_path_text(c->body_out.data, c->body_out.len, st->o->id_path);
            if (id) {
                sl_free(x->dest_id);
                x->dest_id = id;
            }
        }
    }
}

/* Send the work (one request per item, or batches); fill ok, dest_id, why.
 * A batch the API refuses as a whole for its content (one bad record fails
 * the request, as several CRMs' batch endpoints do) is sent again as two
 * halves, down to single records, so that the good records are delivered
 * and only the bad ones fail, each with the API's answer. */
int sl_hsink_send(hsink_state *st, hsink_work *w, size_t nw, int batched, sl_error *err)
{
    if (nw == 0)
        return 0;
    if (sl_api_refresh(&st->api, 0, err) < 0)
        return -1;
    size_t bs = batched && st->o->batch_size > 1 ? (size_t)st->o->batch_size : 1;
    batched = bs > 1;
    size_t nreq = (nw + bs - 1) / bs;
    req *rs = sl_calloc(nreq, sizeof *rs);
    for (size_t i = 0; i < nreq; i++) {
        rs[i].first = i * bs;
        rs[i].count = rs[i].first + bs <= nw ? bs : nw - rs[i].first;
    }
    char *batch_url = batched ? sl_hsink_url(st, st->o->batch_path, NULL, 0, "", NULL, NULL, 0) : NULL; /* no templates */
    int rc = 0;
    while (nreq) {
        for (size_t i = 0; i < nreq; i++)
            req_build(st, w, &rs[i], batched, batch_url);
        rc = req_run(st, w, rs, nreq, err);
        /* the halves of the batches refused whole are the next round */
        req *next = sl_calloc(2 * nreq, sizeof *next);
        size_t nnext = 0;
        for (size_t i = 0; i < nreq; i++) {
            req *r = &rs[i];
            if (rc == 0 && batched && r->count > 1 && refused_for_content(r->call.status)) {
                size_t half = r->count / 2;
                sl_log_debug("%s: a batch of %zu records refused whole (HTTP %ld): sent again as %zu and %zu",
                             st->id, r->count, r->call.status, half, r->count - half);
                next[nnext].first = r->first;
                next[nnext++].count = half;
                next[nnext].first = r->first + half;
                next[nnext++].count = r->count - half;
                st->splits++;
            } else if (rc == 0) {
                req_answer(st, w, r, batched);
            }
            req_release(r);
        }
        sl_free(rs);
        rs = next;
        nreq = nnext;
    }
    sl_free(rs);
    sl_free(batch_url);
    return rc;
}
