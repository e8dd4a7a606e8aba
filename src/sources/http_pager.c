/* http_pager.c: see http_pager.h. */
#include "sources/http_pager.h"
#include "net/urltpl.h"
#include "core/log.h"
#include "core/redact.h"
#include "core/mem.h"
#include "formats/json_path.h"
#include "net/api.h"
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xxhash.h>

void sl_http_pager_init(sl_http_pager *p, const sl_kvlist *cfg, int64_t max_pages, const char *origin)
{
    memset(p, 0, sizeof *p);
    p->origin = origin;
    const char *pt = sl_kv_get(cfg, "type", "none");
    p->kind = strcmp(pt, "page") == 0       ? SL_PAGER_PAGE
              : strcmp(pt, "offset") == 0   ? SL_PAGER_OFFSET
              : strcmp(pt, "cursor") == 0   ? SL_PAGER_CURSOR
              : strcmp(pt, "next_url") == 0 ? SL_PAGER_NEXT_URL
              : strcmp(pt, "link") == 0     ? SL_PAGER_LINK
                                            : SL_PAGER_NONE;
    p->param = sl_kv_get(cfg, "param", p->kind == SL_PAGER_OFFSET ? "offset" : p->kind == SL_PAGER_CURSOR ? "cursor" : "page");
    p->size_param = sl_kv_get(cfg, "size_param", sl_kv_get(cfg, "limit_param", NULL));
    p->size = atoll(sl_kv_get(cfg, "size", sl_kv_get(cfg, "limit", "100")));
    if (p->size <= 0)
        p->size = 100;
    p->start = atoll(sl_kv_get(cfg, "start", "1"));
    p->cursor_path = sl_kv_get(cfg, "cursor_path", NULL);
    p->next_path = sl_kv_get(cfg, "next_path", "next");
    p->total_path = sl_kv_get(cfg, "total_path", NULL);
    p->max_pages = max_pages > 0 ? max_pages : 0;
    p->page = p->start;
    p->total = -1;
}

void sl_http_pager_release(sl_http_pager *p)
{
    sl_free(p->next_cursor);
    sl_free(p->next_url);
    sl_free(p->seen);
    memset(p, 0, sizeof *p);
}

/* ---- the set of cursors and URLs requested -------------------------------- */

static uint64_t text_hash(const char *s)
{
    uint64_t h = XXH3_64bits(s, strlen(s));
    return h ? h : 1; /* 0 marks an empty slot */
}

/* Add h; 1 if it was there already. */
static int seen_add(sl_http_pager *p, uint64_t h)
{
    if ((p->nseen + 1) * 2 > p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        uint64_t *t = sl_calloc(cap, sizeof *t);
        for (size_t i = 0; i < p->cap; i++) {
            if (!p->seen[i])
                continue;
            size_t k = (size_t)p->seen[i] & (cap - 1);
            while (t[k])
                k = (k + 1) & (cap - 1);
            t[k] = p->seen[i];
        }
        sl_free(p->seen);
        p->seen = t;
        p->cap = cap;
    }
    size_t k = (size_t)h & (p->cap - 1);
    while (p->seen[k]) {
        if (p->seen[k] == h)
            return 1;
        k = (k + 1) & (p->cap - 1);
    }
    p->seen[k] = h;
    p->nseen++;
    return 0;
}

/* ---- where requests go ------------------------------------------------------ */

/* Records per page to assume ahead of the answers: what the server answered
 * so far, else what is asked for. */
static int64_t stride(const sl_http_pager *p)
{
    return p->seen_size > 0 ? p->seen_size : p->size;
}

size_t sl_http_pager_parallel(const sl_http_pager *p, int64_t concurrency)
{
    if (p->kind != SL_PAGER_PAGE && p->kind != SL_PAGER_OFFSET)
        return 1;
    if (p->kind == SL_PAGER_OFFSET && p->seen_size == 0)
        return 1; /* the offsets of later pages depend on the size the server answers */
    size_t n = concurrency > 0 ? (size_t)concurrency : 1;
    if (p->total >= 0) {
        /* no request past the total */
        int64_t read = p->kind == SL_PAGER_PAGE ? p->records : p->offset;
        int64_t left = p->total - read, per = stride(p);
        int64_t pages = (left + per - 1) / per;
        if (pages < (int64_t)n)
            n = pages > 0 ? (size_t)pages : 1;
    }
    return n;
}

void sl_http_pager_position(const sl_http_pager *p, size_t i, int64_t *page, int64_t *offset)
{
    *page = p->page + (int64_t)i;
    *offset = p->offset + (int64_t)i * stride(p);
}

/* ---- after an answer -------------------------------------------------------- */

/* A page with exactly the records of the page before it: 0 if not; 2 when
 * that ends paging (the page after a short first page: the API has one
 * page and ignores or clamps the parameter); -1 with err otherwise. */
