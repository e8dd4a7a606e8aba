/*
 * graph.c: loading a project's one DAG (graph.h): the files under the
 * project's folders become nodes (models, analyses, singular tests, seeds,
 * snapshot blocks; properties files through props.c; pipelines from the
 * sl_project), each with its config resolved (project tree, properties,
 * then the template's own config() through compile.h's parse mode); then
 * the edges: ref()/source() calls, generic tests to what they test, the
 * links between pipelines and models (a source table a pipeline loads, a
 * pipeline reading a model's table, after: both ways), and the checks:
 * unknown refs (with the closest name), disabled upstreams, cycles named
 * node by node, which graph_link.c draws and checks (sl_gload_link).
 */
#include "models/graph_int.h"
#include "models/mtype.h"
#include "config/yaml.h"
#include "core/mem.h"
#include "models/compile.h"
#include "models/config.h"
#include "quality/check.h"
#include "sched/schedule.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *sl_node_kind_word(sl_node_kind k)
{
    static const char *const w[] = {"pipeline", "seed", "model", "snapshot", "test", "analysis", "source"};
    return (unsigned)k < sizeof w / sizeof w[0] ? w[k] : "node";
}

/* ---- building ---------------------------------------------------------- */

static const char *uid_of(const void *ctx, size_t k, size_t *n)
{
    const sl_graph *g = ctx;
    *n = strlen(g->nodes[k].unique_id);
    return g->nodes[k].unique_id;
}

long sl_gload_find(const sl_gload *L, const char *uid)
{
    return sl_nameidx_find(&L->uid, uid, strlen(uid), uid_of, L->g);
}

sl_node *sl_gload_add(sl_gload *L, sl_node_kind kind, const char *name, const char *file, const sl_strv *dirs,
                      const char *uid_override)
{
    sl_graph *g = L->g;
    char *uid = uid_override ? sl_strdup(uid_override) : sl_printf("%s.%s.%s", sl_node_kind_word(kind), g->name, name);
    if (sl_gload_find(L, uid) >= 0) {
        sl_free(uid);
        return NULL;
    }
    if (g->n == L->cap) {
        size_t old = L->cap;
        SL_GROW(g->nodes, L->cap, g->n + 1);
        L->attached = sl_realloc(L->attached, L->cap * sizeof *L->attached);
        memset(L->attached + old, 0, (L->cap - old) * sizeof *L->attached);
    }
    sl_node *n = &g->nodes[g->n];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->name = sl_strdup(name);
    n->unique_id = uid;
    n->file = sl_strdup(file);
    n->attached = (size_t)-1;
    n->raw_line = n->raw_col = 1;
    sl_strv_push(&n->fqn, g->name);
    for (size_t i = 0; dirs && i < dirs->n; i++)
        sl_strv_push(&n->fqn, dirs->v[i]);
    sl_strv_push(&n->fqn, name);
    sl_node_config_init(&n->config);
    int tree = kind == SL_NODE_MODEL || kind == SL_NODE_ANALYSIS ? SL_TREE_MODELS
               : kind == SL_NODE_SEED                             ? SL_TREE_SEEDS
               : kind == SL_NODE_SNAPSHOT                         ? SL_TREE_SNAPSHOTS
               : kind == SL_NODE_TEST                             ? SL_TREE_TESTS
               : kind == SL_NODE_SOURCE                           ? SL_TREE_SOURCES
                                                                  : -1;
    if (tree >= 0 && L->p->trees[tree].node)
        sl_config_apply_tree(&n->config, L->p->trees[tree].node, L->p->trees[tree].file, &n->fqn);
    sl_nameidx_add(&L->uid, uid, strlen(uid), g->n, uid_of, g);
    g->n++;
    return n;
}

