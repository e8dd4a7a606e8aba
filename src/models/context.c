/*
 * context.c: dbt's template context over a project's graph (context.h):
 * ref, source, var, env_var, this, target, is_incremental, doc, log,
 * execute, run_started_at, and the refusals of what sluice does not run
 * (run_query, statement blocks, adapter.*, modules.*). config() is in
 * nodeconfig.c.
 *
 * Host functions get the graph's compile state as their user data and read
 * the render in progress from it (one render at a time per graph).
 * Relations print quoted through core/sqlident.h: a name never becomes SQL
 * text any other way.
 */
#include "models/context.h"
#include "config/project.h"
#include "config/yaml.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/redact.h"
#include "core/sqlident.h"
#include "models/nodeconfig.h"
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* ---- relations ---- */

const char *sl_context_schema(const sl_graph *g, size_t i)
{
    const sl_node *n = &g->nodes[i];
    if (n->schema && *n->schema)
        return n->schema;
    return g->target.schema ? g->target.schema : "main";
}

static const char *node_identifier(const sl_node *n)
{
    if (n->identifier && *n->identifier)
        return n->identifier;
    if (n->config.alias && *n->config.alias)
        return n->config.alias;
    return n->name;
}

static int is_ephemeral(const sl_node *n)
{
    return n->kind == SL_NODE_MODEL && n->config.materialized && strcmp(n->config.materialized, "ephemeral") == 0;
}

void sl_context_relation_sql(const sl_graph *g, size_t i, sl_buf *out)
{
    sl_sql_ident(out, sl_context_schema(g, i));
    sl_buf_addc(out, '.');
    sl_sql_ident(out, node_identifier(&g->nodes[i]));
}

static int plain_ident(const char *s)
{
    if (!*s)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return 0;
    return 1;
}

void sl_context_cte_name(const sl_graph *g, size_t i, sl_buf *out)
{
    const char *name = g->nodes[i].name;
    if (plain_ident(name)) {
        sl_buf_adds(out, "__sluice_cte__");
        sl_buf_adds(out, name);
        return;
    }
    char *full = sl_printf("__sluice_cte__%s", name);
    sl_sql_ident(out, full);
    sl_free(full);
}

/* The database name a relation reports: SQLite's "main", PostgreSQL's
 * database from the warehouse URL (or NULL). */
static sl_jv *database_value(const sl_graph *g)
{
    if (!g->target.type || strcmp(g->target.type, "postgres") != 0)
        return sl_jv_cstr("main");
    const char *url = g->project ? g->project->warehouse_url : NULL;
    if (!url)
        return sl_jv_none();
    const char *p = strstr(url, "://");
    p = p ? strchr(p + 3, '/') : NULL;
    if (!p || !p[1])
        return sl_jv_none();
    size_t n = strcspn(p + 1, "?#");
    return sl_jv_str(p + 1, n);
}

static sl_jv *relation_object(const sl_graph *g, const char *schema, const char *identifier, const char *type,
                              const char *text)
{
    sl_jv *a = sl_jv_dict();
    sl_jv_dict_set(a, "database", database_value(g));
    sl_jv_dict_set(a, "schema", sl_jv_cstr(schema));
    sl_jv_dict_set(a, "identifier", sl_jv_cstr(identifier));
    sl_jv_dict_set(a, "name", sl_jv_cstr(identifier));
    sl_jv_dict_set(a, "table", sl_jv_cstr(identifier));
    sl_jv_dict_set(a, "type", type ? sl_jv_cstr(type) : sl_jv_none());
    return sl_jv_object(a, text);
}

static const char *relation_type(const sl_node *n)
{
    switch (n->kind) {
    case SL_NODE_MODEL:
        if (!n->config.materialized || strcmp(n->config.materialized, "view") == 0)
            return "view";
        if (is_ephemeral(n))
            return "cte";
        return "table";
    case SL_NODE_SOURCE:
        return NULL;
    default:
        return "table";
    }
}

sl_jv *sl_context_relation(const sl_graph *g, size_t i)
{
    const sl_node *n = &g->nodes[i];
    sl_buf b;
    sl_buf_init(&b);
    if (is_ephemeral(n))
        sl_context_cte_name(g, i, &b);
    else
        sl_context_relation_sql(g, i, &b);
    sl_jv *r = relation_object(g, sl_context_schema(g, i), node_identifier(n), relation_type(n), b.data);
    sl_buf_release(&b);
    return r;
}