static int repeated_page(sl_http_pager *p, const sl_http_page *pg, const char *what, sl_error *err)
{
    if (pg->count == 0 || !pg->hash || pg->hash != p->last_hash) {
        p->last_hash = pg->hash;
        return 0;
    }
    if (p->kind == SL_PAGER_PAGE || p->kind == SL_PAGER_OFFSET) {
        long long at = p->kind == SL_PAGER_PAGE ? (long long)pg->page : (long long)pg->offset;
        if (p->probing) {
            sl_log_info("%s: %s %lld has the records of the page before: they were all", what, p->param, at);
            p->done = 1;
            return 2;
        }
        return sl_error_set(err, SL_EDATA,
                            "pagination does not advance: %s %lld answered the same records as the page before "
                            "(does the API ignore the '%s' parameter?)",
                            p->param, at, p->param);
    }
    if (p->kind == SL_PAGER_CURSOR)
        return sl_error_set(err, SL_EDATA,
                            "pagination does not advance: the page for cursor '%.200s' has the same records as the "
                            "page before (does the API ignore the '%s' parameter?)",
                            pg->cursor ? pg->cursor : "", p->param);
    return sl_error_set(err, SL_EDATA,
                        "pagination does not advance: page %lld, from the next URL of the page before, has the same "
                        "records as that page",
                        (long long)p->pages);
}

/* Page and offset pagination. */
static int advance_numbered(sl_http_pager *p, const sl_http_page *pg)
{
    int page_kind = p->kind == SL_PAGER_PAGE;
    int64_t before = p->seen_size;
    if (pg->count > p->seen_size)
        p->seen_size = pg->count;
    p->probing = 0;
    if (page_kind) {
        p->page = pg->page + 1;
    } else {
        p->offset = pg->offset + pg->count;
    }
    if (pg->count == 0) {
        p->done = 1;
        return 0;
    }
    if (p->total >= 0) {
        /* the total decides: a short page (a cap, records filtered out) is not the end */
        if ((page_kind ? p->records : p->offset) >= p->total)
            p->done = 1;
    } else if (before > 0 && pg->count < before) {
        p->done = 1; /* shorter than the pages before it */
    } else if (before == 0 && pg->count < p->size) {
        p->probing = 1; /* a cap or the end: the next page tells */
    }
    return 0;
}

static int advance_cursor(sl_http_pager *p, const sl_http_page *pg, const char *what, sl_error *err)
{
    char *c = p->cursor_path ? sl_json_path_text(pg->body, pg->body_len, p->cursor_path) : NULL;
    sl_free(p->next_cursor);
    p->next_cursor = NULL;
    if (!c || !*c || pg->count == 0) {
        sl_free(c);
        p->done = 1;
        return 0;
    }
    if (pg->cursor && strcmp(c, pg->cursor) == 0) {
        /* the API repeats the cursor it was sent: asking again would return
         * the same page, so this was the last one */
        sl_log_info("%s: the API answered the cursor it was sent (%s): the end of the data", what, c);
        sl_free(c);
        p->done = 1;
        return 0;
    }
    if (seen_add(p, text_hash(c))) {
        sl_error_set(err, SL_EDATA,
                     "pagination does not advance: the next cursor '%.200s' was already requested in this run "
                     "(page %lld answered it again)",
                     c, (long long)p->pages);
        sl_free(c);
        return -1;
    }
    p->next_cursor = c;
    return 0;
}

/* ref resolved against base (RFC 3986), or NULL with err; the result must
 * be on origin's scheme, host and port (the API's configured URL; NULL:
 * base's), whatever the URLs between led to. */
static char *resolve_url(const char *base, const char *ref, const char *origin, sl_error *err)
{
    CURLU *u = curl_url();
    char *out = NULL, *res = NULL;
    char api[300], to[300];
    if (!u || curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
        curl_url_set(u, CURLUPART_URL, ref, 0) != CURLUE_OK || curl_url_get(u, CURLUPART_URL, &out, 0) != CURLUE_OK ||
        sl_url_origin(origin ? origin : base, NULL, api, sizeof api) < 0 ||
        sl_url_origin(out, NULL, to, sizeof to) < 0) {
        char shown[320];
        sl_redact_cut(shown, sizeof shown, ref, strlen(ref)); /* redacted, then cut */
        sl_error_set(err, SL_EDATA, "the next page's URL '%s' is not a URL", shown);
        goto done;
    }
    /* the same scheme, host and port: the API's credentials go nowhere else */
    if (strcmp(api, to) != 0) {
        sl_error_set(err, SL_EDATA,
                     "the next page's URL goes to %s, not to the API (%s): refused, the API's credentials are not "
                     "sent elsewhere",
                     to, api);
        goto done;
    }
    res = sl_strdup(out);
done:
    curl_free(out);
    curl_url_cleanup(u);
    return res;
}

void sl_http_pager_first_url(sl_http_pager *p, const char *url)
{
    if (p->kind != SL_PAGER_NEXT_URL && p->kind != SL_PAGER_LINK)
        return;
    /* in curl's normal form, as next URLs are compared */
    char *norm = resolve_url(url, url, NULL, NULL);
    p->first_hash = text_hash(norm ? norm : url);
    seen_add(p, p->first_hash);
    sl_free(norm);
}

