/*
 * context.h: what a node's template sees (context.c): dbt's context
 * functions and values over a project's graph, in the two modes of
 * compile.h.
 *
 *   ref('m') ref('project', 'm')  the node's relation: prints as the
 *                   quoted relation ("main"."m"; an ephemeral model's CTE
 *                   name __sluice_cte__m), has .database .schema
 *                   .identifier .name .table .type
 *   source('s', 't')  a `sources:` table's relation
 *   var('x', default)  --vars, then the project's `vars:` (a `vars:` entry
 *                   named after the project scopes vars to it, as dbt's)
 *   env_var('X', default)  the environment; a value whose variable's name
 *                   looks secret is registered as a secret (core/redact.h)
 *   config(k=v, ...)  parse mode: applied to the node (keys checked);
 *                   execute mode: nothing, returns ''
 *   this, target (.name .type .schema .database .threads .profile_name),
 *   is_incremental(), doc('name'), log(msg, info=False), execute,
 *   run_started_at (the compile's start, UTC, printed like Python's
 *   datetime: 2026-01-02 03:04:05.678901+00:00), project_name
 *   refused by name: run_query, statement, load_result, adapter.*,
 *   modules.*, graph, dispatch
 *
 * One render at a time per graph (jinja.h's rule): the host functions read
 * the render in progress from the state (st->cur).
 */
#ifndef SL_MODELS_CONTEXT_H
#define SL_MODELS_CONTEXT_H
#include "core/nameidx.h"
#include "jinja/jinja.h"
#include "models/compile.h"

/* One render in progress. */
typedef struct sl_render {
    size_t node;              /* the node rendered; (size_t)-1 for none */
    int execute;              /* 0 parse mode, 1 execute mode */
    int is_incremental;       /* what is_incremental() answers in execute mode */
    /* parse mode: the ref()/source() calls, as written */
    sl_compile_dep *deps;
    size_t ndeps, depcap;
    /* execute mode: the ephemeral models ref()'d, in call order (may repeat) */
    size_t *eph;
    size_t neph, ephcap;
} sl_render;

/* A graph's compile state (compile.c owns it through g->compile). */
typedef struct sl_compile_state {
    sl_graph *g;
    sl_jv *vars;              /* dict: the project's vars with --vars over them */
    sl_render *cur;           /* the render in progress, or NULL */
    char started[48];         /* run_started_at's text */
    /* ref() by name: models first, then seeds, snapshots, pipelines; built
     * for the node array it was built on (rebuilt when the array changes) */
    sl_nameidx refidx;
    const sl_node *idx_nodes;
    size_t idx_n;
    /* execute mode: each node's relation, made once */
    sl_jv **relcache;
} sl_compile_state;

/* Register the context's globals in g->env (ref, source, var, ...). vars
 * is taken. */
void sl_context_init(sl_compile_state *st, sl_jv *vars);
/* Free the context's indexes and caches (not the env, not st). */
void sl_context_release(sl_compile_state *st);
/* The node ref('name') means (models first, then seeds, snapshots,
 * pipelines; never a test, source or analysis), or -1. */
int64_t sl_context_find_ref(sl_compile_state *st, const char *name);
/* Make r the render in progress (NULL: none) and set the globals that
 * depend on it: execute, this (node r->node's relation; none for tests),
 * model (the node as a dict: name, unique_id, resource_type, fqn, config,
 * tags). Globals, not locals, so macros see them as in dbt. */
void sl_context_enter(sl_compile_state *st, sl_render *r);
/* Node i as the dict `model` and generate_*_name's `node` (a new reference). */
sl_jv *sl_context_node_value(const sl_graph *g, size_t i);
/* Node i's relation object (a new reference): its quoted text for the
 * target, or an ephemeral model's CTE name. */
sl_jv *sl_context_relation(const sl_graph *g, size_t i);
/* Append node i's quoted relation ("schema"."identifier") to out. */
void sl_context_relation_sql(const sl_graph *g, size_t i, sl_buf *out);
/* Append the CTE name of ephemeral model i (__sluice_cte__NAME, quoted
 * when NAME is not a plain identifier). */
void sl_context_cte_name(const sl_graph *g, size_t i, sl_buf *out);
/* The schema node i lives in: its resolved schema or the target's. */
const char *sl_context_schema(const sl_graph *g, size_t i);

#endif
