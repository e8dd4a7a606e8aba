/*
 * select.c: dbt's node selection over the graph (graph.h sl_graph_select).
 *
 *   --select "a b"      union of a and b
 *   --select "a,b"      intersection
 *   a = [@|N+|+] METHOD:VALUE | NAME [+|+N]
 *
 * Methods: a bare NAME (fqn: a node's name, or a dotted path of folders
 * with or without the project name, e.g. staging or gtm.staging.stg_x; a
 * value with '/' or ending in .sql is a path), fqn:, tag:, path:,
 * config.KEY: (materialized, schema, alias, severity, incremental_strategy,
 * on_schema_change, strategy, tags, enabled), resource_type:, source:
 * (SRC or SRC.TABLE), package:, test_type: (generic|singular), test_name:.
 * Values may hold * ? [..] globs. +X adds X's ancestors, X+ its
 * descendants (N+X and X+N within N steps), @X its descendants and all
 * their ancestors. As dbt's "eager" indirect selection, a test is selected
 * when any node it tests is, unless the exclusion names it.
 * A selector that matches nothing is an error (with a suggestion for a name).
 */
#include "core/mem.h"
#include "models/graph.h"
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sel_ctx {
    const sl_graph *g;
    size_t *child_start, *child; /* reverse edges, CSR */
    const char *flag;            /* "--select" or "--exclude" for messages */
} sel_ctx;

static int glob_eq(const char *pat, const char *s)
{
    return s && fnmatch(pat, s, 0) == 0;
}

static const char *const resource_types[] = {"pipeline", "seed", "model", "snapshot", "test", "analysis", "source"};

/* fqn method: name, or the fqn's leading parts with or without the project */
static int fqn_match(const sl_node *n, const char *value)
{
    if (glob_eq(value, n->name))
        return 1;
    char *parts[64];
    size_t np = 0;
    char *copy = sl_strdup(value);
    for (char *t = strtok(copy, "."); t && np < 64; t = strtok(NULL, "."))
        parts[np++] = t;
    int ok = 0;
    for (size_t off = 0; off <= 1 && !ok; off++) {
        if (np + off > n->fqn.n || np == 0)
            continue;
        ok = 1;
        for (size_t i = 0; i < np && ok; i++)
            ok = glob_eq(parts[i], n->fqn.v[off + i]);
    }
    sl_free(copy);
    return ok;
}

static int path_match(const sl_node *n, const char *value)
{
    if (!n->file)
        return 0;
    char v[4096];
    snprintf(v, sizeof v, "%s", value);
    size_t l = strlen(v);
    while (l > 1 && v[l - 1] == '/')
        v[--l] = 0;
    if (glob_eq(v, n->file))
        return 1;
    size_t fl = strlen(n->file);
    if (fl > l && strncmp(n->file, v, l) == 0 && n->file[l] == '/')
        return 1; /* a folder */
    char dirpat[4200];
    snprintf(dirpat, sizeof dirpat, "%s/*", v);
    return fnmatch(dirpat, n->file, 0) == 0;
}

static int strv_glob(const sl_strv *v, const char *pat)
{
    for (size_t i = 0; i < v->n; i++)
        if (glob_eq(pat, v->v[i]))
            return 1;
    return 0;
}

static int config_match(const sl_node *n, const char *key, const char *value, int *known)
{
    const sl_node_config *c = &n->config;
    *known = 1;
    const char *s = NULL;
    if (strcmp(key, "materialized") == 0) {
        s = c->materialized;
        if (!s)
            s = n->kind == SL_NODE_MODEL ? "view" : n->kind == SL_NODE_SEED ? "seed" : n->kind == SL_NODE_SNAPSHOT ? "snapshot" : n->kind == SL_NODE_TEST ? "test" : NULL;
    } else if (strcmp(key, "schema") == 0) {
        s = c->schema;
    } else if (strcmp(key, "alias") == 0) {
        s = c->alias;
    } else if (strcmp(key, "severity") == 0) {
        s = c->severity ? c->severity : n->kind == SL_NODE_TEST ? "error" : NULL;
    } else if (strcmp(key, "incremental_strategy") == 0) {
        s = c->incremental_strategy;
    } else if (strcmp(key, "on_schema_change") == 0) {
        s = c->on_schema_change;
    } else if (strcmp(key, "strategy") == 0) {
        s = c->strategy;
    } else if (strcmp(key, "tags") == 0) {
        return strv_glob(&c->tags, value);
    } else if (strcmp(key, "unique_key") == 0) {
        return strv_glob(&c->unique_key, value);
    } else if (strcmp(key, "enabled") == 0) {
        return strcmp(value, c->enabled ? "true" : "false") == 0;
    } else if (strcmp(key, "full_refresh") == 0) {
        return strcmp(value, c->full_refresh == 1 ? "true" : "false") == 0;
    } else {
        *known = 0;
        return 0;
    }
    return glob_eq(value, s);
}

