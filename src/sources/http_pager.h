/*
 * http_pager.h: the pagination of the http source: where each page is,
 * when paging ends, and the checks that it advances.
 *
 * Styles (`pagination: {type: ...}`): page numbers, offset/limit, a cursor
 * read from the body, a next URL read from the body, the RFC 8288 Link
 * header. The pager holds the position of the next page; the source builds
 * the request from it, and hands each answer back in request order
 * (sl_http_pager_advance), which moves the position on or ends paging.
 *
 * When paging ends:
 *   - at an empty page, or when the records read reach the total the body
 *     reports (total_path);
 *   - page and offset: at a page shorter than the pages before it. The
 *     page size is the one the server answers, not the one asked for:
 *     APIs cap it silently (ask 100, get 50), so a first page shorter than
 *     asked is not the end without a total saying so: the next page tells
 *     (empty, or the same records again: the end);
 *   - cursor, next_url, link: at a missing or empty next cursor or URL, or
 *     one equal to the cursor or URL just requested (an API that repeats
 *     its last cursor at the end of the data; asking again would return
 *     the same page).
 * Paging fails (an sl_error, the run fails and resumes here next time):
 *   - a cursor or next URL that was already requested earlier in the run
 *     (a cycle), or a page with exactly the records of the page before it
 *     (an API that ignores the page or offset parameter);
 *   - a next URL on another scheme, host or port than the API's configured
 *     URL (the API's credentials are never sent elsewhere: a body or Link
 *     header cannot redirect them);
 *   - more than max_pages pages in one epoch (when max_pages > 0).
 * Relative next URLs and Link targets are resolved against the URL of the
 * request that returned them (RFC 3986, curl's URL API).
 */
#ifndef SL_HTTP_PAGER_H
#define SL_HTTP_PAGER_H
#include "config/options.h"
#include "core/error.h"
#include "core/util.h"
#include <stdint.h>

typedef enum {
    SL_PAGER_NONE,
    SL_PAGER_PAGE,
    SL_PAGER_OFFSET,
    SL_PAGER_CURSOR,
    SL_PAGER_NEXT_URL,
    SL_PAGER_LINK
} sl_pager_kind;

typedef struct sl_http_pager {
    /* configuration (strings point into the options, not copied) */
    sl_pager_kind kind;
    const char *param, *size_param, *cursor_path, *next_path, *total_path;
    const char *origin;  /* the API's URL: next URLs stay on its scheme, host and port */
    int64_t size;        /* page size asked for */
    int64_t start;       /* first page number */
    int64_t max_pages;   /* pages allowed in one epoch; 0 = no limit */
    /* the position of the next page */
    int64_t page, offset;
    char *next_cursor;   /* cursor to send, or NULL */
    char *next_url;      /* absolute URL to request, or NULL (heap) */
    int done;
    /* what was learnt on the way */
    int64_t total;       /* records the body reports; -1 = unknown */
    int64_t seen_size;   /* largest page answered: the server's page size; 0 = none yet */
    int64_t pages;       /* pages read in this epoch */
    int64_t records;     /* records read in this epoch */
    int probing;         /* the last page was shorter than asked, with no total: the next one tells */
    uint64_t last_hash;  /* the records of the last page; 0 = none */
    uint64_t first_hash; /* the URL of the first request (next_url, link) */
    uint64_t *seen;      /* open-addressing set of cursors / URLs requested (hashes; 0 = empty slot) */
    size_t nseen, cap;
} sl_http_pager;

/* One answered page, as sl_http_pager_advance needs it. */
typedef struct sl_http_page {
    int64_t page, offset;      /* the position it was requested at */
    const char *cursor;        /* the cursor it was requested with, or NULL */
    const char *url;           /* the URL requested (the base of relative next URLs) */
    const char *body;          /* the answer's body (any size; not NUL-terminated) */
    size_t body_len;
    const char *link_next;     /* the Link header's rel="next" target, or NULL */
    int64_t count;             /* records in the page (rejected ones too) */
    uint64_t hash;             /* a hash of the page's records array (0 if unknown) */
} sl_http_page;

/* Fill the configuration from the `pagination:` map (kvlist of the source's
 * options; its strings must outlive the pager), the max_pages option and
 * origin, the API's configured URL (not copied; NULL: each next URL is
 * checked against the URL it came from). */
void sl_http_pager_init(sl_http_pager *p, const sl_kvlist *cfg, int64_t max_pages, const char *origin);
void sl_http_pager_release(sl_http_pager *p);
/* Pages to request at once: page and offset pagination up to concurrency
 * (offset: once the first page told the server's page size), never past a
 * known total; the others one at a time. */
size_t sl_http_pager_parallel(const sl_http_pager *p, int64_t concurrency);
/* The page number and offset of the i-th page ahead (0 = the next one). */
void sl_http_pager_position(const sl_http_pager *p, size_t i, int64_t *page, int64_t *offset);
/* Remember the URL of the first request (next_url and link pagination
 * fail if a later next URL leads back to it). */
void sl_http_pager_first_url(sl_http_pager *p, const char *url);
/* Move past page pg (answered, in request order). 0 when the position
 * moved on (or paging ended: p->done); 2 when paging ended because pg
 * repeats the page before it (drop its records: they were read already);
 * -1 with err when paging cannot go on (see the list above; the message
 * names the page). An offset page answered with another size than assumed
 * moves the offset to where it really ended: pages requested after it in
 * the same round at other offsets are to be dropped and asked again.
 * `what` names the source in log lines. */
int sl_http_pager_advance(sl_http_pager *p, const sl_http_page *pg, const char *what, sl_error *err);
/* The pager's part of a resume bookmark: ,"key":value pairs appended to b. */
void sl_http_pager_bookmark(const sl_http_pager *p, sl_buf *b);
/* Restore from a bookmark written by sl_http_pager_bookmark (a JSON object). */
void sl_http_pager_restore(sl_http_pager *p, const char *bm);

#endif