void sl_gload_dep(sl_gload *L, sl_pdep_kind kind, size_t from, const char *package, const char *name,
                  const char *source_name, const char *file, int line, int col)
{
    SL_GROW(L->deps, L->capdeps, L->ndeps + 1);
    sl_pdep *p = &L->deps[L->ndeps++];
    p->kind = kind;
    p->from = from;
    p->package = package ? sl_strdup(package) : NULL;
    p->name = sl_strdup(name);
    p->source_name = source_name ? sl_strdup(source_name) : NULL;
    p->file = sl_strdup(file ? file : "");
    p->line = line;
    p->col = col;
}

static char *read_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    sl_buf b;
    sl_buf_init(&b);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        sl_buf_add(&b, chunk, n);
    fclose(f);
    if (!b.data)
        sl_buf_adds(&b, "");
    *len = b.len;
    return sl_buf_detach(&b);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file under dir (relative path rel) ending in ext, sorted, as
 * project-relative paths. */
static void walk(const char *projdir, const char *rel, const char *ext, sl_strv *out, int depth)
{
    if (depth > 64)
        return;
    char *abs = sl_printf("%s/%s", projdir, rel);
    DIR *dh = opendir(abs);
    if (!dh) {
        sl_free(abs);
        return;
    }
    sl_strv names = {0};
    /* each name with its type as a last character: 'd' a folder, 'f' a
     * file, '?' ask stat (walk_paths sorts the files found afterwards) */
    struct dirent *e;
    while ((e = readdir(dh)) != NULL)
        if (e->d_name[0] != '.') {
            char *tagged = sl_printf("%s%c", e->d_name,
                                     e->d_type == DT_DIR ? 'd' : e->d_type == DT_REG ? 'f' : '?');
            sl_strv_push(&names, tagged);
            sl_free(tagged);
        }
    closedir(dh);
    if (names.n)
        qsort(names.v, names.n, sizeof *names.v, cmp_str);
    for (size_t i = 0; i < names.n; i++) {
        size_t tl = strlen(names.v[i]);
        char type = names.v[i][tl - 1];
        names.v[i][tl - 1] = 0;
        char *child = sl_printf("%s/%s", rel, names.v[i]);
        char *cabs = sl_printf("%s/%s", abs, names.v[i]);
        struct stat st;
        if (type == 'd' || (type == '?' && stat(cabs, &st) == 0 && S_ISDIR(st.st_mode))) {
            walk(projdir, child, ext, out, depth + 1);
        } else {
            size_t nl = strlen(names.v[i]), el = strlen(ext);
            if (nl > el && strcmp(names.v[i] + nl - el, ext) == 0)
                sl_strv_push(out, child);
        }
        sl_free(child);
        sl_free(cabs);
    }
    sl_strv_release(&names);
    sl_free(abs);
}

/* Files under every folder of paths ending in ext (each once). */
static void walk_paths(const sl_project *p, const sl_strlist *paths, const char *ext, sl_strv *out)
{
    for (size_t i = 0; i < paths->n; i++)
        walk(p->dir, paths->v[i], ext, out, 0);
    if (out->n) /* qsort's base may not be NULL */
        qsort(out->v, out->n, sizeof *out->v, cmp_str);
    size_t w = 0;
    for (size_t i = 0; i < out->n; i++) {
        if (w && strcmp(out->v[w - 1], out->v[i]) == 0) {
            sl_free(out->v[i]);
            continue;
        }
        out->v[w++] = out->v[i];
    }
    out->n = w;
}

/* The resource path a file is under (its first folder[s]), the folders
 * between it and the file, and the file's stem. */
static void split_path(const sl_strlist *paths, const char *rel, sl_strv *dirs, char **stem)
{
    size_t skip = 0;
    for (size_t i = 0; i < paths->n; i++) {
        size_t l = strlen(paths->v[i]);
        if (strncmp(rel, paths->v[i], l) == 0 && rel[l] == '/' && l + 1 > skip)
            skip = l + 1;
    }
    const char *q = rel + skip, *e;
    while ((e = strchr(q, '/')) != NULL) {
        char *dir = sl_strndup(q, (size_t)(e - q));
        sl_strv_push(dirs, dir);
        sl_free(dir);
        q = e + 1;
    }
    const char *dot = strrchr(q, '.');
    *stem = sl_strndup(q, dot ? (size_t)(dot - q) : strlen(q));
}

