/*
 * graph_link.c: the edges of a project's graph once its nodes are loaded
 * and sorted (graph.c): each node's relation, ref()/source()/after: targets
 * resolved to indexes (unknown names with the closest one, disabled
 * upstreams), the links between pipelines and models (a source table a
 * pipeline loads, a pipeline reading a model's table), and the cycle check
 * naming a cycle node by node; also sl_graph_find and sl_graph_order.
 */
#include "models/graph_int.h"
#include "core/mem.h"
#include "models/compile.h"
#include "models/config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add_edge(sl_node *n, size_t to)
{
    for (size_t i = 0; i < n->ndeps; i++)
        if (n->deps[i] == to)
            return;
    n->deps = sl_realloc(n->deps, (n->ndeps + 1) * sizeof *n->deps);
    n->deps[n->ndeps++] = to;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

int64_t sl_graph_find(const sl_graph *g, const char *name)
{
    size_t lo = 0, hi = g->n;
    while (lo < hi) { /* by unique_id: the array is sorted by it */
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(g->nodes[mid].unique_id, name);
        if (c == 0)
            return (int64_t)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    static const char *const kinds[] = {"model", "seed", "snapshot", "pipeline"};
    for (size_t k = 0; k < 4; k++) {
        char *uid = sl_printf("%s.%s.%s", kinds[k], g->name, name);
        lo = 0;
        hi = g->n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int c = strcmp(g->nodes[mid].unique_id, uid);
            if (c == 0) {
                sl_free(uid);
                return (int64_t)mid;
            }
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        sl_free(uid);
    }
    return -1;
}

/* Candidates for a suggestion: the names of nodes of the given kinds. */
static const char *suggest_name(const sl_graph *g, const char *name, unsigned kinds_mask)
{
    const char **names = sl_calloc(g->n + 1, sizeof *names);
    size_t n = 0;
    for (size_t i = 0; i < g->n; i++)
        if (kinds_mask & (1u << g->nodes[i].kind))
            names[n++] = g->nodes[i].name;
    const char *s = sl_suggest(name, names, n);
    sl_free(names);
    return s;
}

#define BUILT ((1u << SL_NODE_MODEL) | (1u << SL_NODE_SEED) | (1u << SL_NODE_SNAPSHOT) | (1u << SL_NODE_PIPELINE))

static int is_disabled(const sl_strv *disabled, const char *uid)
{
    return sl_strv_has(disabled, uid);
}

static void resolve_deps(sl_gload *L, const sl_strv *disabled)
{
    sl_graph *g = L->g;
    for (size_t i = 0; i < L->ndeps; i++) {
        sl_pdep *pd = &L->deps[i];
        sl_node *n = &g->nodes[pd->from];
        sl_loc loc = {pd->file, pd->line, pd->col};
        int64_t to = -1;
        if (pd->kind == SL_PDEP_UID) {
            to = sl_graph_find(g, pd->name);
        } else if (pd->kind == SL_PDEP_SOURCE) {
            char *uid = sl_printf("source.%s.%s.%s", g->name, pd->source_name, pd->name);
            to = sl_graph_find(g, uid);
            if (to < 0 && is_disabled(disabled, uid)) {
                sl_diags_add(L->d, loc, "source('%s', '%s'): that source table is disabled", pd->source_name,
                             pd->name);
            } else if (to < 0) {
                /* the closest "source.table" */
                sl_strv cands = {0};
                for (size_t j = 0; j < g->n; j++)
                    if (g->nodes[j].kind == SL_NODE_SOURCE) {
                        char *c = sl_printf("%s.%s", g->nodes[j].source_name, g->nodes[j].name);
                        sl_strv_push(&cands, c);
                        sl_free(c);
                    }
                char *want = sl_printf("%s.%s", pd->source_name, pd->name);
                const char *sug = sl_suggest(want, (const char *const *)cands.v, cands.n);
                if (sug) {
                    const char *dot = strchr(sug, '.');
                    sl_diags_add(L->d, loc, "source('%s', '%s'): no such source table; did you mean source('%.*s', '%s')?",
                                 pd->source_name, pd->name, (int)(dot - sug), sug, dot + 1);
                } else {
                    sl_diags_add(L->d, loc, "source('%s', '%s'): no such source table (declare it under sources: in a "
                                            "properties file)", pd->source_name, pd->name);
                }
                sl_free(want);
                sl_strv_release(&cands);
            }
            sl_free(uid);
        } else {
            int ref = pd->kind == SL_PDEP_REF;
            if (ref && pd->package && strcmp(pd->package, g->name) != 0) {
                sl_diags_add(L->d, loc, "ref('%s', '%s'): no project or package called '%s' (packages are not "
                                        "supported)", pd->package, pd->name, pd->package);
                continue;
            }
            to = -1;
            if (!ref) { /* after: a pipeline first, as it always meant */
                char *uid = sl_printf("pipeline.%s.%s", g->name, pd->name);
                to = sl_graph_find(g, uid);
                sl_free(uid);
            }
            if (to < 0)
                to = sl_graph_find(g, pd->name);
            if (to >= 0 && !(BUILT & (1u << g->nodes[to].kind)))
                to = -1;
            const char *what = ref ? "ref" : "after:";
            if (to < 0) {
                int dis = 0;
                static const char *const kinds[] = {"model", "seed", "snapshot", "pipeline"};
                for (size_t k = 0; k < 4 && !dis; k++) {
                    char *uid = sl_printf("%s.%s.%s", kinds[k], g->name, pd->name);
                    dis = is_disabled(disabled, uid);
                    sl_free(uid);
                }
                const char *sug = dis ? NULL : suggest_name(g, pd->name, BUILT);
                if (dis)
                    sl_diags_add(L->d, loc, "%s%s'%s'%s: that node is disabled (enabled: false)", what, ref ? "(" : " ",
                                 pd->name, ref ? ")" : "");
                else if (sug)
                    sl_diags_add(L->d, loc, "%s%s'%s'%s: no model, seed, snapshot or pipeline called '%s'; did you mean '%s'?",
                                 what, ref ? "(" : " ", pd->name, ref ? ")" : "", pd->name, sug);
                else
                    sl_diags_add(L->d, loc, "%s%s'%s'%s: no model, seed, snapshot or pipeline called '%s'", what,
                                 ref ? "(" : " ", pd->name, ref ? ")" : "", pd->name);
            }
        }
        if (to >= 0 && (size_t)to != pd->from)
            add_edge(n, (size_t)to);
        else if (to >= 0 && pd->kind != SL_PDEP_UID)
            sl_diags_add(L->d, loc, "%s refers to itself", n->unique_id);
    }
}

/* The identifier-like words of SQL text, for "does this query read that table". */
static int reads_word(const char *sql, const char *word)
{
    size_t wl = strlen(word);
    for (const char *q = sql; (q = strstr(q, word)) != NULL; q++) {
        char b = q > sql ? q[-1] : ' ', a = q[wl];
        int lb = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '_';
        int la = (a >= 'a' && a <= 'z') || (a >= 'A' && a <= 'Z') || (a >= '0' && a <= '9') || a == '_';
        if (!lb && !la)
            return 1;
    }
    return 0;
}

/* Pipelines and models in one DAG: a source table a pipeline loads runs
 * after that pipeline; a pipeline whose SQL source reads a model's (seed's,
 * snapshot's) table runs after it. */
static void pipeline_edges(sl_graph *g)
{
    for (size_t i = 0; i < g->n; i++) {
        sl_node *pn = &g->nodes[i];
        if (pn->kind != SL_NODE_PIPELINE)
            continue;
        if (pn->identifier)
            for (size_t j = 0; j < g->n; j++) {
                sl_node *s = &g->nodes[j];
                if (s->kind != SL_NODE_SOURCE || strcmp(s->identifier ? s->identifier : s->name, pn->identifier) != 0)
                    continue;
                if (g->project->warehouse_url && pn->schema && s->schema && strcmp(pn->schema, s->schema) != 0)
                    continue;
                add_edge(s, i);
            }
        /* a lookup transform reads the warehouse: after the table it reads */
        for (size_t t = 0; t < pn->pipeline->ntransforms; t++) {
            const sl_instance *tr = &pn->pipeline->transforms[t];
            if (strcmp(tr->type, "lookup") != 0)
                continue;
            const sl_option *to = SL_TRANSFORM(tr)->options;
            const char *from = sl_options_string(to, tr->opts, "from"), *lq = sl_options_string(to, tr->opts, "query");
            for (size_t j = 0; j < g->n; j++) {
                sl_node *m = &g->nodes[j];
                if (j == i || (m->kind != SL_NODE_MODEL && m->kind != SL_NODE_SEED && m->kind != SL_NODE_SNAPSHOT &&
                               m->kind != SL_NODE_PIPELINE))
                    continue;
                if (m->config.materialized && strcmp(m->config.materialized, "ephemeral") == 0)
                    continue;
                const char *id = m->identifier ? m->identifier : m->name;
                if (m->kind == SL_NODE_PIPELINE && !m->identifier)
                    continue;
                if ((from && strcmp(from, id) == 0) || (lq && *lq && reads_word(lq, id)))
                    add_edge(pn, j);
            }
        }
        const sl_instance *src = &pn->pipeline->source;
        int sq = strcmp(src->type, "sqlite") == 0, pg = strcmp(src->type, "postgres") == 0;
        if (!sq && !pg)
            continue;
        const sl_option *t = SL_SOURCE(src)->options;
        const char *other = sl_options_string(t, src->opts, sq ? "path" : "url");
        if (other && *other)
            continue;
        const char *table = sl_options_string(t, src->opts, "table"), *query = sl_options_string(t, src->opts, "query");
        for (size_t j = 0; j < g->n; j++) {
            sl_node *m = &g->nodes[j];
            if (m->kind != SL_NODE_MODEL && m->kind != SL_NODE_SEED && m->kind != SL_NODE_SNAPSHOT)
                continue;
            if (m->config.materialized && strcmp(m->config.materialized, "ephemeral") == 0)
                continue;
            const char *id = m->identifier ? m->identifier : m->name;
            if ((table && strcmp(table, id) == 0) || (query && *query && reads_word(query, id)))
                add_edge(pn, j);
        }
    }
}

/* Where a node lives: models, seeds and snapshots through compile.h's
 * sl_compile_relation (the project's generate_schema_name and
 * generate_alias_name macros, else dbt's default rules); a test or an
 * analysis by its alias or name; a source by its identifier. */
static void relations(sl_gload *L)
{
    sl_graph *g = L->g;
    for (size_t i = 0; i < g->n; i++) {
        sl_node *n = &g->nodes[i];
        if (n->kind == SL_NODE_SOURCE) {
            if (!n->identifier)
                n->identifier = sl_strdup(n->name);
            continue;
        }
        if (n->kind != SL_NODE_MODEL && n->kind != SL_NODE_SEED && n->kind != SL_NODE_SNAPSHOT &&
            n->kind != SL_NODE_TEST && n->kind != SL_NODE_ANALYSIS)
            continue;
        if (n->kind == SL_NODE_TEST || n->kind == SL_NODE_ANALYSIS) {
            sl_free(n->identifier);
            n->identifier = sl_strdup(n->config.alias ? n->config.alias : n->name);
            continue;
        }
        sl_error err = {0};
        if (sl_compile_relation(g, i, &err) < 0) {
            char *abs = sl_project_path(L->p, n->file);
            sl_loc loc = {abs, n->raw_line, n->raw_col};
            sl_diags_add(L->d, loc, "%s", err.msg);
            sl_free(abs);
        }
    }
}

/* Cycles, named node by node (upstream first). Returns how many. */
static int find_cycles(sl_gload *L)
{
    sl_graph *g = L->g;
    uint8_t *placed = sl_calloc(g->n + 1, 1);
    /* Kahn's algorithm: what it cannot place is on or behind a cycle */
    size_t *indeg = sl_calloc(g->n + 1, sizeof *indeg);
    for (size_t i = 0; i < g->n; i++)
        indeg[i] = g->nodes[i].ndeps;
    size_t *rev_n = sl_calloc(g->n + 1, sizeof *rev_n);
    for (size_t i = 0; i < g->n; i++)
        for (size_t k = 0; k < g->nodes[i].ndeps; k++)
            rev_n[g->nodes[i].deps[k]]++;
    size_t **rev = sl_calloc(g->n + 1, sizeof *rev);
    size_t *fill = sl_calloc(g->n + 1, sizeof *fill);
    for (size_t i = 0; i < g->n; i++)
        rev[i] = sl_malloc((rev_n[i] + 1) * sizeof **rev);
    for (size_t i = 0; i < g->n; i++)
        for (size_t k = 0; k < g->nodes[i].ndeps; k++) {
            size_t u = g->nodes[i].deps[k];
            rev[u][fill[u]++] = i;
        }
    size_t *queue = sl_malloc((g->n + 1) * sizeof *queue), qh = 0, qt = 0;
    for (size_t i = 0; i < g->n; i++)
        if (!indeg[i])
            queue[qt++] = i;
    while (qh < qt) {
        size_t u = queue[qh++];
        placed[u] = 1;
        for (size_t k = 0; k < rev_n[u]; k++)
            if (--indeg[rev[u][k]] == 0)
                queue[qt++] = rev[u][k];
    }
    int found = 0;
    uint8_t *reported = sl_calloc(g->n + 1, 1);
    for (size_t s = 0; s < g->n; s++) {
        if (placed[s] || reported[s])
            continue;
        /* walk upstream through unplaced nodes until one repeats */
        size_t *path = sl_malloc((g->n + 1) * sizeof *path), len = 0;
        size_t *pos = sl_malloc((g->n + 1) * sizeof *pos);
        for (size_t i = 0; i < g->n; i++)
            pos[i] = (size_t)-1;
        size_t cur = s;
        while (pos[cur] == (size_t)-1) {
            pos[cur] = len;
            path[len++] = cur;
            size_t next = cur;
            for (size_t k = 0; k < g->nodes[cur].ndeps; k++)
                if (!placed[g->nodes[cur].deps[k]]) {
                    next = g->nodes[cur].deps[k];
                    break;
                }
            cur = next;
        }
        /* path[pos[cur]..len-1] is the cycle, each one depending on the next:
         * print upstream first */
        int already = 0;
        for (size_t k = pos[cur]; k < len; k++)
            already |= reported[path[k]];
        if (!already) {
            /* upstream first, starting at the smallest unique_id */
            size_t clen = len - pos[cur], *cyc = sl_malloc((clen + 1) * sizeof *cyc), first = 0;
            for (size_t k = 0; k < clen; k++) {
                cyc[k] = path[len - 1 - k];
                if (cyc[k] < cyc[first])
                    first = k;
            }
            sl_buf b;
            sl_buf_init(&b);
            for (size_t k = 0; k < clen; k++) {
                sl_buf_addf(&b, "%s -> ", g->nodes[cyc[(first + k) % clen]].unique_id);
                reported[cyc[k]] = 1;
            }
            sl_buf_adds(&b, g->nodes[cyc[first]].unique_id);
            /* at the reference that closes it: the first node's to the last */
            size_t last = cyc[first], up = cyc[(first + clen - 1) % clen];
            sl_free(cyc);
            char *abs = sl_project_path(L->p, g->nodes[last].file);
            sl_loc loc = {abs, 1, 1};
            for (size_t i = 0; i < L->ndeps; i++)
                if (L->deps[i].from == last && L->deps[i].line > 0 &&
                    sl_graph_find(g, L->deps[i].name) == (int64_t)up) {
                    loc.file = L->deps[i].file;
                    loc.line = L->deps[i].line;
                    loc.col = L->deps[i].col;
                    break;
                }
            sl_diags_add(L->d, loc, "dependency cycle: %s", b.data);
            sl_free(abs);
            sl_buf_release(&b);
            found++;
        }
        for (size_t k = 0; k < len; k++)
            reported[path[k]] = 1;
        sl_free(path);
        sl_free(pos);
    }
    for (size_t i = 0; i < g->n; i++)
        sl_free(rev[i]);
    sl_free(rev);
    sl_free(rev_n);
    sl_free(fill);
    sl_free(queue);
    sl_free(indeg);
    sl_free(placed);
    sl_free(reported);
    return found;
}


/* Kahn's algorithm with a min-heap of ready nodes: upstreams first, ties
 * by unique_id (the array's order). Nodes on a cycle (load refuses those)
 * come last in index order. */
void sl_graph_order(const sl_graph *g, size_t *order)
{
    size_t n = g->n, done = 0;
    size_t *indeg = sl_calloc(n + 1, sizeof *indeg), *rev_n = sl_calloc(n + 1, sizeof *rev_n);
    for (size_t i = 0; i < n; i++) {
        indeg[i] = g->nodes[i].ndeps;
        for (size_t k = 0; k < g->nodes[i].ndeps; k++)
            rev_n[g->nodes[i].deps[k]]++;
    }
    size_t *start = sl_calloc(n + 1, sizeof *start), *adj = sl_malloc((n ? n : 1) * sizeof *adj), total = 0;
    for (size_t i = 0; i < n; i++) {
        start[i] = total;
        total += rev_n[i];
    }
    start[n] = total;
    adj = sl_realloc(adj, (total + 1) * sizeof *adj);
    size_t *fill = sl_calloc(n + 1, sizeof *fill);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < g->nodes[i].ndeps; k++) {
            size_t u = g->nodes[i].deps[k];
            adj[start[u] + fill[u]++] = i;
        }
    size_t *heap = sl_malloc((n + 1) * sizeof *heap), hn = 0;
#define HPUSH(x)                                                                                                       \
    do {                                                                                                               \
        size_t c_ = hn++;                                                                                              \
        heap[c_] = (x);                                                                                                \
        while (c_ && heap[(c_ - 1) / 2] > heap[c_]) {                                                                  \
            size_t t_ = heap[c_];                                                                                      \
            heap[c_] = heap[(c_ - 1) / 2];                                                                             \
            heap[(c_ - 1) / 2] = t_;                                                                                   \
            c_ = (c_ - 1) / 2;                                                                                         \
        }                                                                                                              \
    } while (0)
    for (size_t i = 0; i < n; i++)
        if (!indeg[i])
            HPUSH(i);
    uint8_t *placed = sl_calloc(n + 1, 1);
    while (hn) {
        size_t u = heap[0];
        heap[0] = heap[--hn];
        for (size_t c = 0;;) {
            size_t l = 2 * c + 1, r = l + 1, m = c;
            if (l < hn && heap[l] < heap[m])
                m = l;
            if (r < hn && heap[r] < heap[m])
                m = r;
            if (m == c)
                break;
            size_t t = heap[c];
            heap[c] = heap[m];
            heap[m] = t;
            c = m;
        }
        order[done++] = u;
        placed[u] = 1;
        for (size_t k = start[u]; k < start[u + 1]; k++)
            if (--indeg[adj[k]] == 0)
                HPUSH(adj[k]);
    }
#undef HPUSH
    for (size_t i = 0; i < n && done < n; i++)
        if (!placed[i])
            order[done++] = i;
    sl_free(placed);
    sl_free(heap);
    sl_free(fill);
    sl_free(adj);
    sl_free(start);
    sl_free(rev_n);
    sl_free(indeg);
}

void sl_gload_link(sl_gload *L, const sl_strv *disabled, int check_cycles)
{
    sl_graph *g = L->g;
    relations(L);
    resolve_deps(L, disabled);
    pipeline_edges(g);
    for (size_t i = 0; i < g->n; i++)
        if (g->nodes[i].ndeps)
            qsort(g->nodes[i].deps, g->nodes[i].ndeps, sizeof *g->nodes[i].deps, cmp_size);
    if (check_cycles)
        find_cycles(L);
}