/* A relation for a name not (yet) in the graph: parse mode's placeholder. */
static sl_jv *placeholder_relation(const sl_graph *g, const char *name)
{
    sl_buf b;
    sl_buf_init(&b);
    const char *schema = g->target.schema ? g->target.schema : "main";
    sl_sql_ident(&b, schema);
    sl_buf_addc(&b, '.');
    sl_sql_ident(&b, name);
    sl_jv *r = relation_object(g, schema, name, NULL, b.data);
    sl_buf_release(&b);
    return r;
}

/* ---- argument helpers ---- */

/* A string argument (positional i or keyword name): its text, or NULL. */
static const char *arg_str(const sl_jinja_args *a, size_t i, const char *name)
{
    sl_jv *v = sl_jinja_arg(a, i, name);
    return v ? sl_jv_str_of(v, NULL) : NULL;
}

static void dep_add(sl_render *r, const char *package, const char *name, const char *source_name)
{
    SL_GROW(r->deps, r->depcap, r->ndeps + 1);
    sl_compile_dep *d = &r->deps[r->ndeps++];
    memset(d, 0, sizeof *d);
    d->package = package ? sl_strdup(package) : NULL;
    d->name = sl_strdup(name);
    d->source_name = source_name ? sl_strdup(source_name) : NULL;
}

/* Names of the nodes a ref() can reach, for a suggestion. */
static const char *suggest_node(const sl_graph *g, const char *name, int sources)
{
    const char **c = sl_malloc((g->n + 1) * sizeof *c);
    size_t k = 0;
    for (size_t i = 0; i < g->n; i++) {
        const sl_node *n = &g->nodes[i];
        int is_src = n->kind == SL_NODE_SOURCE;
        if (is_src != sources || n->kind == SL_NODE_TEST || n->kind == SL_NODE_ANALYSIS)
            continue;
        c[k++] = sources ? n->unique_id : n->name;
    }
    const char *s = sl_suggest(name, c, k);
    sl_free(c);
    return s;
}

static const char *node_name_at(const void *ctx, size_t k, size_t *n)
{
    const sl_graph *g = ctx;
    (void)n;
    return g->nodes[k].name;
}

/* Caches made for another node array (the loader reorders it) are dropped. */
static void context_sync(sl_compile_state *st)
{
    const sl_graph *g = st->g;
    if (st->idx_nodes == g->nodes && st->idx_n == g->n)
        return;
    sl_context_release(st);
    static const sl_node_kind order[] = {SL_NODE_MODEL, SL_NODE_SEED, SL_NODE_SNAPSHOT, SL_NODE_PIPELINE};
    for (size_t k = 0; k < 4; k++)
        for (size_t i = 0; i < g->n; i++)
            if (g->nodes[i].kind == order[k])
                sl_nameidx_add(&st->refidx, g->nodes[i].name, strlen(g->nodes[i].name), i, node_name_at, g);
    st->idx_nodes = g->nodes;
    st->idx_n = g->n;
}

void sl_context_release(sl_compile_state *st)
{
    sl_nameidx_release(&st->refidx);
    sl_nameidx_init(&st->refidx);
    for (size_t i = 0; i < st->idx_n; i++) {
        if (st->relcache && st->relcache[i])
            sl_jv_unref(st->relcache[i]);
    }
    sl_free(st->relcache);
    st->relcache = NULL;
    st->idx_nodes = NULL;
    st->idx_n = 0;
}

int64_t sl_context_find_ref(sl_compile_state *st, const char *name)
{
    context_sync(st);
    long i = sl_nameidx_find(&st->refidx, name, strlen(name), node_name_at, st->g);
    return i;
}

/* Node i's relation: made once per node in execute mode (schemas are final
 * then), made each time while the project loads. A new reference. */
static sl_jv *relation_of(sl_compile_state *st, size_t i)
{
    if (!st->cur || !st->cur->execute)
        return sl_context_relation(st->g, i);
    context_sync(st);
    if (!st->relcache)
        st->relcache = sl_calloc(st->idx_n + 1, sizeof *st->relcache);
    if (!st->relcache[i])
        st->relcache[i] = sl_context_relation(st->g, i);
    return sl_jv_ref(st->relcache[i]);
}

/* ---- ref, source ---- */