static int advance_url(sl_http_pager *p, const sl_http_page *pg, const char *what, sl_error *err)
{
    const char *raw = pg->link_next;
    char *from_body = NULL;
    if (p->kind == SL_PAGER_NEXT_URL)
        raw = from_body = sl_json_path_text(pg->body, pg->body_len, p->next_path);
    char *requested = p->next_url; /* NULL for the first page */
    p->next_url = NULL;
    p->page = pg->page + 1;
    int rc = 0;
    if (!raw || !*raw || pg->count == 0) {
        p->done = 1;
    } else {
        char *next = resolve_url(pg->url, raw, p->origin, err);
        if (!next) {
            rc = -1;
        } else if (requested ? strcmp(next, requested) == 0 : text_hash(next) == p->first_hash) {
            /* the URL just requested: asking again would return the same page */
            sl_log_info("%s: the next page's URL is the one just requested: the end of the data", what);
            p->done = 1;
            sl_free(next);
        } else if (seen_add(p, text_hash(next))) {
            char shown[512];
            sl_redact_cut(shown, sizeof shown, next, strlen(next)); /* redacted, then cut */
            rc = sl_error_set(err, SL_EDATA,
                              "pagination does not advance: the next page's URL %s was already requested in this run "
                              "(page %lld led back to it)",
                              shown, (long long)p->pages);
            sl_free(next);
        } else {
            p->next_url = next;
        }
    }
    sl_free(requested);
    sl_free(from_body);
    return rc;
}

int sl_http_pager_advance(sl_http_pager *p, const sl_http_page *pg, const char *what, sl_error *err)
{
    p->pages++;
    p->records += pg->count;
    if (p->total_path) {
        char *t = sl_json_path_text(pg->body, pg->body_len, p->total_path);
        char *end = NULL;
        long long v = t ? strtoll(t, &end, 10) : -1;
        if (t && end != t && *end == 0 && v >= 0)
            p->total = v;
        sl_free(t);
    }
    int rc = repeated_page(p, pg, what, err);
    if (rc == 0) {
        switch (p->kind) {
        case SL_PAGER_NONE:
            p->done = 1;
            break;
        case SL_PAGER_PAGE:
        case SL_PAGER_OFFSET:
            rc = advance_numbered(p, pg);
            break;
        case SL_PAGER_CURSOR:
            rc = advance_cursor(p, pg, what, err);
            break;
        case SL_PAGER_NEXT_URL:
        case SL_PAGER_LINK:
            rc = advance_url(p, pg, what, err);
            break;
        }
    }
    if (rc == 2) {
        p->pages--;
        p->records -= pg->count; /* dropped: not read */
    }
    if (rc < 0)
        return -1;
    if (!p->done && p->max_pages > 0 && p->pages >= p->max_pages)
        return sl_error_set(err, SL_EDATA,
                            "pagination: %lld pages read in this run and the API has more; max_pages (%lld) stops "
                            "here (raise it if the data is that large)",
                            (long long)p->pages, (long long)p->max_pages);
    if (p->done && p->total > p->records)
        sl_log_warn("%s: the API reported %lld records (%s) but paging ended after %lld", what, (long long)p->total,
                    p->total_path, (long long)p->records);
    return rc;
}

/* ---- resuming --------------------------------------------------------------- */

void sl_http_pager_bookmark(const sl_http_pager *p, sl_buf *b)
{
    sl_buf_addf(b, ",\"page\":%lld,\"offset\":%lld,\"done\":%s,\"seen_size\":%lld,\"pages\":%lld,\"records\":%lld",
                (long long)p->page, (long long)p->offset, p->done ? "true" : "false", (long long)p->seen_size,
                (long long)p->pages, (long long)p->records);
    if (p->total >= 0)
        sl_buf_addf(b, ",\"total\":%lld", (long long)p->total);
    if (p->next_cursor) {
        sl_buf_adds(b, ",\"next_cursor\":");
        sl_buf_add_json_str(b, p->next_cursor, strlen(p->next_cursor));
    }
    if (p->next_url) {
        sl_buf_adds(b, ",\"next_url\":");
        sl_buf_add_json_str(b, p->next_url, strlen(p->next_url));
    }
}

static int64_t bm_int(const char *bm, const char *key, int64_t def)
{
    char *v = sl_json_path_text(bm, strlen(bm), key);
    int64_t r = v ? strtoll(v, NULL, 10) : def;
    sl_free(v);
    return r;
}

void sl_http_pager_restore(sl_http_pager *p, const char *bm)
{
    p->page = bm_int(bm, "page", p->page);
    p->offset = bm_int(bm, "offset", p->offset);
    p->seen_size = bm_int(bm, "seen_size", 0);
    p->pages = bm_int(bm, "pages", 0);
    p->records = bm_int(bm, "records", 0);
    p->total = bm_int(bm, "total", -1);
    p->done = strstr(bm, "\"done\":true") != NULL;
    sl_free(p->next_cursor);
    p->next_cursor = sl_json_path_text(bm, strlen(bm), "next_cursor");
    sl_free(p->next_url);
    p->next_url = sl_json_path_text(bm, strlen(bm), "next_url");
}
