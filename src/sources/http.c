/*
 * http.c: the `http` source: records from a REST API, declared in YAML.
 *
 * A request is a base URL + path, query parameters, headers and an optional
 * JSON body, all of which may use ${ENV} (at load) and run-time templates
 * (at each request): {{ cursor }} (the incremental bookmark, or start:),
 * {{ start }}, {{ page }}, {{ offset }}, {{ limit }}, {{ next_cursor }} and
 * {{ last_run_at }}. A value is one percent-encoded URL component in the
 * path and the query (net/urltpl.h; an empty one in the path fails the
 * run), JSON string contents in the body, and refused in a header when it
 * has a line break: a cursor the API sent cannot change the request's
 * host, path or parameters, add a header or a body member.
 * Auth: api_key (header or query), bearer, basic, or oauth2 client
 * credentials (the token is fetched, cached, refreshed before it expires
 * and once more on a 401).
 *
 * Pagination (`pagination: {type: ...}`, sources/http_pager.h): page
 * numbers, offset/limit, a cursor read from the body, a next URL read from
 * the body, or the RFC 8288 Link header; where paging ends, and the checks
 * that it advances (a repeated cursor or URL, a repeated page, max_pages),
 * are the pager's. Page and offset pagination fetch `concurrency` pages at
 * once (libcurl multi); the others must go one page after another.
 *
 * Records: `records_path` leads to the array of records in the body (empty
 * for a top-level array); each object becomes a row (formats/json_record.h:
 * optional flattening, deeper values kept as json columns).
 *
 * Answers are bounded and read as a stream: max_response_size (net/api.h)
 * stops a larger answer; one past SPILL_AFTER moves to a temp file as it
 * arrives. When the answer is complete it is read once, as it lies
 * (formats/json_stream.h: each record valid JSON and at most SL_RECORD_MAX
 * bytes, the records array found, the rest of the body kept as a small
 * skeleton in which the pager reads its cursor, next URL or total); the
 * pager moves past the page; then the records are cut out again a batch at
 * a time, so memory holds one batch, not the answer. A batch that ends
 * inside a page bookmarks the pager's state before the page and the
 * records of it already read ("skip"): a resumed run asks for the page
 * again and passes over those.
 *
 * Requests go through net/http.h: retries with backoff and jitter,
 * Retry-After honoured exactly, and a token bucket shared by every pipeline
 * of the project in the same rate_limit_group (default: the host).
 *
 * Incremental: `cursor_field` names a field of the records (updated_at);
 * the largest value seen is saved once the sinks committed, and the next
 * run sends it as `cursor_param` (and as {{ cursor }}). Positions are row
 * ordinals with write-ahead bookmarks (sources/bookmarks.h) holding the
 * next page: a run killed mid-way resumes at the first page not committed.
 *
 * A page that fails for good (a 4xx, a 401 a new token does not cure, a
 * body that is not JSON or has no records array, or retries exhausted)
 * fails the run, whatever on_error says: its records are unknown, so
 * skipping it would load a short read as if it were the whole (a
 * full_refresh table replaced by what little was read) and count a page
 * as one row. The sinks keep what they had (full_refresh swaps only at the
 * end of a successful run) and the next run resumes at that page. Only a
 * record that is not a JSON object is rejected alone, with its position.
 */
#include "core/log.h"
#include "core/redact.h"
#include "core/mem.h"
#include "formats/json.h"
#include "formats/json_path.h"
#include "formats/json_record.h"
#include "formats/json_stream.h"
#include "net/api.h"
#include "net/urltpl.h"
#include "sources/bookmarks.h"
#include "sources/http_pager.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xxhash.h>

typedef struct http_opts {
    sl_source_common common; /* first */
    sl_api_opts api;
    char *path, *method, *body, *records_path;
    sl_kvlist params, headers, pagination;
    char *cursor_field, *cursor_param, *start;
    int flatten;
    int64_t max_depth;
    char *separator;
    int64_t max_pages;
} http_opts;