static int fn_ref(void *ud, const sl_jinja_args *a, sl_jv **ret, sl_error *err)
{
    sl_compile_state *st = ud;
    const sl_graph *g = st->g;
    size_t np = a->npos;
    const char *package = NULL, *name = NULL;
    if (np == 1) {
        name = arg_str(a, 0, NULL);
    } else if (np == 2) {
        package = arg_str(a, 0, NULL);
        name = arg_str(a, 1, NULL);
    }
    if (!name || (np == 2 && !package))
        return sl_error_set(err, SL_ECONFIG, "ref() takes a model name, or a project and a model name, as strings");
    /* version=/v= select a model version: sluice has no model versions */
    if (sl_jinja_arg(a, 99, "version") || sl_jinja_arg(a, 99, "v"))
        return sl_error_set(err, SL_ECONFIG, "ref(): model versions (version=) are not supported");
    sl_render *r = st->cur;
    int execute = r && r->execute;
    if (package && g->name && strcmp(package, g->name) != 0 && execute)
        return sl_error_set(err, SL_ECONFIG,
                            "ref('%s', '%s'): '%s' is not this project ('%s'); sluice projects have no packages",
                            package, name, package, g->name);
    int64_t i = sl_context_find_ref(st, name);
    if (!execute) {
        if (r)
            dep_add(r, package, name, NULL);
        *ret = i >= 0 ? sl_context_relation(g, (size_t)i) : placeholder_relation(g, name);
        return 0;
    }
    if (i < 0) {
        const char *s = suggest_node(g, name, 0);
        if (s)
            return sl_error_set(err, SL_ECONFIG,
                                "ref('%s'): no model, seed, snapshot or pipeline named '%s' (did you mean '%s'?)", name,
                                name, s);
        return sl_error_set(err, SL_ECONFIG, "ref('%s'): no model, seed, snapshot or pipeline named '%s'", name,
                            name);
    }
    if (is_ephemeral(&g->nodes[i]) && r) {
        SL_GROW(r->eph, r->ephcap, r->neph + 1);
        r->eph[r->neph++] = (size_t)i;
    }
    *ret = relation_of(st, (size_t)i);
    return 0;
}

/* The `sources:` table src.table: by its unique_id, source.<project>.<src>.<table>. */
static int64_t find_source(const sl_graph *g, const char *src, const char *table)
{
    char *uid = sl_printf("source.%s.%s.%s", g->name ? g->name : "", src, table);
    int64_t i = sl_graph_find(g, uid);
    sl_free(uid);
    if (i >= 0 && g->nodes[i].kind != SL_NODE_SOURCE)
        return -1;
    return i;
}

static int fn_source(void *ud, const sl_jinja_args *a, sl_jv **ret, sl_error *err)
{
    sl_compile_state *st = ud;
    const sl_graph *g = st->g;
    const char *src = arg_str(a, 0, "source_name"), *table = arg_str(a, 1, "table_name");
    if (!src || !table)
        return sl_error_set(err, SL_ECONFIG, "source() takes a source name and a table name, as strings");
    sl_render *r = st->cur;
    int64_t i = find_source(g, src, table);
    if (!r || !r->execute) {
        if (r)
            dep_add(r, NULL, table, src);
        if (i >= 0) {
            *ret = sl_context_relation(g, (size_t)i);
        } else {
            sl_buf b;
            sl_buf_init(&b);
            sl_sql_ident(&b, src);
            sl_buf_addc(&b, '.');
            sl_sql_ident(&b, table);
            *ret = relation_object(g, src, table, NULL, b.data);
            sl_buf_release(&b);
        }
        return 0;
    }
    if (i < 0) {
        char *want = sl_printf("source.%s.%s.%s", g->name ? g->name : "", src, table);
        const char *s = suggest_node(g, want, 1);
        if (s) {
            /* show the suggestion as source('s', 't') */
            const sl_node *sn = &g->nodes[sl_graph_find(g, s)];
            sl_error_set(err, SL_ECONFIG, "source('%s', '%s'): no such source table (did you mean source('%s', '%s')?)",
                         src, table, sn->source_name ? sn->source_name : "", sn->name);
        } else {
            sl_error_set(err, SL_ECONFIG, "source('%s', '%s'): no such source table in the properties files", src,
                         table);
        }
        sl_free(want);
        return -1;
    }
    *ret = relation_of(st, (size_t)i);
    return 0;
}

/* ---- var, env_var ---- */

