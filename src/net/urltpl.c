/* urltpl.c: see urltpl.h. */
#include "net/urltpl.h"
#include <curl/curl.h>
#include <stdio.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

void sl_url_add_component(sl_buf *out, const char *v, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t dots = 0;
    while (dots < n && v[dots] == '.')
        dots++;
    int dot_segment = n > 0 && dots == n; /* ".", "..": squashed by URL resolvers */
    sl_buf_reserve(out, n * 3 + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (unreserved(c) && !(dot_segment && c == '.')) {
            sl_buf_addc(out, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            sl_buf_add(out, e, 3);
        }
    }
}

/* The next {{ name }} of s: its opening at *open, name [*a, *e), the text
 * after it at *after; 0 when there is none. */
static int next_template(const char *s, const char **open, const char **a, const char **e, const char **after)
{
    const char *o = strstr(s, "{{");
    const char *c = o ? strstr(o + 2, "}}") : NULL;
    if (!o || !c)
        return 0;
    const char *x = o + 2, *y = c;
    while (x < y && *x == ' ')
        x++;
    while (y > x && y[-1] == ' ')
        y--;
    *open = o;
    *a = x;
    *e = y;
    *after = c + 2;
    return 1;
}

int sl_urltpl_expand(sl_buf *out, const char *tpl, sl_urltpl_value_fn fn, void *ctx, char *why, size_t cap)
{
    int in_query = 0;
    const char *s = tpl, *open, *a, *e, *after;
    while (next_template(s, &open, &a, &e, &after)) {
        if (memchr(s, '?', (size_t)(open - s)) || memchr(s, '#', (size_t)(open - s)))
            in_query = 1;
        sl_buf_add(out, s, (size_t)(open - s));
        const char *v = NULL;
        size_t len = 0;
        if (!fn(ctx, a, (size_t)(e - a), &v, &len))
            v = NULL, len = 0;
        if (len == 0 && !in_query) {
            if (why)
                snprintf(why, cap,
                         "{{ %.*s }} is %s: the path %s would address another resource than the record; not sent",
                         (int)(e - a), a, v ? "empty" : "null", tpl);
            return -1;
        }
        sl_url_add_component(out, v ? v : "", len);
        s = after;
    }
    sl_buf_adds(out, s);
    return 0;
}

int sl_urltpl_has_templates(const char *tpl, int *only_ids)
{
    int any = 0, ids = 1;
    const char *s = tpl, *open, *a, *e, *after;
    while (next_template(s, &open, &a, &e, &after)) {
        size_t n = (size_t)(e - a);
        any = 1;
        if (!(n == 7 && memcmp(a, "dest_id", 7) == 0) && !(n == 3 && memcmp(a, "key", 3) == 0))
            ids = 0;
        s = after;
    }
    if (only_ids)
        *only_ids = ids;
    return any;
}

int sl_url_origin(const char *base, const char *ref, char *out, size_t cap)
{
    CURLU *u = curl_url();
    char *sc = NULL, *h = NULL, *p = NULL;
    int rc = -1;
    if (u && curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
        (!ref || curl_url_set(u, CURLUPART_URL, ref, 0) == CURLUE_OK) &&
        curl_url_get(u, CURLUPART_SCHEME, &sc, 0) == CURLUE_OK && curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        for (char *c = h; *c; c++) /* host names compare without case */
            *c = (char)tolower((unsigned char)*c);
        snprintf(out, cap, "%s://%s:%s", sc, h, p); /* libcurl gives the scheme in lower case */
        rc = 0;
    }
    curl_free(sc);
    curl_free(h);
    curl_free(p);
    curl_url_cleanup(u);
    return rc;
}

int sl_url_same_origin(const char *origin, const char *base, const char *ref, char *where, size_t cap)
{
    char want[300], got[300];
    if (sl_url_origin(origin, NULL, want, sizeof want) < 0 || sl_url_origin(base, ref, got, sizeof got) < 0) {
        if (where)
            snprintf(where, cap, "a text that is not a URL");
        return -1;
    }
    if (strcmp(want, got) == 0)
        return 1;
    if (where)
        snprintf(where, cap, "%s", got);
    return 0;
}