static const sl_option http_options[] = {
    SL_API_OPTIONS(http_opts, api),
    {"path", SL_OPT_STRING, "", 0, offsetof(http_opts, path), NULL,
     "path appended to url (/contacts); {{ template }} values are one percent-encoded URL component each, and an "
     "empty one fails the run"},
    {"method", SL_OPT_ENUM, "GET", 0, offsetof(http_opts, method), "GET|POST", "HTTP method"},
    {"params", SL_OPT_MAP, NULL, 0, offsetof(http_opts, params), NULL,
     "query parameters (values may use {{ templates }}; each value is percent-encoded)"},
    {"headers", SL_OPT_MAP, NULL, SL_OPT_SECRET, offsetof(http_opts, headers), NULL,
     "request headers (values may use {{ templates }}; a value with a line break fails the run; a ${VAR} in a "
     "value is a secret)"},
    {"body", SL_OPT_STRING, "", SL_OPT_MULTILINE, offsetof(http_opts, body), NULL,
     "JSON request body (POST); {{ templates }} are written as JSON string contents: \"after\": \"{{ next_cursor }}\""},
    {"pagination", SL_OPT_MAP, NULL, 0, offsetof(http_opts, pagination), NULL,
     "{type: none|page|offset|cursor|next_url|link, ...}: page: param (page), size_param, size (100), start (1), "
     "total_path; offset: param (offset), limit_param, limit (100), total_path; cursor: cursor_path, param "
     "(cursor), size_param, size; next_url: next_path (next); link: the Link header's rel=\"next\". "
     "Paging ends at an empty page, the total, a page shorter than the server's page size, or a next cursor/URL "
     "that is missing or the one just sent; a cursor, URL or page that repeats an earlier one fails the run"},
    {"max_pages", SL_OPT_INT, "0", 0, offsetof(http_opts, max_pages), NULL,
     "pages one run may read; more fails the run (a guard against pagination that never ends); 0 = no limit"},
    {"records_path", SL_OPT_STRING, "", 0, offsetof(http_opts, records_path), NULL,
     "dot path to the array of records in the body (data, data.items); empty = the body is the array"},
    {"cursor_field", SL_OPT_STRING, "", 0, offsetof(http_opts, cursor_field), NULL,
     "incremental: the records' field whose largest value is kept for the next run (updated_at)"},
    {"cursor_param", SL_OPT_STRING, "", 0, offsetof(http_opts, cursor_param), NULL,
     "incremental: query parameter that sends the kept value (updated_since)"},
    {"start", SL_OPT_STRING, "", 0, offsetof(http_opts, start), NULL, "incremental: the value the first run sends"},
    {"columns", SL_OPT_MAP, NULL, 0, offsetof(http_opts, common.columns), NULL, "declared column types; they win over inference"},
    {"infer_types", SL_OPT_BOOL, "true", 0, offsetof(http_opts, common.infer_types), NULL,
     "infer column types from the first batch; false keeps undeclared columns as text"},
    SL_NORMALIZE_NAMES_OPTION(http_opts, common.normalize_names),
    SL_MAX_COLUMNS_OPTION(http_opts, common.max_columns),
    SL_JSON_RECORD_OPTIONS(http_opts),
    SL_OPT_END,
};

typedef struct http_state {
    http_opts *o;
    sl_run *run;
    const char *id;
    char *key;
    sl_bookmarks marks;
    sl_http_pager pg;     /* where the next page is */
    sl_api api;
    sl_json_record_opts ro;
    sl_json_record_ctx ctx;
    int64_t ordinal;      /* records (rejected ones too) read in this epoch */
    int64_t page, offset; /* the position of the request being built */
    const char *cursor;   /* the cursor of the request being built, or NULL */
    const char *url;      /* the next URL of the request being built, or NULL */
    char num[32];         /* a number template's text */
    char *since;          /* the incremental value this epoch sends */
    char *max_cursor;     /* largest cursor_field value read */
    int64_t null_cursors; /* records without a cursor_field value */
    char *last_run_at;    /* when the last successful run started */
    char run_started[40];
    struct page_req **queue; /* answered pages whose records are being read, in order */
    size_t nqueue;
    int64_t skip;         /* a resumed run: records of its first page the sinks have */
    int cursor_col;       /* cursor_field's column in the batch being filled, or -1 */
} http_state;

/* ---- configuration checks ---------------------------------------------- */

