/* urltpl.c: see urltpl.h. */
#include "net/urltpl.h"
#include <curl/curl.h>
#include <stdio.h>
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

int sl_url_same_origin(const char *origin, const char *base, const char *ref, char *where, size_t cap)
{
    CURLU *o = curl_url(), *u = curl_url();
    char *s1 = NULL, *h1 = NULL, *p1 = NULL, *s2 = NULL, *h2 = NULL, *p2 = NULL;
    int rc = -1;
    if (o && u && curl_url_set(o, CURLUPART_URL, origin, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK && curl_url_set(u, CURLUPART_URL, ref, 0) == CURLUE_OK &&
        curl_url_get(o, CURLUPART_SCHEME, &s1, 0) == CURLUE_OK && curl_url_get(o, CURLUPART_HOST, &h1, 0) == CURLUE_OK &&
        curl_url_get(o, CURLUPART_PORT, &p1, CURLU_DEFAULT_PORT) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &s2, 0) == CURLUE_OK && curl_url_get(u, CURLUPART_HOST, &h2, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &p2, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        rc = strcasecmp(s1, s2) == 0 && strcasecmp(h1, h2) == 0 && strcmp(p1, p2) == 0;
        if (!rc && where)
            snprintf(where, cap, "%s://%s:%s", s2, h2, p2);
    } else if (where) {
        snprintf(where, cap, "a text that is not a URL");
    }
    curl_free(s1);
    curl_free(h1);
    curl_free(p1);
    curl_free(s2);
    curl_free(h2);
    curl_free(p2);
    curl_url_cleanup(o);
    curl_url_cleanup(u);
    return rc;
}