/* The nodes one atom (no graph operators) selects, into set. Returns -1
 * with err on an unknown method. */
static int atom(sel_ctx *C, const char *text, uint8_t *set, sl_error *err)
{
    const sl_graph *g = C->g;
    const char *colon = strchr(text, ':');
    char method[64] = "";
    const char *value = text;
    if (colon && (size_t)(colon - text) < sizeof method) {
        memcpy(method, text, (size_t)(colon - text));
        method[colon - text] = 0;
        value = colon + 1;
    }
    if (!*value)
        return sl_error_set(err, SL_EUSAGE, "%s '%s': a value is missing after '%s:'", C->flag, text, method);
    int is_path_like = !*method && (strchr(value, '/') || (strlen(value) > 4 && strcmp(value + strlen(value) - 4, ".sql") == 0));
    const char *cfgkey = strncmp(method, "config.", 7) == 0 ? method + 7 : NULL;
    static const char *const methods[] = {"fqn", "tag", "path", "config.materialized", "resource_type", "source",
                                          "package", "test_type", "test_name", "file"};
    if (*method && !cfgkey) {
        size_t k = 0;
        while (k < sizeof methods / sizeof methods[0] && strcmp(methods[k], method) != 0)
            k++;
        if (k == sizeof methods / sizeof methods[0]) {
            const char *sug = sl_suggest(method, methods, sizeof methods / sizeof methods[0]);
            return sl_error_set(err, SL_EUSAGE, "%s '%s': unknown selector method '%s'%s%s%s", C->flag, text, method,
                                sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
        }
    }
    if (strcmp(method, "resource_type") == 0) {
        size_t k = 0;
        while (k < 7 && strcmp(resource_types[k], value) != 0)
            k++;
        if (k == 7) {
            const char *sug = sl_suggest(value, resource_types, 7);
            return sl_error_set(err, SL_EUSAGE, "%s '%s': unknown resource type '%s'%s%s%s", C->flag, text, value,
                                sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
        }
    }
    for (size_t i = 0; i < g->n; i++) {
        const sl_node *n = &g->nodes[i];
        int hit = 0, known = 1;
        if (cfgkey) {
            hit = config_match(n, cfgkey, value, &known);
            if (!known)
                return sl_error_set(err, SL_EUSAGE, "%s '%s': sluice cannot select on config '%s'", C->flag, text,
                                    cfgkey);
        } else if (!*method) {
            hit = is_path_like ? path_match(n, value) : fqn_match(n, value);
        } else if (strcmp(method, "fqn") == 0) {
            hit = fqn_match(n, value);
        } else if (strcmp(method, "tag") == 0) {
            hit = strv_glob(&n->config.tags, value);
        } else if (strcmp(method, "path") == 0 || strcmp(method, "file") == 0) {
            hit = path_match(n, value);
        } else if (strcmp(method, "resource_type") == 0) {
            hit = strcmp(resource_types[n->kind], value) == 0;
        } else if (strcmp(method, "source") == 0) {
            if (n->kind == SL_NODE_SOURCE) {
                char *full = sl_printf("%s.%s", n->source_name, n->name);
                hit = glob_eq(value, n->source_name) || glob_eq(value, full);
                sl_free(full);
            }
        } else if (strcmp(method, "package") == 0) {
            hit = glob_eq(value, g->name);
        } else if (strcmp(method, "test_type") == 0) {
            hit = n->kind == SL_NODE_TEST && strcmp(value, n->test_name ? "generic" : "singular") == 0;
        } else if (strcmp(method, "test_name") == 0) {
            hit = n->kind == SL_NODE_TEST && glob_eq(value, n->test_name ? n->test_name : n->name);
        }
        if (hit)
            set[i] = 1;
    }
    return 0;
}

/* Walk up (parents) or down (children) from the nodes in set, at most
 * depth steps (-1: no limit), adding what is reached. */
static void walk(const sel_ctx *C, uint8_t *set, int up, long depth)
{
    const sl_graph *g = C->g;
    size_t *front = sl_malloc((g->n + 1) * sizeof *front), nf = 0;
    size_t *next = sl_malloc((g->n + 1) * sizeof *next);
    uint8_t *seen = sl_calloc(g->n + 1, 1);
    for (size_t i = 0; i < g->n; i++)
        if (set[i]) {
            front[nf++] = i;
            seen[i] = 1;
        }
    for (long d = 0; nf && (depth < 0 || d < depth); d++) {
        size_t nn = 0;
        for (size_t k = 0; k < nf; k++) {
            size_t u = front[k];
            size_t cnt = up ? g->nodes[u].ndeps : C->child_start[u + 1] - C->child_start[u];
            for (size_t e = 0; e < cnt; e++) {
                size_t v = up ? g->nodes[u].deps[e] : C->child[C->child_start[u] + e];
                if (!seen[v]) {
                    seen[v] = 1;
                    set[v] = 1;
                    next[nn++] = v;
                }
            }
        }
        memcpy(front, next, nn * sizeof *front);
        nf = nn;
    }
    sl_free(front);
    sl_free(next);
    sl_free(seen);
}

/* The closest node name to a selector that matched nothing. */
static const char *closest(const sl_graph *g, const char *value)
{
    const char **names = sl_calloc(g->n + 1, sizeof *names);
    for (size_t i = 0; i < g->n; i++)
        names[i] = g->nodes[i].name;
    const char *s = sl_suggest(value, names, g->n);
    sl_free(names);
    return s;
}

/* One term with its graph operators. */
static int term(sel_ctx *C, const char *text, uint8_t *set, sl_error *err)
{
    const sl_graph *g = C->g;
    const char *s = text;
    int at = 0;
    long up = 0, down = 0; /* 0 none, -1 unlimited, N steps */
    if (*s == '@') {
        at = 1;
        s++;
    } else if (isdigit((unsigned char)*s)) {
        const char *q = s;
        while (isdigit((unsigned char)*q))
            q++;
        if (*q == '+') {
            up = strtol(s, NULL, 10);
            s = q + 1;
        }
    } else if (*s == '+') {
        up = -1;
        s++;
    }
    char *body = sl_strdup(s);
    size_t l = strlen(body);
    size_t k = l;
    while (k > 0 && isdigit((unsigned char)body[k - 1]))
        k--;
    if (k > 0 && body[k - 1] == '+' && k < l) {
        down = strtol(body + k, NULL, 10);
        body[k - 1] = 0;
    } else if (l > 0 && body[l - 1] == '+') {
        down = -1;
        body[l - 1] = 0;
    }
    if (!*body) {
        sl_free(body);
        return sl_error_set(err, SL_EUSAGE, "%s '%s': no node named around the graph operators", C->flag, text);
    }
    uint8_t *base = sl_calloc(g->n + 1, 1);
    if (atom(C, body, base, err) < 0) {
        sl_free(base);
        sl_free(body);
        return -1;
    }
    size_t hits = 0;
    for (size_t i = 0; i < g->n; i++)
        hits += base[i];
    if (!hits) {
        const char *colon = strchr(body, ':');
        const char *sug = !colon && !strpbrk(body, "*?[") ? closest(g, body) : NULL;
        if (sug)
            sl_error_set(err, SL_EUSAGE, "%s '%s': no node called '%s'; did you mean '%s'?", C->flag, text, body, sug);
        else
            sl_error_set(err, SL_EUSAGE, "%s '%s': matches no node", C->flag, text);
        sl_free(base);
        sl_free(body);
        return -1;
    }
    uint8_t *res = sl_calloc(g->n + 1, 1);
    memcpy(res, base, g->n);
    if (at) {
        uint8_t *desc = sl_calloc(g->n + 1, 1);
        memcpy(desc, base, g->n);
        walk(C, desc, 0, -1);
        memcpy(res, desc, g->n);
        walk(C, res, 1, -1);
        sl_free(desc);
    } else {
        if (up) {
            uint8_t *a = sl_calloc(g->n + 1, 1);
            memcpy(a, base, g->n);
            walk(C, a, 1, up);
            for (size_t i = 0; i < g->n; i++)
                res[i] |= a[i];
            sl_free(a);
        }
        if (down) {
            uint8_t *b = sl_calloc(g->n + 1, 1);
            memcpy(b, base, g->n);
            walk(C, b, 0, down);
            for (size_t i = 0; i < g->n; i++)
                res[i] |= b[i];
            sl_free(b);
        }
    }
    memcpy(set, res, g->n);
    sl_free(res);
    sl_free(base);
    sl_free(body);
    return 0;
}

/* A whole --select or --exclude value: unions of intersections. */
static int expr(sel_ctx *C, const char *text, uint8_t *out, sl_error *err)
{
    const sl_graph *g = C->g;
    char *copy = sl_strdup(text);
    uint8_t *inter = sl_calloc(g->n + 1, 1), *one = sl_calloc(g->n + 1, 1);
    int rc = 0, any = 0;
    char *save1 = NULL;
    for (char *u = strtok_r(copy, " \t\n", &save1); u && rc == 0; u = strtok_r(NULL, " \t\n", &save1)) {
        any = 1;
        char *save2 = NULL;
        int first = 1;
        for (char *t = strtok_r(u, ",", &save2); t && rc == 0; t = strtok_r(NULL, ",", &save2)) {
            memset(one, 0, g->n + 1);
            rc = term(C, t, one, err);
            for (size_t i = 0; i < g->n && rc == 0; i++)
                inter[i] = first ? one[i] : (uint8_t)(inter[i] & one[i]);
            first = 0;
        }
        for (size_t i = 0; i < g->n && rc == 0; i++)
            out[i] |= inter[i];
    }
    if (!any && rc == 0)
        rc = sl_error_set(err, SL_EUSAGE, "%s is empty", C->flag);
    sl_free(inter);
    sl_free(one);
    sl_free(copy);
    return rc;
}

int sl_graph_select(const sl_graph *g, const char *select, const char *exclude, uint8_t *sel, sl_error *err)
{
    sel_ctx C = {g, NULL, NULL, "--select"};
    size_t total = 0;
    C.child_start = sl_calloc(g->n + 2, sizeof *C.child_start);
    for (size_t i = 0; i < g->n; i++)
        for (size_t k = 0; k < g->nodes[i].ndeps; k++)
            C.child_start[g->nodes[i].deps[k] + 1]++;
    for (size_t i = 0; i < g->n; i++)
        C.child_start[i + 1] += C.child_start[i];
    total = C.child_start[g->n];
    C.child = sl_malloc((total + 1) * sizeof *C.child);
    size_t *fill = sl_calloc(g->n + 1, sizeof *fill);
    for (size_t i = 0; i < g->n; i++)
        for (size_t k = 0; k < g->nodes[i].ndeps; k++) {
            size_t u = g->nodes[i].deps[k];
            C.child[C.child_start[u] + fill[u]++] = i;
        }
    sl_free(fill);
    int rc = 0;
    memset(sel, 0, g->n);
    if (select)
        rc = expr(&C, select, sel, err);
    else
        memset(sel, 1, g->n);
    uint8_t *ex = sl_calloc(g->n + 1, 1);
    if (rc == 0 && exclude) {
        C.flag = "--exclude";
        rc = expr(&C, exclude, ex, err);
    }
    if (rc == 0) {
        for (size_t i = 0; i < g->n; i++)
            if (ex[i])
                sel[i] = 0;
        /* eager indirect selection: a test goes with any node it tests */
        for (size_t i = 0; select && i < g->n; i++) {
            const sl_node *n = &g->nodes[i];
            if (n->kind != SL_NODE_TEST || sel[i] || ex[i])
                continue;
            for (size_t k = 0; k < n->ndeps; k++)
                if (sel[n->deps[k]]) {
                    sel[i] = 1;
                    break;
                }
        }
    }
    if (rc != 0)
        memset(sel, 0, g->n);
    sl_free(ex);
    sl_free(C.child_start);
    sl_free(C.child);
    return rc;
}