static int fn_var(void *ud, const sl_jinja_args *a, sl_jv **ret, sl_error *err)
{
    sl_compile_state *st = ud;
    const char *name = arg_str(a, 0, "name");
    if (!name)
        return sl_error_set(err, SL_ECONFIG, "var() takes the variable's name as a string");
    sl_jv *v = st->vars ? sl_jv_dict_get(st->vars, name) : NULL;
    if (v) {
        *ret = sl_jv_ref(v);
        return 0;
    }
    sl_jv *def = sl_jinja_arg(a, 1, "default");
    if (def) {
        *ret = sl_jv_ref(def);
        return 0;
    }
    return sl_error_set(err, SL_ECONFIG, "Required var '%s' not found in config", name);
}

static int fn_env_var(void *ud, const sl_jinja_args *a, sl_jv **ret, sl_error *err)
{
    (void)ud;
    const char *name = arg_str(a, 0, "var");
    if (!name)
        return sl_error_set(err, SL_ECONFIG, "env_var() takes the variable's name as a string");
    const char *v = getenv(name);
    if (!v) {
        sl_jv *def = sl_jinja_arg(a, 1, "default");
        if (def) {
            /* dbt gives the default as written; a string stays a string */
            *ret = sl_jv_ref(def);
            return 0;
        }
        return sl_error_set(err, SL_ECONFIG, "Env var required but not provided: '%s'", name);
    }
    if (sl_env_name_is_secret(name))
        sl_redact_add(v);
    *ret = sl_jv_cstr(v);
    return 0;
}

/* ---- is_incremental, doc, log ---- */

static int fn_is_incremental(void *ud, const sl_jinja_args *a, sl_jv **ret, sl_error *err)
{
    (void)a;
    (void)err;
    sl_compile_state *st = ud;
    sl_render *r = st->cur;
    *ret = sl_jv_bool(r && r->execute && r->is_incremental);
    return 0;
}

static int fn_doc(void *ud, const sl_jinja_args *a, sl_jv **ret, sl_error *err)
{
    sl_compile_state *st = ud;
    const char *name = a->npos == 2 ? arg_str(a, 1, NULL) : arg_str(a, 0, "name");
    if (!name)
        return sl_error_set(err, SL_ECONFIG, "doc() takes the docs block's name as a string");
    const char *text = sl_jinja_env_doc(st->g->env, name);
    if (!text)
        return sl_error_set(err, SL_ECONFIG, "doc('%s'): no {%% docs %s %%} block in the project", name, name);
    *ret = sl_jv_cstr(text);
    return 0;
}

static int fn_log(void *ud, const sl_jinja_args *a, sl_jv **ret, sl_error *err)
{
    sl_compile_state *st = ud;
    sl_jv *m = sl_jinja_arg(a, 0, "msg");
    sl_jv *info = sl_jinja_arg(a, 1, "info");
    sl_buf b;
    sl_buf_init(&b);
    if (m && sl_jv_print(m, &b, err) < 0) {
        sl_buf_release(&b);
        return -1;
    }
    const char *who = st->cur && st->cur->node != (size_t)-1 ? st->g->nodes[st->cur->node].name : "template";
    sl_log(info && sl_jv_truthy(info) ? SL_LOG_INFO : SL_LOG_DEBUG, "%s: %s", who, b.data ? b.data : "");
    sl_buf_release(&b);
    *ret = sl_jv_cstr("");
    return 0;
}

/* ---- refusals ---- */

static int fn_refuse(void *ud, const sl_jinja_args *a, sl_jv **ret, sl_error *err)
{
    (void)a;
    (void)ret;
    const char *what = ud;
    if (strncmp(what, "modules.", 8) == 0)
        return sl_error_set(err, SL_ECONFIG, "%s is not supported: sluice's templates have no Python modules", what);
    return sl_error_set(err, SL_ECONFIG, "%s is not supported: sluice renders templates without querying the warehouse",
                        what);
}

/* An object whose attributes are refusing functions named "<obj>.<attr>". */
static sl_jv *refusing_object(const char *obj, const char *const *attrs, const char *const *names)
{
    sl_jv *d = sl_jv_dict();
    for (size_t i = 0; attrs[i]; i++)
        sl_jv_dict_set(d, attrs[i], sl_jv_fn(names[i], fn_refuse, (void *)names[i]));
    return sl_jv_object(d, obj);
}

static const char *const adapter_attrs[] = {"dispatch", "get_relation", "get_columns_in_relation", "quote",
                                            "execute", "get_missing_columns", "expand_target_column_types",
                                            "drop_relation", "rename_relation", "create_schema", "drop_schema",
                                            "list_relations_without_caching", "already_exists", "type", NULL};
