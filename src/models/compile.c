/*
 * compile.c: rendering nodes' templates in the project's context
 * (models/compile.h).
 *
 * TEMPORARY UNTIL THE RENDERER LANDS (h1's src/jinja): sl_compile_parse
 * finds ref('x'), ref('p', 'x'), source('s', 't') and config(k='v', ...)
 * calls by a plain scan of {{ }} / {% %} text, so the loader (graph.c) can
 * link and collect edges. It is replaced by a parse-mode render.
 */
#include "models/compile.h"
#include "core/mem.h"
#include <ctype.h>
#include <string.h>

int sl_compile_relation(sl_graph *g, size_t i, sl_error *err);

/* Where offset off is in text: 1-based line and column. */
static void scan_pos(const char *text, size_t off, int *line, int *col)
{
    int l = 1, c = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* A quoted string literal at p: its text (caller frees) and the end. */
static char *scan_str(const char *p, const char **end)
{
    char q = *p;
    if (q != '\'' && q != '"')
        return NULL;
    const char *s = p + 1, *e = strchr(s, q);
    if (!e)
        return NULL;
    *end = e + 1;
    return sl_strndup(s, (size_t)(e - s));
}

/* Up to 2 string arguments of a call whose '(' is at p. */
static int scan_args(const char *p, char **a, int max)
{
    int n = 0;
    p = skip_ws(p + 1);
    while (n < max) {
        const char *e;
        char *s = scan_str(p, &e);
        if (!s)
            break;
        a[n++] = s;
        p = skip_ws(e);
        if (*p != ',')
            break;
        p = skip_ws(p + 1);
    }
    return n;
}

static int word_at(const char *text, const char *p, const char *w)
{
    size_t n = strlen(w);
    if (strncmp(p, w, n) != 0)
        return 0;
    if (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '.'))
        return 0;
    const char *q = skip_ws(p + n);
    return *q == '(' ? (int)(q - p) : 0;
}

static void cfg_str(char **slot, const char *v)
{
    sl_free(*slot);
    *slot = sl_strdup(v);
}

/* config(materialized='table', schema='x', alias='y', tags='t') string kwargs. */
static void scan_config(sl_node *n, const char *p)
{
    p = skip_ws(p + 1);
    while (*p && *p != ')') {
        const char *k = p;
        while (isalnum((unsigned char)*p) || *p == '_')
            p++;
        size_t kl = (size_t)(p - k);
        p = skip_ws(p);
        if (kl == 0 || *p != '=')
            return;
        p = skip_ws(p + 1);
        const char *e;
        char *v = scan_str(p, &e);
        if (!v)
            return;
        if (kl == 12 && !strncmp(k, "materialized", kl))
            cfg_str(&n->config.materialized, v);
        else if (kl == 6 && !strncmp(k, "schema", kl))
            cfg_str(&n->config.schema, v);
        else if (kl == 5 && !strncmp(k, "alias", kl))
            cfg_str(&n->config.alias, v);
        else if (kl == 20 && !strncmp(k, "incremental_strategy", kl))
            cfg_str(&n->config.incremental_strategy, v);
        sl_free(v);
        p = skip_ws(e);
        if (*p == ',')
            p = skip_ws(p + 1);
    }
}

int sl_compile_env_init(sl_graph *g, sl_diags *d)
{
    (void)d;
    g->env = NULL; /* temporary: no renderer yet */
    return 0;
}

int sl_compile_parse(sl_graph *g, size_t i, sl_compile_dep **deps, size_t *ndeps, sl_diags *d)
{
    (void)d;
    sl_node *n = &g->nodes[i];
    *deps = NULL;
    *ndeps = 0;
    if (!n->raw)
        return 0;
    size_t cap = 0;
    const char *text = n->raw;
    for (const char *p = text; *p; p++) {
        int w;
        int is_ref = 0, is_src = 0;
        if ((w = word_at(text, p, "ref")))
            is_ref = 1;
        else if ((w = word_at(text, p, "source")))
            is_src = 1;
        else if ((w = word_at(text, p, "config"))) {
            scan_config(n, p + w);
            continue;
        } else
            continue;
        char *a[2] = {NULL, NULL};
        int na = scan_args(p + w, a, 2);
        if (na == 0 || (is_src && na != 2)) {
            sl_free(a[0]);
            sl_free(a[1]);
            continue;
        }
        SL_GROW(*deps, cap, *ndeps + 1);
        sl_compile_dep *dep = &(*deps)[(*ndeps)++];
        memset(dep, 0, sizeof *dep);
        scan_pos(text, (size_t)(p - text), &dep->line, &dep->col);
        if (is_ref && na == 1) {
            dep->name = a[0];
        } else if (is_ref) {
            dep->package = a[0];
            dep->name = a[1];
        } else {
            dep->source_name = a[0];
            dep->name = a[1];
        }
    }
    return sl_compile_relation(g, i, NULL);
}

void sl_compile_deps_free(sl_compile_dep *deps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sl_free(deps[i].package);
        sl_free(deps[i].name);
        sl_free(deps[i].source_name);
    }
    sl_free(deps);
}

void sl_compile_env_free(sl_graph *g)
{
    g->env = NULL; /* temporary: sl_compile_env_init made nothing */
    g->compile = NULL;
}

int sl_compile_relation(sl_graph *g, size_t i, sl_error *err)
{
    (void)err;
    sl_node *n = &g->nodes[i];
    if (n->kind != SL_NODE_MODEL && n->kind != SL_NODE_SEED && n->kind != SL_NODE_SNAPSHOT)
        return 0;
    const char *ts = g->target.schema ? g->target.schema : "main";
    sl_free(n->schema);
    n->schema = NULL;
    if (n->kind == SL_NODE_SNAPSHOT && n->config.target_schema)
        n->schema = sl_strdup(n->config.target_schema);
    else if (n->config.schema && *n->config.schema)
        n->schema = sl_printf("%s_%s", ts, n->config.schema);
    sl_free(n->identifier);
    n->identifier = sl_strdup(n->config.alias && *n->config.alias ? n->config.alias : n->name);
    return 0;
}
