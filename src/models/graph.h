/*
 * graph.h: a project's one DAG of pipelines, seeds, models, snapshots,
 * tests and sources (models/node.h), loaded from the project folder
 * (docs/MODELS.md), and dbt's node selection over it.
 *
 * Loading reads the .sql files under models/, the properties .yml beside them, seeds,
 * snapshots, macros, tests and analyses (paths from sluice.yml or
 * dbt_project.yml), resolves each node's config, renders every template
 * once in parse mode (is_incremental() false, execute false) to collect its
 * ref()/source()/config() calls, adds the edges to pipelines (ref() of a
 * pipeline, a source table a pipeline loads, a pipeline reading a model,
 * `after:` both ways), and checks for unknown refs (with a suggestion) and
 * cycles (named node by node). Every problem is a file:line:col diagnostic.
 */
#ifndef SL_MODELS_GRAPH_H
#define SL_MODELS_GRAPH_H
#include "config/diag.h"
#include "core/error.h"
#include "core/util.h"
#include "models/node.h"
#include <stdint.h>

struct sl_project;
struct sl_jinja_env;

/* What templates see as `target` and how relations are spelled. */
typedef struct sl_target {
    const char *name;    /* "dev" unless --target */
    const char *type;    /* "sqlite" | "postgres" */
    const char *schema;  /* "main" on SQLite, the PostgreSQL schema */
} sl_target;

typedef struct sl_graph {
    const struct sl_project *project;
    char *name;                /* the project's name (dbt_project.yml name:) */
    sl_node *nodes;            /* sorted by unique_id */
    size_t n;
    struct sl_jinja_env *env;  /* macros, tests, docs of the project plus sluice's built-in ones */
    sl_target target;
    char *target_path;         /* absolute; "target" unless target-path: */
    char *vars_yaml;           /* --vars as given (sl_graph_opts), or NULL; the project's vars: are p->vars */
    struct sl_compile_state *compile; /* compile.c's state (vars, the render in progress);
                                       * sl_compile_env_free releases it with env */
} sl_graph;

typedef struct sl_graph_opts {
    const char *target_name;   /* --target, or NULL */
    const char *vars_yaml;     /* --vars '{key: value}' (YAML or JSON), or NULL */
} sl_graph_opts;

int sl_graph_load(const struct sl_project *p, const sl_graph_opts *o, sl_graph **out, sl_diags *d);
void sl_graph_free(sl_graph *g);
/* Index of a node by unique_id or by name (models first, then seeds,
 * snapshots, pipelines), or -1. */
int64_t sl_graph_find(const sl_graph *g, const char *name);
/* Every node in dependency order (upstreams first, ties by unique_id);
 * order has g->n slots. */
void sl_graph_order(const sl_graph *g, size_t *order);

/* dbt's selection: --select and --exclude, each a list of space-separated
 * unions of comma-separated intersections of methods: NAME, +NAME, NAME+,
 * N+NAME, NAME+N, @NAME, tag:T, path:P, config.materialized:M,
 * resource_type:R, source:S, fqn:F, and `*` globs in names. sel[i] is set
 * to 1 for the selected nodes (g->n slots). NULL select selects all.
 * Unknown names are an error with a suggestion. */
int sl_graph_select(const sl_graph *g, const char *select, const char *exclude, uint8_t *sel, sl_error *err);

/* Render node i's SQL for execution: is_incremental() as given, `this`
 * the node's relation, ephemeral upstreams inlined as CTEs. The text goes
 * to out (and to n->compiled). Errors name file:line:col. */
int sl_graph_compile(sl_graph *g, size_t i, int is_incremental, sl_buf *out, sl_error *err);
/* The SQL of a generic test (rendered from its test macro) or a singular
 * test, selecting the failing rows. */
int sl_graph_compile_test(sl_graph *g, size_t i, sl_buf *out, sl_error *err);
/* Write target/manifest.json (nodes, configs, dependencies; format in docs/MODELS.md). */
int sl_graph_write_manifest(const sl_graph *g, sl_error *err);
/* Write a file under target/ whole: its folders created, a temporary file
 * renamed into place (readers see the old file or the new one). */
int sl_graph_write_file(const char *path, const char *data, size_t len, sl_error *err);
/* Write compiled SQL to path (folders created) unless it already holds
 * exactly that: in place, not atomically (a compiled file is a copy). */
int sl_graph_write_compiled(const char *path, const char *data, size_t len, sl_error *err);

#endif