static int valid_node_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
              *s == '-'))
            return 0;
    return 1;
}

/* A node per file of paths (models, analyses, singular tests). */
static void load_sql_files(sl_gload *L, const sl_strlist *paths, sl_node_kind kind, const char *what)
{
    sl_strv files = {0};
    walk_paths(L->p, paths, ".sql", &files);
    for (size_t i = 0; i < files.n; i++) {
        sl_strv dirs = {0};
        char *stem;
        split_path(paths, files.v[i], &dirs, &stem);
        char *abs = sl_project_path(L->p, files.v[i]);
        sl_loc loc = {abs, 1, 1};
        if (kind == SL_NODE_TEST && dirs.n && strcmp(dirs.v[0], "generic") == 0) {
            /* tests/generic/: generic test macros (compile.c loads them) */
        } else if (!valid_node_name(stem)) {
            sl_diags_add(L->d, loc, "%s file name '%s' may only hold letters, digits, '_' and '-'", what, stem);
        } else {
            size_t len;
            char *text = read_text(abs, &len);
            sl_node *n = text ? sl_gload_add(L, kind, stem, files.v[i], &dirs, NULL) : NULL;
            if (!text) {
                sl_diags_add(L->d, loc, "cannot read this file");
            } else if (!n) {
                char *uid = sl_printf("%s.%s.%s", sl_node_kind_word(kind), L->g->name, stem);
                long j = sl_gload_find(L, uid);
                sl_free(uid);
                sl_diags_add(L->d, loc, "two %ss are called '%s': %s and %s", what, stem,
                             j >= 0 ? L->g->nodes[j].file : "?", files.v[i]);
                sl_free(text);
            } else {
                n->raw = text;
            }
        }
        sl_free(abs);
        sl_free(stem);
        sl_strv_release(&dirs);
    }
    sl_strv_release(&files);
}

static void refuse_python_models(sl_gload *L)
{
    sl_strv files = {0};
    walk_paths(L->p, &L->p->model_paths, ".py", &files);
    for (size_t i = 0; i < files.n; i++) {
        char *abs = sl_project_path(L->p, files.v[i]);
        sl_loc loc = {abs, 1, 1};
        sl_diags_add(L->d, loc, "Python models are not supported");
        sl_free(abs);
    }
    sl_strv_release(&files);
}

static void load_seeds(sl_gload *L)
{
    sl_strv files = {0};
    walk_paths(L->p, &L->p->seed_paths, ".csv", &files);
    for (size_t i = 0; i < files.n; i++) {
        sl_strv dirs = {0};
        char *stem;
        split_path(&L->p->seed_paths, files.v[i], &dirs, &stem);
        char *abs = sl_project_path(L->p, files.v[i]);
        sl_loc loc = {abs, 1, 1};
        if (!valid_node_name(stem))
            sl_diags_add(L->d, loc, "seed file name '%s' may only hold letters, digits, '_' and '-'", stem);
        else if (!sl_gload_add(L, SL_NODE_SEED, stem, files.v[i], &dirs, NULL))
            sl_diags_add(L->d, loc, "two seeds are called '%s'", stem);
        sl_free(abs);
        sl_free(stem);
        sl_strv_release(&dirs);
    }
    sl_strv_release(&files);
}

/* "{%-? word" at s: the position after the word and its spaces, or NULL. */
static const char *tag_open(const char *s, const char *word)
{
    if (s[0] != '{' || s[1] != '%')
        return NULL;
    s += 2;
    if (*s == '-')
        s++;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    size_t n = strlen(word);
    if (strncmp(s, word, n) != 0 || !(s[n] == ' ' || s[n] == '\t' || s[n] == '\n' || s[n] == '-' || s[n] == '%'))
        return NULL;
    s += n;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    return s;
}