static int http_check(sl_instance *in, sl_diags *d)
{
    http_opts *o = in->opts;
    int n = 0;
    static const char *const page_keys[] = {"type", "param", "size_param", "size", "start", "total_path",
                                            "limit_param", "limit", "cursor_path", "next_path", NULL};
    n += sl_api_check(&o->api, http_options, o, d);
    if (o->common.max_columns < 1 || o->common.max_columns > 100000) {
        sl_diags_add(d, sl_options_loc(http_options, o, "max_columns"), "max_columns must be between 1 and 100000");
        n++;
    }
    n += sl_kv_check_keys(&o->pagination, "pagination", page_keys, d);
    const char *pt = sl_kv_get(&o->pagination, "type", "none");
    static const char *const kinds[] = {"none", "page", "offset", "cursor", "next_url", "link", NULL};
    int ok = 0;
    for (size_t k = 0; kinds[k]; k++)
        ok |= strcmp(kinds[k], pt) == 0;
    if (!ok) {
        const char *sug = sl_suggest(pt, kinds, 6);
        sl_diags_add(d, o->pagination.loc, "unknown pagination type '%s'%s%s%s (none, page, offset, cursor, next_url, link)",
                     pt, sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
        n++;
    }
    if (strcmp(pt, "cursor") == 0 && !sl_kv_get(&o->pagination, "cursor_path", NULL)) {
        sl_diags_add(d, o->pagination.loc, "cursor pagination needs cursor_path: (where the body has the next cursor)");
        n++;
    }
    if (o->max_pages < 0) {
        sl_diags_add(d, sl_options_loc(http_options, o, "max_pages"), "max_pages must be 0 (no limit) or more");
        n++;
    }
    if (*o->cursor_param && !*o->cursor_field) {
        sl_diags_add(d, sl_options_loc(http_options, o, "cursor_param"), "cursor_param needs cursor_field:");
        n++;
    }
    return n;
}

/* ---- helpers ------------------------------------------------------------ */

/* Compare two cursor values: as numbers, as times, else as text. */
static int cursor_cmp(const char *a, const char *b)
{
    double x, y;
    int64_t ta, tb;
    if (sl_parse_float(a, strlen(a), &x) == 0 && sl_parse_float(b, strlen(b), &y) == 0)
        return x < y ? -1 : x > y;
    if (sl_parse_timestamp(a, strlen(a), &ta) == 0 && sl_parse_timestamp(b, strlen(b), &tb) == 0)
        return ta < tb ? -1 : ta > tb;
    return strcmp(a, b);
}

/* ---- requests ------------------------------------------------------------ */

/* sl_urltpl_value_fn: the run-time value of {{ name }} (ctx: http_state);
 * 0 for an unknown name. */
static int template_value(void *ctx, const char *name, size_t n, const char **out, size_t *len)
{
    http_state *st = ctx;
    const char *v = NULL;
#define IS(s) (n == strlen(s) && memcmp(name, s, n) == 0)
    if (IS("cursor"))
        v = st->since ? st->since : st->o->start;
    else if (IS("start"))
        v = st->o->start;
    else if (IS("page"))
        snprintf(st->num, sizeof st->num, "%lld", (long long)st->page), v = st->num;
    else if (IS("offset"))
        snprintf(st->num, sizeof st->num, "%lld", (long long)st->offset), v = st->num;
    else if (IS("limit"))
        snprintf(st->num, sizeof st->num, "%lld", (long long)st->pg.size), v = st->num;
    else if (IS("next_cursor"))
        v = st->cursor ? st->cursor : "";
    else if (IS("last_run_at"))
        v = st->last_run_at ? st->last_run_at : st->o->start;
#undef IS
    *out = v;
    *len = v ? strlen(v) : 0;
    return v != NULL;
}

/* Where a template's value goes, which decides how it is written. */
enum { EXP_PARAM, EXP_HEADER, EXP_JSON };

/* Expand {{ name }} templates in s: a query parameter's value (as it is:
 * sl_api_add_param encodes it as one component), a header's value (a
 * value with a line break is refused: it would add headers), or the
 * JSON body (as the contents of a JSON string: the value cannot close the
 * string it is in or add members). The path goes through sl_urltpl_expand
 * (page_url). NULL with err when a value is refused. */
static char *expand(http_state *st, const char *s, int how, const char *what, sl_error *err)
{
    sl_buf out;
    sl_buf_init(&out);
    while (*s) {
        const char *open = strstr(s, "{{");
        const char *close = open ? strstr(open + 2, "}}") : NULL;
        if (!open || !close) {
            sl_buf_adds(&out, s);
            break;
        }
        sl_buf_add(&out, s, (size_t)(open - s));
        const char *a = open + 2, *b = close;
        while (a < b && *a == ' ')
            a++;
        while (b > a && b[-1] == ' ')
            b--;
        const char *v;
        size_t n;
        if (template_value(st, a, (size_t)(b - a), &v, &n)) {
            if (how == EXP_HEADER && strcspn(v, "\r\n") < n) {
                sl_buf_release(&out);
                sl_error_set(err, SL_EDATA, "%s: the value of {{ %.*s }} has a line break: not sent in a header",
                             what, (int)(b - a), a);
                return NULL;
            }
            if (how == EXP_JSON) {
                sl_buf q;
                sl_buf_init(&q);
                sl_buf_add_json_str(&q, v, n);
                sl_buf_add(&out, q.data + 1, q.len - 2); /* without its quotes */
                sl_buf_release(&q);
            } else {
                sl_buf_add(&out, v, n);
            }
        }
        s = close + 2;
    }
    return out.data ? sl_buf_detach(&out) : sl_strdup("");
}

/* The URL of the page being built, without the API key (a next URL from
 * the server as it is, checked by the pager to be on the API's host).
 * Template values are one URL component each (net/urltpl.h); NULL with
 * err when one in the path is empty. */
static char *page_url(http_state *st, sl_error *err)
{
    sl_buf u;
    sl_buf_init(&u);
    if (st->url) {
        sl_buf_adds(&u, st->url);
        return sl_buf_detach(&u);
    }
    sl_buf_adds(&u, st->o->api.url);
    if (*st->o->path) {
        if (u.len && u.data[u.len - 1] == '/' && st->o->path[0] == '/')
            u.len--;
        char why[400];
        if (sl_urltpl_expand(&u, st->o->path, template_value, st, why, sizeof why) < 0) {
            sl_buf_release(&u);
            sl_log_redact(why); /* the path may hold an ${ENV} secret */
            sl_error_set(err, SL_EDATA, "path: %s", why);
            return NULL;
        }
    }
    for (size_t i = 0; i < st->o->params.n; i++) {
        char *v = expand(st, st->o->params.v[i].value, EXP_PARAM, "params", err);
        sl_api_add_param(&u, st->o->params.v[i].key, v);
        sl_free(v);
    }
    if (*st->o->cursor_param && (st->since || *st->o->start))
        sl_api_add_param(&u, st->o->cursor_param, st->since ? st->since : st->o->start);
    /* the position (later Link pages come as whole URLs), then the page size */
    char num[32];
    if (st->pg.kind == SL_PAGER_PAGE || st->pg.kind == SL_PAGER_OFFSET) {
        snprintf(num, sizeof num, "%lld", (long long)(st->pg.kind == SL_PAGER_PAGE ? st->page : st->offset));
        sl_api_add_param(&u, st->pg.param, num);
    } else if (st->pg.kind == SL_PAGER_CURSOR && st->cursor) {
        sl_api_add_param(&u, st->pg.param, st->cursor);
    }
    if (st->pg.kind != SL_PAGER_NONE && st->pg.kind != SL_PAGER_NEXT_URL && st->pg.size_param) {
        snprintf(num, sizeof num, "%lld", (long long)st->pg.size);
        sl_api_add_param(&u, st->pg.size_param, num);
    }
    return sl_buf_detach(&u);
}

/* The request's headers; NULL with err when a template value is refused. */
static struct curl_slist *request_headers(http_state *st, sl_error *err)
{
    struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
    if (*st->o->body)
        h = curl_slist_append(h, "Content-Type: application/json");
    for (size_t i = 0; i < st->o->headers.n; i++) {
        char *v = expand(st, st->o->headers.v[i].value, EXP_HEADER, st->o->headers.v[i].key, err);
        if (!v) {
            curl_slist_free_all(h);
            return NULL;
        }
        char *line = sl_printf("%s: %s", st->o->headers.v[i].key, v);
        h = curl_slist_append(h, line);
        sl_free(line);
        sl_free(v);
    }
    h = sl_api_auth_header(&st->api, h);
    return h;
}

/* ---- paging -------------------------------------------------------------- */

/* Bodies past this size leave memory for a temp file as they arrive
 * (net/http.h); their records are then read from it a batch at a time. */
#define SPILL_AFTER ((size_t)4 << 20)
#define READ_BLOCK ((size_t)128 << 10)

/* A page's request, built from the paging state it was issued in, and,
 * once answered, its records as they are read out a batch at a time. */
typedef struct page_req {
    sl_http_call call;
    http_state *st;
    char *url;            /* as sent (with the API key when it goes in the query) */
    char *plain;          /* without the API key: what pagination compares and messages show */
    char *body;
    int64_t page, offset;
    char *cursor;
    /* the answer's first reading (validate_call): where the records are,
     * how many, their hash, the rest of the body (the skeleton) */
    sl_json_records scan;
    int scanned;
    /* reading the records out */
    char *before;         /* the pager's bookmark before this page: to resume inside it */
    sl_json_records rec;
    int reading;
    size_t read_at;       /* next body byte to read */
    int64_t done_records; /* records of the page already handed out (or skipped) */
    int64_t skip;         /* records a resumed run already has */
} page_req;

static void page_req_free(page_req *r)
{
    if (!r)
        return;
    curl_slist_free_all(r->call.headers);
    sl_http_call_reset(&r->call); /* the body, and its temp file */
    sl_buf_release(&r->call.body_out);
    sl_free(r->url);
    sl_free(r->plain);
    sl_free(r->body);
    sl_free(r->cursor);
    sl_free(r->before);
    if (r->scanned)
        sl_json_records_release(&r->scan);
    if (r->reading)
        sl_json_records_release(&r->rec);
    sl_free(r);
}

static int validate_page(sl_http_call *c, char *why, size_t cap);

/* Build the request of the page at (page, offset) and the pager's cursor
 * or URL; NULL with err when a template value is refused (the run fails). */
static page_req *prepare(http_state *st, int64_t page, int64_t offset, sl_error *err)
{
    page_req *r = sl_calloc(1, sizeof *r);
    r->st = st;
    r->page = st->page = page;
    r->offset = st->offset = offset;
    st->cursor = st->pg.next_cursor;
    st->url = st->pg.next_url;
    r->cursor = st->cursor ? sl_strdup(st->cursor) : NULL;
    r->plain = page_url(st, err);
    if (!r->plain) {
        page_req_free(r);
        return NULL;
    }
    sl_buf u;
    sl_buf_init(&u);
    sl_buf_adds(&u, r->plain);
    sl_api_auth_query(&st->api, &u);
    r->url = sl_buf_detach(&u);
    r->call.url = r->url;
    r->call.method = st->o->method;
    r->call.user = r;
    r->call.validate = validate_page;
    r->call.spill_after = SPILL_AFTER;
    if (*st->o->body) {
        r->body = expand(st, st->o->body, EXP_JSON, "body", err);
        if (!r->body) {
            page_req_free(r);
            return NULL;
        }
        r->call.body = r->body;
        r->call.body_len = strlen(r->body);
    }
    r->call.headers = request_headers(st, err);
    if (!r->call.headers) {
        page_req_free(r);
        return NULL;
    }
    return r;
}

/* The URL of r for messages: without the API key, secrets redacted. */
static void shown_url(const page_req *r, char *out, size_t cap)
{
    sl_redact_cut(out, cap, r->plain, strlen(r->plain)); /* redacted, then cut */
}

/* The first reading of a record (sl_json_records callback): valid JSON? */
static int check_record(void *ud, const char *p, size_t n, int64_t index, char *why, size_t cap)
{
    (void)ud;
    char e[160];
    if (sl_json_validate(p, n, e, sizeof e) == 0)
        return 0;
    snprintf(why, cap, "invalid JSON body: record %lld: %s", (long long)index + 1, e);
    return -1;
}

/* The answer of a page (sl_http_opts.validate_call), read once as it lies
 * (in memory or in its temp file): the records array at records_path
 * found, each record valid JSON and at most SL_RECORD_MAX bytes, the rest
 * valid JSON. -1 (retried) for a body that is not JSON (cut short), -2 for
 * a record over the cap (it would come again). */
static int validate_page(sl_http_call *c, char *why, size_t cap)
{
    page_req *r = c->user;
    http_state *st = r->st;
    if (r->scanned)
        sl_json_records_release(&r->scan);
    sl_json_records_init(&r->scan, st->o->records_path, SL_RECORD_MAX, check_record, st);
    r->scanned = 1;
    char *buf = c->spilled ? sl_malloc(READ_BLOCK) : NULL;
    int rc = 0;
    for (size_t off = 0; off < c->body_size && rc == 0;) {
        const char *p;
        ptrdiff_t n;
        if (c->spilled) {
            n = sl_http_body_read(c, off, buf, READ_BLOCK);
            p = buf;
            if (n <= 0) {
                snprintf(why, cap, "reading the answer back from its temporary file: %s", strerror(errno));
                rc = -2;
                break;
            }
        } else {
            p = c->body_out.data + off;
            n = (ptrdiff_t)(c->body_size - off);
        }
        if (sl_json_records_feed(&r->scan, p, (size_t)n) < 0) {
            snprintf(why, cap, "%s", r->scan.why);
            rc = r->scan.oversized ? -2 : -1;
        }
        off += (size_t)n;
    }
    if (rc == 0 && sl_json_records_finish(&r->scan) < 0) {
        snprintf(why, cap, "%s", r->scan.why);
        rc = -1;
    }
    sl_free(buf);
    return rc;
}

/* Reading a page's records into a batch (sl_json_records callback). */
typedef struct reader {
    http_state *st;
    page_req *r;
    sl_batch *b;
    int64_t want;
} reader;

static int take_record(void *ud, const char *p, size_t n, int64_t index, char *why, size_t cap)
{
    reader *rd = ud;
    http_state *st = rd->st;
    sl_batch *b = rd->b;
    (void)why;
    (void)cap;
    rd->r->done_records = index + 1;
    if (index < rd->r->skip)
        return 0; /* a resumed run: the sinks have it */
    sl_json j;
    sl_json_init(&j, p, n);
    size_t row = sl_batch_add_row(b, 0, 0), ncols = b->ncols;
    int rc = sl_json_record_read(&st->ctx, &j, b, row, &st->ro);
    if (rc < 0) {
        /* not an object: reject this record, keep the page */
        sl_batch_unadd_row(b, row, ncols);
        char url[512], reason[700];
        shown_url(rd->r, url, sizeof url);
        snprintf(reason, sizeof reason, "%s: record %lld of the page is not a JSON object", url, (long long)index + 1);
        sl_batch_reject_raw(b, st->ordinal, st->ordinal + 1, "source http", reason, p, n);
        st->ordinal++; /* a rejected record has its position too */
        return (int64_t)(b->nrows + b->nrejects) >= rd->want;
    }
    b->offset[row] = st->ordinal;
    b->line[row] = st->ordinal + 1;
    st->ordinal++;
    if (*st->o->cursor_field) {
        if (st->cursor_col < 0) {
            /* the field's column: its name may be normalized or suffixed */
            const char *cn = sl_json_record_column(&st->ctx, st->o->cursor_field);
            st->cursor_col = sl_batch_find(b, cn ? cn : st->o->cursor_field);
        }
        int ci = st->cursor_col;
        if (ci < 0 || (size_t)ci >= b->ncols || !b->cols[ci].valid[row])
            st->null_cursors++;
        else {
            const sl_str *v = &b->cols[ci].str[row];
            char *val = sl_strndup(v->p, v->n);
            if (!st->max_cursor || cursor_cmp(val, st->max_cursor) > 0) {
                sl_free(st->max_cursor);
                st->max_cursor = val;
            } else {
                sl_free(val);
            }
        }
    }
    return (int64_t)(b->nrows + b->nrejects) >= rd->want;
}

/* Read records of page r into b until b holds want rows (and rejects) or
 * the page ends: 1 when the page is read to its end, 0 when b is full,
 * -1 on an error. */
static int read_page(http_state *st, page_req *r, sl_batch *b, int64_t want, sl_error *err)
{
    sl_http_call *c = &r->call;
    reader rd = {st, r, b, want};
    if (!r->reading) {
        sl_json_records_init_array(&r->rec, SL_RECORD_MAX, take_record, &rd);
        r->reading = 1;
        r->read_at = (size_t)r->scan.array_at;
    }
    r->rec.ud = &rd;
    st->cursor_col = -1; /* the batch is new or has grown columns: look again */
    char *buf = c->spilled ? sl_malloc(READ_BLOCK) : NULL;
    int rc = 1;
    while (r->read_at < c->body_size && !r->rec.closed) {
        const char *p;
        ptrdiff_t n;
        if (c->spilled) {
            n = sl_http_body_read(c, r->read_at, buf, READ_BLOCK);
            p = buf;
            if (n <= 0) {
                rc = sl_error_set(err, SL_EIO, "%s: reading an answer back from its temporary file: %s", st->id,
                                  strerror(errno));
                break;
            }
        } else {
            p = c->body_out.data + r->read_at;
            n = (ptrdiff_t)(c->body_size - r->read_at);
        }
        ptrdiff_t used = sl_json_records_feed(&r->rec, p, (size_t)n);
        if (used < 0) {
            char url[512];
            shown_url(r, url, sizeof url);
            rc = sl_error_set(err, SL_EDATA, "%s %s: %s", st->o->method, url, r->rec.why);
            break;
        }
        r->read_at += (size_t)used;
        if (used < n) {
            rc = 0; /* the batch is full */
            break;
        }
    }
    if (rc == 1 && (int64_t)(b->nrows + b->nrejects) >= want && r->read_at < c->body_size && !r->rec.closed)
        rc = 0;
    sl_free(buf);
    return rc;
}

/* The bookmark: how to go on after what was read so far. Inside a page
 * (a batch ended in it, or pages wait to be read): the pager as it was
 * before that page, and how many of its records are read. */
static char *bookmark(http_state *st)
{
    sl_buf b;
    sl_buf_init(&b);
    sl_buf_addf(&b, "{\"v\":2");
    if (st->nqueue) {
        sl_buf_adds(&b, st->queue[0]->before);
        sl_buf_addf(&b, ",\"skip\":%lld", (long long)st->queue[0]->done_records);
    } else {
        sl_http_pager_bookmark(&st->pg, &b);
    }
#define STR(k, v)                                          \
    if (v) {                                               \
        sl_buf_adds(&b, ",\"" k "\":");                    \
        sl_buf_add_json_str(&b, (v), strlen(v));           \
    }
    STR("since", st->since);
    STR("max", st->max_cursor);
#undef STR
    sl_buf_addc(&b, '}');
    return sl_buf_detach(&b);
}

static char *bm_text(const char *bm, const char *key)
{
    return sl_json_path_text(bm, strlen(bm), key);
}

static void restore(http_state *st, const char *bm)
{
    sl_http_pager_restore(&st->pg, bm);
    sl_free(st->since);
    st->since = bm_text(bm, "since");
    sl_free(st->max_cursor);
    st->max_cursor = bm_text(bm, "max");
    char *skip = bm_text(bm, "skip");
    st->skip = skip ? strtoll(skip, NULL, 10) : 0;
    sl_free(skip);
}

/* A page failed for good: the run fails (see the top of the file). The
 * answer's start goes to the log (secrets redacted there), not into the
 * error, which is kept in the run history. */
static int page_failed(http_state *st, page_req *r, sl_error *err)
{
    char url[512];
    shown_url(r, url, sizeof url);
    const sl_buf *body = &r->call.body_out;
    char began[301];
    if (body->len)
        sl_log_error("%s: %s %s: %s; the answer began: %s", st->id, st->o->method, url, r->call.error,
                     sl_redact_cut(began, sizeof began, body->data, body->len));
    /* an answer or a record over its cap is bad data, as a CSV record over it is */
    sl_code kind = r->call.too_big || (r->scanned && r->scan.oversized) ? SL_EDATA : SL_EIO;
    return sl_error_set(err, kind,
                        "%s %s: %s (page %lld of the run; the run fails rather than load a partial read, "
                        "and the next run resumes at this page)",
                        st->o->method, url, r->call.error, (long long)st->pg.pages + 1);
}

/* Fetch the next pages (several at once where the pagination allows), move
 * the pager past them and queue those with records to be read. */
static int fetch_pages(http_state *st, sl_error *err)
{
    if (sl_api_refresh(&st->api, 0, err) < 0)
        return -1;
    size_t n = sl_http_pager_parallel(&st->pg, st->o->api.concurrency);
    page_req **reqs = sl_calloc(n, sizeof *reqs);
    int rc = 0;
    sl_http_call **calls = sl_calloc(n, sizeof *calls);
    for (size_t i = 0; i < n; i++) {
        int64_t page, offset;
        sl_http_pager_position(&st->pg, i, &page, &offset);
        reqs[i] = prepare(st, page, offset, err);
        if (!reqs[i]) {
            rc = -1;
            break;
        }
        calls[i] = &reqs[i]->call;
    }
    if (rc == 0 && !st->pg.next_url && st->pg.pages == 0)
        sl_http_pager_first_url(&st->pg, reqs[0]->plain);
    if (rc == 0)
        rc = sl_http_run(&st->api.http, calls, n, err);
    /* an expired or revoked OAuth2 token: fetch a new one and try once more */
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (reqs[i]->call.status != 401 || !sl_api_is_oauth2(&st->api))
            continue;
        sl_log_info("%s: 401 from %s: refreshing the oauth2 token", st->id, st->o->api.url);
        if (sl_api_refresh(&st->api, 1, err) < 0) {
            rc = -1;
            break;
        }
        page_req *fresh = prepare(st, reqs[i]->page, reqs[i]->offset, err);
        page_req_free(reqs[i]);
        reqs[i] = fresh;
        if (!fresh) {
            rc = -1;
            break;
        }
        sl_http_call *one[1] = {&fresh->call};
        rc = sl_http_run(&st->api.http, one, 1, err);
    }
    for (size_t i = 0; rc == 0 && i < n && !st->pg.done; i++) {
        page_req *r = reqs[i];
        if (st->pg.kind == SL_PAGER_OFFSET && r->offset != st->pg.offset)
            break; /* the page before was not as long as assumed: ask again from where it ended */
        if (!r->call.ok) {
            rc = page_failed(st, r, err);
            break;
        }
        if (r->scan.found != SL_JSON_FOUND_ARRAY && r->scan.found != SL_JSON_FOUND_NULL) {
            char url[512];
            shown_url(r, url, sizeof url);
            rc = sl_error_set(err, SL_EDATA, "%s %s: no array at records_path '%s' in the answer", st->o->method,
                              url, st->o->records_path); /* the answer is not what was configured */
            break;
        }
        /* "data": null is an empty page */
        sl_buf before;
        sl_buf_init(&before);
        sl_http_pager_bookmark(&st->pg, &before);
        const sl_buf *skel = &r->scan.skeleton;
        sl_http_page pg = {r->page, r->offset, r->cursor, r->url, skel->data ? skel->data : "", skel->len,
                           r->call.link_next, r->scan.count, r->scan.count ? (r->scan.hash ? r->scan.hash : 1) : 0};
        int a = sl_http_pager_advance(&st->pg, &pg, st->id, err);
        if (a < 0) {
            sl_buf_release(&before);
            rc = -1;
            break;
        }
        if (a == 2 || r->scan.count == 0) {
            sl_buf_release(&before); /* a page that repeats the one before it, or an empty one: nothing to read */
            continue;
        }
        r->before = before.data ? sl_buf_detach(&before) : sl_strdup("");
        if (i == 0)
            r->skip = st->skip; /* a resumed run: the page it stopped in */
        st->queue = sl_realloc(st->queue, (st->nqueue + 1) * sizeof *st->queue);
        st->queue[st->nqueue++] = r;
        reqs[i] = NULL;
    }
    if (rc == 0)
        st->skip = 0;
    for (size_t i = 0; i < n; i++)
        page_req_free(reqs[i]);
    sl_free(reqs);
    sl_free(calls);
    return rc;
}

