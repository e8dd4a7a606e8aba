/*
 * compile.h: rendering nodes' templates in the project's context (what a
 * template sees: ref, source, var, env_var, config, this, target,
 * is_incremental, doc, log, exceptions; docs/TEMPLATES.md), in two modes:
 *
 *   parse    once per node at load time (is_incremental() false, `execute`
 *            false): collects the ref()/source() targets the template
 *            calls and applies its config() to the node. graph.c calls it.
 *   execute  per run (sl_graph_compile in graph.h): refs resolve to
 *            relations, ephemeral upstreams are inlined as CTEs.
 */
#ifndef SL_MODELS_COMPILE_H
#define SL_MODELS_COMPILE_H
#include "config/diag.h"
#include "models/graph.h"

/* A ref() or source() a template called, as written (resolved by graph.c). */
typedef struct sl_compile_dep {
    char *package;      /* ref('pkg', 'name'): 'pkg'; NULL otherwise */
    char *name;         /* ref's name; source()'s table */
    char *source_name;  /* source('src', 'table'): 'src'; NULL for ref */
    int line, col;      /* where the call is, in the node's file */
} sl_compile_dep;

/* Set up g->env: sluice's built-in macros (generic tests unique, not_null,
 * accepted_values, relationships; is_incremental...) then the project's
 * macros/tests/docs files (paths from the project). Diagnostics for errors. */
int sl_compile_env_init(sl_graph *g, sl_diags *d);
/* Free what sl_compile_env_init made: g->env and g->compile (both set to
 * NULL). sl_graph_free calls it (instead of sl_jinja_env_free: the compile
 * state would leak); safe on a graph without them. */
void sl_compile_env_free(sl_graph *g);
/* Parse-mode render of node i: its deps (caller frees with
 * sl_compile_deps_free) and its config() applied to g->nodes[i].config.
 * A template error is a diagnostic at file:line:col; returns -1. */
int sl_compile_parse(sl_graph *g, size_t i, sl_compile_dep **deps, size_t *ndeps, sl_diags *d);
void sl_compile_deps_free(sl_compile_dep *deps, size_t n);
/* Render the templated texts of properties files, as dbt does: every
 * node's and column's description (doc() blocks), a source's schema and
 * identifier ("{{ target.schema }}", var(), env_var()). Errors are
 * diagnostics naming the properties file. */
int sl_compile_render_props(sl_graph *g, sl_diags *d);
/* Decide node i's schema and identifier (models, seeds, snapshots) by
 * dbt's rules: the project's generate_schema_name / generate_alias_name
 * macros when it defines them, else the target schema or
 * "<target schema>_<config schema>" (a snapshot's target_schema as
 * written) and the alias or the name. graph.c calls it for every model,
 * seed and snapshot once configs are final (after sl_compile_parse and
 * the disabled nodes' removal), instead of applying the default rule
 * itself: only this call knows the project's macros. -1 with err when a
 * macro fails (a diagnostic at the node's file). */
int sl_compile_relation(sl_graph *g, size_t i, sl_error *err);

#endif
