/*
 * http_payload.c: what a row becomes in the http sink (http_sink.h): its
 * key (the key columns' text), its JSON payload (the `body:` template,
 * sinks/template.h, with {{ key }} and {{ dest_id }}) and the URL it goes
 * to (net/urltpl.h: each value one percent-encoded component).
 */
#include "core/mem.h"
#include "net/urltpl.h"
#include "sinks/http_sink.h"
#include "sinks/template.h"
#include <string.h>

/* {{ name }} in a body besides the columns (sinks/template.h):
 * {{ dest_id }} the destination's id (the key until a create returned
 * one), {{ key }} the row's key (unless a column is named key). */
typedef struct body_vars {
    const sl_batch *b;
    const char *key, *dest_id;
} body_vars;

static int body_var(void *ctx, const char *name, size_t n, int json, sl_buf *out)
{
    body_vars *v = ctx;
    (void)json;
    if (n == 7 && memcmp(name, "dest_id", 7) == 0) {
        const char *id = v->dest_id ? v->dest_id : v->key;
        sl_buf_add_json_str(out, id, strlen(id));
        return 1;
    }
    if (n == 3 && memcmp(name, "key", 3) == 0 && sl_batch_find(v->b, "key") < 0) {
        sl_buf_add_json_str(out, v->key, strlen(v->key));
        return 1;
    }
    return 0;
}

/* Expand {{ name }} in the JSON template tpl for row. */
void sl_hsink_render(sl_buf *out, const char *tpl, const sl_batch *b, size_t row, const char *key,
                   const char *dest_id)
{
    body_vars v = {b, key, dest_id};
    sl_template_render(out, tpl, b, row, 1, body_var, &v);
}

/* What a URL template sees of one row (b NULL: a delete, which has only
 * {{ dest_id }} and {{ key }}). */
typedef struct url_row {
    const sl_batch *b;
    size_t row;
    const char *key, *dest_id;
    char tmp[64];
} url_row;

/* sl_urltpl_value_fn: the row's text of {{ name }}; net/urltpl.h encodes it. */
static int url_value(void *ctx, const char *name, size_t n, const char **v, size_t *len)
{
    url_row *u = ctx;
    if (n == 7 && memcmp(name, "dest_id", 7) == 0) {
        *v = u->dest_id ? u->dest_id : u->key;
        *len = strlen(*v);
        return 1;
    }
    if (n == 3 && memcmp(name, "key", 3) == 0 && (!u->b || sl_batch_find(u->b, "key") < 0)) {
        *v = u->key;
        *len = strlen(u->key);
        return 1;
    }
    if (!u->b)
        return 0;
    for (size_t i = 0; i < u->b->ncols; i++) {
        const sl_column *c = &u->b->cols[i];
        if (c->namelen == n && memcmp(c->name, name, n) == 0)
            return sl_cell_text(c, u->row, u->tmp, v, len) ? 1 : 0;
    }
    return 0;
}

/* The row's key: its key columns' text joined by \x1f; kc holds their
 * indexes in the batch (-1: not there), looked up once per batch. */
char *sl_hsink_row_key(const hsink_state *st, const sl_batch *b, const int *kc, size_t row)
{
    sl_buf k;
    sl_buf_init(&k);
    for (size_t i = 0; i < st->o->key.n; i++) {
        if (i)
            sl_buf_addc(&k, '\x1f');
        char tmp[64];
        const char *p;
        size_t n;
        if (kc[i] >= 0 && sl_cell_text(&b->cols[kc[i]], row, tmp, &p, &n))
            sl_buf_add(&k, p, n);
    }
    return k.data ? sl_buf_detach(&k) : sl_strdup("");
}

/* base URL + path, its {{ templates }} from the row, each value one URL
 * component (net/urltpl.h: a key or an id the API returned cannot change
 * the path, the query or the host); for deletes (b NULL) {{ dest_id }} and
 * {{ key }} only (hsink_check refuses others there). NULL when a value in
 * the path is empty or null, with why (cap bytes) saying which. */
char *sl_hsink_url(hsink_state *st, const char *path, const sl_batch *b, size_t row, const char *key,
                     const char *dest_id, char *why, size_t cap)
{
    sl_buf u;
    sl_buf_init(&u);
    sl_buf_adds(&u, st->o->api.url);
    if (u.len && u.data[u.len - 1] == '/' && path[0] == '/')
        u.len--;
    url_row r = {b, row, key, dest_id, {0}};
    if (sl_urltpl_expand(&u, path, url_value, &r, why, cap) < 0) {
        sl_buf_release(&u);
        return NULL;
    }
    sl_api_auth_query(&st->api, &u);
    return sl_buf_detach(&u);
}