static void queue_pop(http_state *st)
{
    page_req_free(st->queue[0]);
    memmove(st->queue, st->queue + 1, (st->nqueue - 1) * sizeof *st->queue);
    st->nqueue--;
}

static int http_next(sl_instance *in, sl_batch *b, sl_error *err)
{
    http_state *st = in->state;
    /* wide records make shorter batches: rows x columns stay within the
     * batch's cells (core/batch.h), as in the file readers */
    int64_t want = (int64_t)sl_batch_max_rows(sl_json_record_width(&st->ctx), (size_t)st->run->pipeline->batch_rows);
    while ((int64_t)(b->nrows + b->nrejects) < want) {
        if (st->nqueue) {
            int rc = read_page(st, st->queue[0], b, want, err);
            if (rc < 0)
                return -1;
            if (rc == 1)
                queue_pop(st);
        } else if (st->pg.done) {
            break;
        } else if (fetch_pages(st, err) < 0) {
            return -1;
        }
    }
    b->file = st->key;
    b->file_index = 0;
    b->end_offset = st->ordinal;
    b->end_line = st->ordinal + 1;
    b->nread = (int64_t)b->nrows + (int64_t)b->nrejects;
    if (b->nread == 0)
        return 0;
    int64_t bytes = 0;
    for (size_t i = 0; i < b->ncols; i++)
        for (size_t r = 0; r < b->nrows; r++)
            bytes += b->cols[i].valid[r] ? (int64_t)b->cols[i].str[r].n + 1 : 1;
    b->bytes = bytes;
    /* write-ahead: the next page (or the place in a page) after this batch */
    char *bm = bookmark(st);
    int rc = sl_bookmarks_wal_put(&st->marks, st->ordinal, bm, err);
    sl_free(bm);
    if (rc < 0)
        return -1;
    return 1;
}