static const char *const adapter_names[] = {"adapter.dispatch", "adapter.get_relation",
                                            "adapter.get_columns_in_relation", "adapter.quote", "adapter.execute",
                                            "adapter.get_missing_columns", "adapter.expand_target_column_types",
                                            "adapter.drop_relation", "adapter.rename_relation", "adapter.create_schema",
                                            "adapter.drop_schema", "adapter.list_relations_without_caching",
                                            "adapter.already_exists", "adapter.type", NULL};
/* modules.datetime, modules.re, ...: objects whose usual attributes (and
 * theirs, one level down: modules.datetime.datetime.now) are functions
 * refusing with the module's name. */
static const char *const module_names[] = {"modules.datetime", "modules.re", "modules.pytz", "modules.itertools", NULL};
static const char *const module_leaves[] = {
    "datetime", "date", "time", "timedelta", "timezone", "now", "utcnow", "today", "strptime", "strftime",
    "fromisoformat", "fromtimestamp", "combine", "utc", "UTC", "match", "search", "sub", "compile", "findall",
    "finditer", "split", "fullmatch", "escape", "IGNORECASE", "chain", "product", "combinations", "permutations",
    "groupby", "islice", "count", "cycle", "repeat", "accumulate", NULL};

static int is_class(const char *leaf)
{
    return !strcmp(leaf, "datetime") || !strcmp(leaf, "date") || !strcmp(leaf, "time") || !strcmp(leaf, "timedelta") ||
           !strcmp(leaf, "timezone");
}

static sl_jv *refusing_module(const char *name, int depth)
{
    sl_jv *d = sl_jv_dict();
    for (size_t i = 0; module_leaves[i]; i++)
        sl_jv_dict_set(d, module_leaves[i],
                       depth && is_class(module_leaves[i]) ? refusing_module(name, depth - 1)
                                                           : sl_jv_fn(name, fn_refuse, (void *)name));
    return sl_jv_object(d, name);
}

/* dbt's `graph` (graph.nodes.values(), graph.sources...): every member and
 * its dict methods refuse by name, so a template reaching for it is told
 * why rather than "'function object' has no attribute". */
static sl_jv *graph_value(void)
{
    static const char *const members[] = {"nodes", "sources", "exposures", "metrics", "groups", "semantic_models",
                                          "saved_queries", "unit_tests", NULL};
    static const char *const methods[] = {"values", "items", "keys", "get", NULL};
    sl_jv *d = sl_jv_dict();
    for (size_t i = 0; members[i]; i++) {
        sl_jv *m = sl_jv_dict();
        for (size_t k = 0; methods[k]; k++)
            sl_jv_dict_set(m, methods[k], sl_jv_fn("graph", fn_refuse, (void *)"graph"));
        sl_jv_dict_set(d, members[i], sl_jv_object(m, "graph"));
    }
    return sl_jv_object(d, "graph");
}

static sl_jv *modules_value(void)
{
    sl_jv *d = sl_jv_dict();
    for (size_t i = 0; module_names[i]; i++)
        sl_jv_dict_set(d, module_names[i] + 8, refusing_module(module_names[i], 1));
    return sl_jv_object(d, "modules");
}

/* ---- setup ---- */

static void started_text(char *out, size_t cap)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    time_t t = tv.tv_sec;
    gmtime_r(&t, &tm);
    char day[32];
    strftime(day, sizeof day, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(out, cap, "%s.%06ld+00:00", day, (long)tv.tv_usec);
}

static sl_jv *target_value(const sl_graph *g)
{
    sl_jv *t = sl_jv_dict();
    int pg = g->target.type && strcmp(g->target.type, "postgres") == 0;
    sl_jv_dict_set(t, "name", sl_jv_cstr(g->target.name ? g->target.name : "dev"));
    sl_jv_dict_set(t, "type", sl_jv_cstr(g->target.type ? g->target.type : "sqlite"));
    sl_jv_dict_set(t, "schema", sl_jv_cstr(g->target.schema ? g->target.schema : "main"));
    sl_jv_dict_set(t, "database", database_value(g));
    sl_jv_dict_set(t, "threads", sl_jv_int(pg ? 4 : 1));
    sl_jv_dict_set(t, "profile_name", sl_jv_cstr(g->name ? g->name : ""));
    return t;
}

