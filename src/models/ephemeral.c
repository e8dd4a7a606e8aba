/*
 * ephemeral.c: ephemeral models inlined as CTEs into the SQL that refs
 * them, as dbt's __dbt__cte__ (compile_int.h's sl_compile_finish): every
 * ephemeral model a render reached, also through other ephemeral models,
 * rendered once and put in dependency order as __sluice_cte__NAME, in the
 * model's own WITH clause when it starts with one (after WITH [RECURSIVE];
 * comments before it stay first), else in a new one.
 */
#include "core/mem.h"
#include "models/compile_int.h"
#include "models/context.h"
#include <ctype.h>
#include <string.h>
#include <strings.h>

typedef struct cte_set {
    size_t *order; /* ephemeral nodes, upstreams first */
    char **sql;    /* their rendered SQL, by position in order */
    size_t n, cap;
    uint8_t *state; /* per node: 0 unseen, 1 in progress, 2 done */
} cte_set;

static int cte_visit(sl_graph *g, cte_set *cs, size_t e, sl_error *err)
{
    if (cs->state[e] == 2)
        return 0;
    if (cs->state[e] == 1)
        return sl_error_set(err, SL_ECONFIG, "ephemeral model %s refers to itself through other ephemeral models",
                            g->nodes[e].name);
    cs->state[e] = 1;
    sl_render r = {.node = e, .execute = 1};
    sl_buf b;
    sl_buf_init(&b);
    if (!g->nodes[e].raw || sl_compile_render_node(g, e, &r, &b, err) < 0) {
        if (!g->nodes[e].raw)
            sl_error_set(err, SL_EINTERNAL, "ephemeral model %s has no SQL", g->nodes[e].name);
        sl_buf_release(&b);
        sl_compile_render_release(&r);
        return -1;
    }
    for (size_t k = 0; k < r.neph; k++)
        if (cte_visit(g, cs, r.eph[k], err) < 0) {
            sl_buf_release(&b);
            sl_compile_render_release(&r);
            return -1;
        }
    sl_compile_render_release(&r);
    while (b.len && isspace((unsigned char)b.data[b.len - 1]))
        b.data[--b.len] = 0;
    SL_GROW(cs->order, cs->cap, cs->n + 1);
    cs->sql = sl_realloc(cs->sql, cs->cap * sizeof *cs->sql);
    cs->order[cs->n] = e;
    cs->sql[cs->n++] = sl_buf_detach(&b);
    cs->state[e] = 2;
    return 0;
}

/* Skip whitespace and SQL comments from p; the first token's offset. */
static size_t first_token(const char *s)
{
    const char *p = s;
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            p = e ? e + 2 : p + strlen(p);
        } else {
            return (size_t)(p - s);
        }
    }
}

static int word_is(const char *p, const char *w)
{
    size_t l = strlen(w);
    return strncasecmp(p, w, l) == 0 && !(isalnum((unsigned char)p[l]) || p[l] == '_');
}

/* sql with cs's CTEs put in front: into the model's own WITH clause when
 * it starts with one (after WITH [RECURSIVE]), else a new one. */
static void inject_ctes(const sl_graph *g, const cte_set *cs, const char *sql, sl_buf *out)
{
    sl_buf ctes;
    sl_buf_init(&ctes);
    for (size_t k = 0; k < cs->n; k++) {
        if (k)
            sl_buf_adds(&ctes, ", ");
        sl_context_cte_name(g, cs->order[k], &ctes);
        sl_buf_adds(&ctes, " as (\n");
        sl_buf_adds(&ctes, cs->sql[k]);
        sl_buf_adds(&ctes, "\n)");
    }
    size_t at = first_token(sql);
    if (word_is(sql + at, "with")) {
        size_t after = at + 4;
        size_t nx = after + first_token(sql + after);
        if (word_is(sql + nx, "recursive"))
            after = nx + 9;
        sl_buf_add(out, sql, after);
        sl_buf_addc(out, ' ');
        sl_buf_add(out, ctes.data, ctes.len);
        sl_buf_addc(out, ',');
        sl_buf_adds(out, sql + after);
    } else {
        sl_buf_add(out, sql, at);
        sl_buf_adds(out, "with ");
        sl_buf_add(out, ctes.data, ctes.len);
        sl_buf_addc(out, '\n');
        sl_buf_adds(out, sql + at);
    }
    sl_buf_release(&ctes);
}

int sl_compile_finish(sl_graph *g, size_t i, const sl_render *r, const char *sql, size_t len, sl_buf *out,
                          sl_error *err)
{
    size_t start = out->len;
    if (r->neph == 0) {
        sl_buf_add(out, sql, len);
    } else {
        cte_set cs = {0};
        cs.state = sl_calloc(g->n, 1);
        int rc = 0;
        for (size_t k = 0; k < r->neph && rc == 0; k++)
            rc = cte_visit(g, &cs, r->eph[k], err);
        if (rc == 0)
            inject_ctes(g, &cs, sql, out);
        for (size_t k = 0; k < cs.n; k++)
            sl_free(cs.sql[k]);
        sl_free(cs.sql);
        sl_free(cs.order);
        sl_free(cs.state);
        if (rc < 0)
            return sl_error_prefix(err, "%s", g->nodes[i].name);
    }
    sl_node *n = &g->nodes[i];
    sl_free(n->compiled);
    n->compiled = sl_strndup(out->data + start, out->len - start);
    return 0;
}