static int http_done(sl_instance *in, sl_run *run, sl_error *err)
{
    http_state *st = in->state;
    (void)run;
    if (sl_bookmarks_saved_put(&st->marks, "last_run_at", st->run_started, err) < 0)
        return -1;
    /* the API, not sluice, decides whether it sends them again */
    if (st->null_cursors)
        sl_log_warn("%s: %s: %lld records had no %s: they were loaded but do not move the cursor, and whether "
                    "the API sends them again depends on its incremental filter", st->run->pipeline->name, st->id,
                    (long long)st->null_cursors, st->o->cursor_field);
    if (*st->o->cursor_field && st->max_cursor)
        return sl_bookmarks_saved_put(&st->marks, "cursor", st->max_cursor, err);
    return 0;
}

/* The text of the settings that decide which records are read (not auth,
 * retries or rate limits), and of the pagination: their hashes tie the
 * bookmarks to them (sources/bookmarks.h). */
static char *request_identity(const http_opts *o, const sl_kvlist *kv)
{
    sl_buf w;
    sl_buf_init(&w);
    if (o)
        sl_buf_addf(&w, "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s", o->api.url, o->path, o->method, o->body,
                    o->records_path, o->cursor_field, o->cursor_param);
    for (size_t i = 0; i < kv->n; i++)
        sl_buf_addf(&w, "\x1e%s=%s", kv->v[i].key, kv->v[i].value);
    return w.data ? sl_buf_detach(&w) : sl_strdup("");
}