void sl_context_init(sl_compile_state *st, sl_jv *vars)
{
    sl_jinja_env *env = st->g->env;
    st->vars = vars;
    started_text(st->started, sizeof st->started);
    sl_jinja_env_set(env, "ref", sl_jv_fn("ref", fn_ref, st));
    sl_jinja_env_set(env, "source", sl_jv_fn("source", fn_source, st));
    sl_jinja_env_set(env, "var", sl_jv_fn("var", fn_var, st));
    sl_jinja_env_set(env, "env_var", sl_jv_fn("env_var", fn_env_var, st));
    sl_jinja_env_set(env, "config", sl_jv_fn("config", sl_nodeconfig_fn, st));
    sl_jinja_env_set(env, "is_incremental", sl_jv_fn("is_incremental", fn_is_incremental, st));
    sl_jinja_env_set(env, "doc", sl_jv_fn("doc", fn_doc, st));
    sl_jinja_env_set(env, "log", sl_jv_fn("log", fn_log, st));
    sl_jinja_env_set(env, "target", target_value(st->g));
    sl_jinja_env_set(env, "project_name", sl_jv_cstr(st->g->name ? st->g->name : ""));
    sl_jinja_env_set(env, "run_started_at", sl_jv_object(sl_jv_dict(), st->started));
    static const char *const refused[] = {"run_query", "statement", "load_result", "dispatch", NULL};
    for (size_t i = 0; refused[i]; i++)
        sl_jinja_env_set(env, refused[i], sl_jv_fn(refused[i], fn_refuse, (void *)refused[i]));
    sl_jinja_env_set(env, "adapter", refusing_object("adapter", adapter_attrs, adapter_names));
    sl_jinja_env_set(env, "modules", modules_value());
    sl_jinja_env_set(env, "graph", graph_value());
}

sl_jv *sl_context_node_value(const sl_graph *g, size_t i)
{
    static const char *const kinds[] = {"pipeline", "seed", "model", "snapshot", "test", "analysis", "source"};
    const sl_node *n = &g->nodes[i];
    sl_jv *d = sl_jv_dict();
    sl_jv_dict_set(d, "name", sl_jv_cstr(n->name));
    sl_jv_dict_set(d, "unique_id", sl_jv_cstr(n->unique_id ? n->unique_id : n->name));
    sl_jv_dict_set(d, "resource_type", sl_jv_cstr(kinds[n->kind]));
    sl_jv_dict_set(d, "package_name", sl_jv_cstr(g->name ? g->name : ""));
    sl_jv_dict_set(d, "original_file_path", n->file ? sl_jv_cstr(n->file) : sl_jv_none());
    sl_jv *fqn = sl_jv_list();
    for (size_t k = 0; k < n->fqn.n; k++)
        sl_jv_list_push(fqn, sl_jv_cstr(n->fqn.v[k]));
    sl_jv_dict_set(d, "fqn", fqn);
    sl_jv *c = sl_jv_dict();
    sl_jv_dict_set(c, "materialized", n->config.materialized ? sl_jv_cstr(n->config.materialized) : sl_jv_none());
    sl_jv_dict_set(c, "schema", n->config.schema ? sl_jv_cstr(n->config.schema) : sl_jv_none());
    sl_jv_dict_set(c, "alias", n->config.alias ? sl_jv_cstr(n->config.alias) : sl_jv_none());
    sl_jv *tags = sl_jv_list();
    for (size_t k = 0; k < n->config.tags.n; k++)
        sl_jv_list_push(tags, sl_jv_cstr(n->config.tags.v[k]));
    sl_jv_dict_set(c, "tags", tags);
    sl_jv_dict_set(d, "config", c);
    sl_jv_dict_set(d, "tags", sl_jv_ref(tags));
    return d;
}

void sl_context_enter(sl_compile_state *st, sl_render *r)
{
    sl_jinja_env *env = st->g->env;
    st->cur = r;
    size_t i = r ? r->node : (size_t)-1;
    sl_jinja_env_set(env, "execute", sl_jv_bool(r && r->execute));
    if (i != (size_t)-1 && i < st->g->n) {
        const sl_node *n = &st->g->nodes[i];
        if (n->kind == SL_NODE_MODEL || n->kind == SL_NODE_SNAPSHOT || n->kind == SL_NODE_SEED)
            sl_jinja_env_set(env, "this", relation_of(st, i));
        else
            sl_jinja_env_set(env, "this", sl_jv_none());
        sl_jinja_env_set(env, "model", sl_context_node_value(st->g, i));
    } else {
        sl_jinja_env_set(env, "this", sl_jv_none());
        sl_jinja_env_set(env, "model", sl_jv_none());
    }
}