static void line_col(const char *text, const char *at, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (const char *q = text; q < at; q++) {
        if (*q == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* snapshots/: each {% snapshot NAME %} ... {% endsnapshot %} block is a node. */
static void load_snapshots(sl_gload *L)
{
    sl_strv files = {0};
    walk_paths(L->p, &L->p->snapshot_paths, ".sql", &files);
    for (size_t i = 0; i < files.n; i++) {
        sl_strv dirs = {0};
        char *stem;
        split_path(&L->p->snapshot_paths, files.v[i], &dirs, &stem);
        char *abs = sl_project_path(L->p, files.v[i]);
        size_t len;
        char *text = read_text(abs, &len);
        for (const char *q = text; q && (q = strstr(q, "{%")) != NULL;) {
            const char *a = tag_open(q, "snapshot");
            if (!a) {
                q += 2;
                continue;
            }
            const char *ne = a;
            while ((*ne >= 'a' && *ne <= 'z') || (*ne >= 'A' && *ne <= 'Z') || (*ne >= '0' && *ne <= '9') || *ne == '_')
                ne++;
            const char *close = strstr(ne, "%}");
            int line, col;
            line_col(text, q, &line, &col);
            sl_loc loc = {abs, line, col};
            if (ne == a || !close) {
                sl_diags_add(L->d, loc, "a snapshot block is {%% snapshot NAME %%} ... {%% endsnapshot %%}");
                break;
            }
            char *name = sl_strndup(a, (size_t)(ne - a));
            const char *body = close + 2, *end = body;
            while ((end = strstr(end, "{%")) != NULL && !tag_open(end, "endsnapshot"))
                end += 2;
            if (!end) {
                sl_diags_add(L->d, loc, "snapshot '%s' has no {%% endsnapshot %%}", name);
                sl_free(name);
                break;
            }
            sl_node *n = sl_gload_add(L, SL_NODE_SNAPSHOT, name, files.v[i], &dirs, NULL);
            if (!n) {
                sl_diags_add(L->d, loc, "two snapshots are called '%s'", name);
            } else {
                n->raw = sl_strndup(body, (size_t)(end - body));
                line_col(text, body, &n->raw_line, &n->raw_col);
            }
            sl_free(name);
            const char *after = strstr(end, "%}");
            q = after ? after + 2 : end + 2;
        }
        sl_free(text);
        sl_free(abs);
        sl_free(stem);
        sl_strv_release(&dirs);
    }
    sl_strv_release(&files);
}

static void load_props(sl_gload *L)
{
    const sl_project *p = L->p;
    const sl_strlist *lists[] = {&p->model_paths,    &p->seed_paths, &p->snapshot_paths,
                                 &p->analysis_paths, &p->macro_paths, &p->test_paths};
    sl_strlist all = {0};
    size_t n = 0;
    for (size_t i = 0; i < 6; i++)
        n += lists[i]->n;
    all.v = sl_calloc(n + 1, sizeof *all.v);
    for (size_t i = 0; i < 6; i++)
        for (size_t j = 0; j < lists[i]->n; j++)
            all.v[all.n++] = lists[i]->v[j];
    sl_strv files = {0}, yaml = {0};
    walk_paths(p, &all, ".yml", &files);
    walk_paths(p, &all, ".yaml", &yaml);
    for (size_t i = 0; i < yaml.n; i++)
        sl_strv_push(&files, yaml.v[i]);
    /* typed models first: properties files may describe them */
    for (size_t i = 0; i < files.n; i++)
        sl_mtype_scan(L, files.v[i], L->d);
    for (size_t i = 0; i < files.n; i++)
        sl_props_load(L, files.v[i], L->d);
    sl_strv_release(&files);
    sl_strv_release(&yaml);
    sl_free(all.v);
}

/* The SQL warehouse table a pipeline loads (its first sqlite/postgres sink
 * writing to the project's warehouse), or NULL. */
static const char *pipeline_table(const sl_pipeline *pl, const char **schema)
{
    *schema = NULL;
    for (size_t i = 0; i < pl->nsinks; i++) {
        const sl_instance *k = &pl->sinks[i];
        const sl_option *t = SL_SINK(k)->options;
        int sq = strcmp(k->type, "sqlite") == 0, pg = strcmp(k->type, "postgres") == 0;
        if (!sq && !pg)
            continue;
        const char *other = sl_options_string(t, k->opts, sq ? "path" : "url");
        if (other && *other)
            continue; /* another database than the warehouse */
        if (pg)
            *schema = sl_options_string(t, k->opts, "schema");
        return sl_options_string(t, k->opts, "table");
    }
    return NULL;
}

static void load_pipelines(sl_gload *L)
{
    const sl_project *p = L->p;
    size_t dl = strlen(p->dir);
    for (size_t i = 0; i < p->npipelines; i++) {
        sl_pipeline *pl = p->pipelines[i];
        const char *rel = strncmp(pl->file, p->dir, dl) == 0 && pl->file[dl] == '/' ? pl->file + dl + 1 : pl->file;
        sl_strv dirs = {0};
        sl_node *n = sl_gload_add(L, SL_NODE_PIPELINE, pl->name, rel, &dirs, NULL);
        if (!n)
            continue;
        n->pipeline = pl;
        n->description = pl->description ? sl_strdup(pl->description) : NULL;
        const char *schema;
        const char *table = pipeline_table(pl, &schema);
        if (table) {
            n->identifier = sl_strdup(table);
            n->schema = schema && *schema ? sl_strdup(schema) : NULL;
        }
        if (pl->schedule)
            for (size_t k = 0; k < pl->schedule->after.n; k++) {
                sl_loc loc = pl->schedule->after.loc;
                sl_gload_dep(L, SL_PDEP_AFTER, (size_t)(n - L->g->nodes), NULL, pl->schedule->after.v[k], NULL,
                             pl->file, loc.line, loc.col);
            }
    }
}

/* A model, a seed and a snapshot may not share a name: ref() would not
 * know which one it means. */
static void same_names(sl_gload *L)
{
    static const sl_node_kind kinds[] = {SL_NODE_MODEL, SL_NODE_SEED, SL_NODE_SNAPSHOT};
    for (size_t i = 0; i < L->g->n; i++) {
        const sl_node *n = &L->g->nodes[i];
        for (size_t k = 0; k < 3; k++) {
            if (n->kind != kinds[k])
                continue;
            for (size_t j = k + 1; j < 3; j++) {
                char *uid = sl_printf("%s.%s.%s", sl_node_kind_word(kinds[j]), L->g->name, n->name);
                long o = sl_gload_find(L, uid);
                sl_free(uid);
                if (o < 0)
                    continue;
                char *abs = sl_project_path(L->p, L->g->nodes[o].file);
                sl_loc loc = {abs, L->g->nodes[o].raw_line, 1};
                sl_diags_add(L->d, loc, "a %s and a %s are both called '%s' (%s): ref('%s') would not know which",
                             sl_node_kind_word(n->kind), sl_node_kind_word(kinds[j]), n->name, n->file, n->name);
                sl_free(abs);
            }
        }
    }
}

/* ---- ordering the array ------------------------------------------------ */

static void node_release(sl_node *n)
{
    sl_free(n->name);
    sl_free(n->unique_id);
    sl_free(n->file);
    sl_strv_release(&n->fqn);
    sl_free(n->raw);
    sl_free(n->description);
    for (size_t i = 0; i < n->ncolumns; i++) {
        sl_free(n->columns[i].name);
        sl_free(n->columns[i].description);
        sl_free(n->columns[i].data_type);
    }
    sl_free(n->columns);
    sl_node_config_release(&n->config);
    sl_free(n->schema);
    sl_free(n->identifier);
    sl_free(n->deps);
    sl_free(n->test_name);
    sl_free(n->column_name);
    sl_free(n->test_kwargs);
    if (n->check) {
        sl_check_release(n->check);
        sl_free(n->check);
    }
    sl_free(n->monitors);
    sl_free(n->source_name);
    sl_free(n->loaded_at_field);
    sl_free(n->freshness);
    sl_free(n->patch_file);
    sl_free(n->compiled);
    if (n->mtype && n->mtype_spec)
        n->mtype->free_spec(n->mtype_spec);
    sl_free(n->mtype_owner);
    memset(n, 0, sizeof *n);
}


static const sl_graph *sort_g;
static int cmp_idx(const void *a, const void *b)
{
    return strcmp(sort_g->nodes[*(const size_t *)a].unique_id, sort_g->nodes[*(const size_t *)b].unique_id);
}

/* Keep the nodes with keep[i] in the order of perm; remap everything that
 * holds an index. */
static void reorder(sl_gload *L, const size_t *perm, size_t nkeep)
{
    sl_graph *g = L->g;
    size_t *old2new = sl_malloc((g->n + 1) * sizeof *old2new);
    for (size_t i = 0; i < g->n; i++)
        old2new[i] = (size_t)-1;
    sl_node *nodes = sl_calloc(nkeep + 1, sizeof *nodes);
    char **att = sl_calloc(nkeep + 1, sizeof *att);
    for (size_t k = 0; k < nkeep; k++) {
        nodes[k] = g->nodes[perm[k]];
        att[k] = L->attached[perm[k]];
        old2new[perm[k]] = k;
        L->attached[perm[k]] = NULL;
    }
    for (size_t i = 0; i < g->n; i++)
        if (old2new[i] == (size_t)-1) {
            node_release(&g->nodes[i]);
            sl_free(L->attached[i]);
        }
    size_t w = 0;
    for (size_t i = 0; i < L->ndeps; i++) {
        sl_pdep *pd = &L->deps[i];
        if (old2new[pd->from] == (size_t)-1) {
            sl_free(pd->package);
            sl_free(pd->name);
            sl_free(pd->source_name);
            sl_free((char *)pd->file);
            continue;
        }
        pd->from = old2new[pd->from];
        L->deps[w++] = *pd;
    }
    L->ndeps = w;
    sl_free(g->nodes);
    sl_free(L->attached);
    g->nodes = nodes;
    L->attached = att;
    g->n = nkeep;
    L->cap = nkeep + 1;
    sl_free(old2new);
    sl_nameidx_clear(&L->uid);
    for (size_t i = 0; i < g->n; i++)
        sl_nameidx_add(&L->uid, g->nodes[i].unique_id, strlen(g->nodes[i].unique_id), i, uid_of, g);
}

/* ---- load ------------------------------------------------------------------ */

static void gload_release(sl_gload *L)
{
    for (size_t i = 0; i < L->ndeps; i++) {
        sl_free(L->deps[i].package);
        sl_free(L->deps[i].name);
        sl_free(L->deps[i].source_name);
        sl_free((char *)L->deps[i].file);
    }
    sl_free(L->deps);
    for (size_t i = 0; i < L->g->n; i++)
        sl_free(L->attached[i]);
    sl_free(L->attached);
    sl_nameidx_release(&L->uid);
}

int sl_graph_load(const struct sl_project *p, const sl_graph_opts *o, sl_graph **out, sl_diags *d)
{
    size_t before = d->n;
    sl_graph *g = sl_calloc(1, sizeof *g);
    *out = NULL;
    g->project = p;
    g->name = sl_strdup(p->name);
    g->target.name = o && o->target_name ? o->target_name : p->target_name ? p->target_name : "dev";
    g->target.type = p->warehouse_url ? "postgres" : "sqlite";
    g->target.schema = p->warehouse_schema ? p->warehouse_schema : p->warehouse_url ? "public" : "main";
    g->target_path = sl_project_path(p, p->target_path ? p->target_path : "target");
    g->vars_yaml = o && o->vars_yaml ? sl_strdup(o->vars_yaml) : NULL;
    sl_gload L = {.g = g, .p = p, .d = d};
    sl_nameidx_init(&L.uid);

    load_sql_files(&L, &p->model_paths, SL_NODE_MODEL, "model");
    refuse_python_models(&L);
    load_sql_files(&L, &p->analysis_paths, SL_NODE_ANALYSIS, "analysis");
    load_sql_files(&L, &p->test_paths, SL_NODE_TEST, "test");
    load_seeds(&L);
    load_snapshots(&L);
    load_pipelines(&L);
    /* the environment before the properties files: a column test of a
     * sluice check kind stays the project's {% test %} macro of that name */
    int env_rc = sl_compile_env_init(g, d);
    load_props(&L);
    same_names(&L);

    /* sorted by unique_id */
    size_t *perm = sl_malloc((g->n + 1) * sizeof *perm);
    for (size_t i = 0; i < g->n; i++)
        perm[i] = i;
    sort_g = g;
    qsort(perm, g->n, sizeof *perm, cmp_idx);
    reorder(&L, perm, g->n);

    /* templates in parse mode: their ref()/source() calls and config() */
    if (env_rc == 0) {
        for (size_t i = 0; i < g->n; i++) {
            if (!g->nodes[i].raw)
                continue;
            sl_compile_dep *deps = NULL;
            size_t nd = 0;
            if (sl_compile_parse(g, i, &deps, &nd, d) < 0)
                continue;
            char *abs = sl_project_path(p, g->nodes[i].file);
            for (size_t k = 0; k < nd; k++)
                sl_gload_dep(&L, deps[k].source_name ? SL_PDEP_SOURCE : SL_PDEP_REF, i, deps[k].package, deps[k].name,
                             deps[k].source_name, abs, deps[k].line, deps[k].col);
            sl_free(abs);
            sl_compile_deps_free(deps, nd);
        }
        sl_compile_render_props(g, d);
    }
    /* config after: of models */
    for (size_t i = 0; i < g->n; i++) {
        if (g->nodes[i].kind == SL_NODE_PIPELINE)
            continue;
        char *abs = sl_project_path(p, g->nodes[i].file);
        for (size_t k = 0; k < g->nodes[i].config.after.n; k++)
            sl_gload_dep(&L, SL_PDEP_AFTER, i, NULL, g->nodes[i].config.after.v[k], NULL, abs, 1, 1);
        sl_free(abs);
    }

    /* disabled nodes leave the graph, and the tests of disabled nodes with them */
    sl_strv disabled = {0};
    size_t nkeep = 0;
    for (size_t i = 0; i < g->n; i++) {
        int keep = g->nodes[i].config.enabled != 0;
        if (keep && L.attached[i]) {
            long t = sl_gload_find(&L, L.attached[i]);
            keep = t >= 0 && g->nodes[t].config.enabled != 0;
        }
        if (keep)
            perm[nkeep++] = i;
        else
            sl_strv_push(&disabled, g->nodes[i].unique_id);
    }
    if (nkeep != g->n)
        reorder(&L, perm, nkeep);
    sl_free(perm);
    for (size_t i = 0; i < g->n; i++)
        if (L.attached[i]) {
            long t = sl_gload_find(&L, L.attached[i]);
            g->nodes[i].attached = t >= 0 ? (size_t)t : (size_t)-1;
        }
    sl_gload_link(&L, &disabled, d->n == before);
    sl_strv_release(&disabled);
    gload_release(&L);
    if (d->n != before) {
        sl_diags_sort(d);
        sl_graph_free(g);
        return -1;
    }
    *out = g;
    return 0;
}

void sl_graph_free(sl_graph *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n; i++)
        node_release(&g->nodes[i]);
    sl_free(g->nodes);
    sl_compile_env_free(g); /* g->env and compile.c's state */
    sl_free(g->name);
    sl_free(g->target_path);
    sl_free(g->vars_yaml);
    sl_free(g);
}