static int http_open(sl_instance *in, sl_run *run, sl_resume_fn resume, sl_error *err)
{
    http_opts *o = in->opts;
    http_state *st = sl_calloc(1, sizeof *st);
    in->state = st;
    st->o = o;
    st->run = run;
    st->id = in->id;
    sl_time_format_now(st->run_started, sizeof st->run_started);
    sl_bookmarks_init(&st->marks, run, in->id);
    /* bookmarks and positions belong to the request they were taken with */
    char *what = request_identity(o, &o->params), *how = request_identity(NULL, &o->pagination);
    sl_bookmarks_tie(&st->marks, what, how);
    sl_free(what);
    sl_free(how);
    char *base = sl_printf("http:%s", in->id);
    int krc = sl_bookmarks_input_key(&st->marks, base, &st->key, err);
    sl_free(base);
    if (krc < 0)
        return -1;
    st->ro.flatten = o->flatten;
    st->ro.max_depth = (int)o->max_depth;
    st->ro.separator = o->separator;
    st->ro.snake_case = o->common.normalize_names && strcmp(o->common.normalize_names, "snake_case") == 0;
    st->ro.max_columns = sl_source_max_columns(&o->common);
    sl_json_record_init(&st->ctx);
    sl_http_pager_init(&st->pg, &o->pagination, o->max_pages, o->api.url);
    if (sl_api_open(&st->api, &o->api, run, in->id, err) < 0)
        return -1;
    /* where to start: a resumed epoch's next page, or the saved cursor */
    sl_resume pos;
    if (resume(run, st->key, -1, -1, &pos) < 0)
        return -1;
    char *bm = NULL;
    if (pos.offset > 0) {
        if (sl_bookmarks_wal_get(&st->marks, pos.offset, &bm, err) < 0)
            return -1;
        if (!bm)
            return sl_error_set(err, SL_EINTERNAL,
                                "no bookmark recorded for record %lld of this run; `sluice run --restart` starts over",
                                (long long)pos.offset);
        restore(st, bm);
        st->ordinal = pos.offset;
        sl_free(bm);
    } else {
        if (sl_bookmarks_fresh(&st->marks, err) < 0)
            return -1;
        if (*o->cursor_field && !run->full_refresh && sl_bookmarks_saved_get(&st->marks, "cursor", &st->since, err) < 0)
            return -1;
        if (!st->since && *o->start)
            st->since = sl_strdup(o->start);
        st->max_cursor = st->since ? sl_strdup(st->since) : NULL;
    }
    return sl_bookmarks_saved_get(&st->marks, "last_run_at", &st->last_run_at, err);
}

static void http_close(sl_instance *in)
{
    http_state *st = in->state;
    if (!st)
        return;
    sl_api_close(&st->api);
    sl_json_record_release(&st->ctx);
    sl_bookmarks_release(&st->marks);
    sl_free(st->key);
    sl_http_pager_release(&st->pg);
    sl_free(st->since);
    sl_free(st->max_cursor);
    sl_free(st->last_run_at);
    while (st->nqueue)
        queue_pop(st);
    sl_free(st->queue);
    sl_free(st);
    in->state = NULL;
}

const sl_source_plugin sl_source_http = {
    .version = SL_PLUGIN_VERSION,
    .name = "http",
    .summary = "records from a REST API: auth, pagination, retries, shared rate limits, incremental cursor",
    .options = http_options,
    .opts_size = sizeof(http_opts),
    .check = http_check,
    .open = http_open,
    .next = http_next,
    .done = http_done,
    .close = http_close,
};
