/* template.c: {{ name }} templates over a batch row (see template.h). */
#include "sinks/template.h"
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
