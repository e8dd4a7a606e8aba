/* template.c: {{ name }} templates over a batch row (see template.h). */
#include "sinks/template.h"
#include "engine/colcheck.h"
#include <stdio.h>
#include <string.h>

static void add_value(sl_buf *out, const sl_batch *b, size_t row, const char *name, size_t n, int json,
                      sl_template_var_fn fn, void *ctx)
{
    if (fn && fn(ctx, name, n, json, out))
        return;
    for (size_t i = 0; i < b->ncols; i++) {
        const sl_column *c = &b->cols[i];
        if (c->namelen != n || memcmp(c->name, name, n) != 0)
            continue;
        if (json) {
            sl_cell_json(c, row, out);
        } else {
            char tmp[64];
            const char *p;
            size_t len;
            if (sl_cell_text(c, row, tmp, &p, &len))
                sl_buf_add(out, p, len);
        }
        return;
    }
    if (json)
        sl_buf_adds(out, "null"); /* a column this batch lacks */
}

/* Walk tpl: literal text to lit, each {{ name }} (trimmed) to var. */
static void walk(const char *tpl, void (*lit)(void *ctx, const char *s, size_t n),
                 void (*var)(void *ctx, const char *name, size_t n), void *ctx)
{
    const char *s = tpl;
    while (*s) {
        const char *open = strstr(s, "{{");
        const char *close = open ? strstr(open + 2, "}}") : NULL;
        if (!open || !close) {
            lit(ctx, s, strlen(s));
            return;
        }
        lit(ctx, s, (size_t)(open - s));
        const char *a = open + 2, *e = close;
        while (a < e && *a == ' ')
            a++;
        while (e > a && e[-1] == ' ')
            e--;
        var(ctx, a, (size_t)(e - a));
        s = close + 2;
    }
}

typedef struct render_ctx {
    sl_buf *out;
    const sl_batch *b;
    size_t row;
    int json;
    sl_template_var_fn fn;
    void *ctx;
} render_ctx;

static void render_lit(void *ctx, const char *s, size_t n)
{
    sl_buf_add(((render_ctx *)ctx)->out, s, n);
}

static void render_var(void *ctx, const char *name, size_t n)
{
    render_ctx *r = ctx;
    add_value(r->out, r->b, r->row, name, n, r->json, r->fn, r->ctx);
}

void sl_template_render(sl_buf *out, const char *tpl, const sl_batch *b, size_t row, int json,
                        sl_template_var_fn fn, void *ctx)
{
    render_ctx r = {out, b, row, json, fn, ctx};
    walk(tpl ? tpl : "", render_lit, render_var, &r);
}

static void no_lit(void *ctx, const char *s, size_t n)
{
    (void)ctx, (void)s, (void)n;
}

void sl_template_names(const char *tpl, void (*fn)(void *ctx, const char *name, size_t n), void *ctx)
{
    walk(tpl ? tpl : "", no_lit, fn, ctx);
}

int sl_template_check(const char *tpl, char *why, size_t len)
{
    const char *s = tpl ? tpl : "";
    for (const char *open = strstr(s, "{{"); open; open = strstr(s, "{{")) {
        const char *close = strstr(open + 2, "}}");
        const char *inner = strstr(open + 2, "{{");
        long at = (long)(open - (tpl ? tpl : "")) + 1;
        if (!close) {
            snprintf(why, len, "'{{' at character %ld is never closed by '}}' (it would be sent as it is)", at);
            return -1;
        }
        if (inner && inner < close) {
            snprintf(why, len, "'{{' at character %ld is not closed before the next '{{' (write {{ name }})", at);
            return -1;
        }
        const char *a = open + 2, *e = close;
        while (a < e && *a == ' ')
            a++;
        if (a == e) {
            snprintf(why, len, "the {{ }} at character %ld names no column", at);
            return -1;
        }
        s = close + 2;
    }
    return 0;
}

typedef struct names_ctx {
    const sl_instance *in;
    const struct sl_colset *cols;
    sl_loc loc;
    const char *what;
    sl_diags *d;
    int n;
} names_ctx;

static void require_name(void *ctx, const char *name, size_t n)
{
    names_ctx *c = ctx;
    char col[256];
    snprintf(col, sizeof col, "%.*s", (int)(n < sizeof col ? n : sizeof col - 1), name);
    c->n += sl_colset_require(c->cols, col, c->loc, c->what, c->d);
}

/* One template of option `name` (header: the header's name, or NULL). */
static int check_one(const sl_instance *in, const char *opt, const char *header, const char *tpl, sl_loc loc,
                     const struct sl_colset *cols, sl_diags *d)
{
    char what[300];
    const char *id = in->id ? in->id : in->type; /* ids are given after the checks at load */
    if (header)
        snprintf(what, sizeof what, "sink %s, %s: %s", id, opt, header);
    else
        snprintf(what, sizeof what, "sink %s, %s", id, opt);
    loc = sl_colcheck_loc(loc, in);
    char why[200];
    if (!cols) {
        if (sl_template_check(tpl, why, sizeof why) == 0)
            return 0;
        sl_diags_add(d, loc, "%s: %s", what, why);
        return 1;
    }
    if (sl_template_check(tpl, why, sizeof why) < 0)
        return 0; /* said at load */
    names_ctx c = {in, cols, loc, what, d, 0};
    sl_template_names(tpl, require_name, &c);
    return c.n;
}

int sl_template_check_options(const sl_instance *in, const char *const *names, const struct sl_colset *cols,
                              sl_diags *d)
{
    const sl_option *table = in->plugin ? ((const sl_sink_plugin *)in->plugin)->options : NULL;
    int n = 0;
    for (const sl_option *o = table; o && o->name; o++) {
        size_t k = 0;
        while (names[k] && strcmp(names[k], o->name) != 0)
            k++;
        if (!names[k])
            continue;
        const void *field = (const char *)in->opts + o->offset;
        sl_loc loc = sl_options_loc(table, in->opts, o->name);
        if (o->type == SL_OPT_STRING) {
            const char *v = *(char *const *)field;
            if (v)
                n += check_one(in, o->name, NULL, v, loc, cols, d);
        } else if (o->type == SL_OPT_MAP) {
            const sl_kvlist *l = field;
            for (size_t i = 0; i < l->n; i++)
                n += check_one(in, o->name, l->v[i].key, l->v[i].value, l->v[i].loc.file ? l->v[i].loc : loc, cols, d);
        }
    }
    return n;
}
