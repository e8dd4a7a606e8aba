/*
 * dag.h: the dependency graph `after:` draws between a project's
 * pipelines: validation (unknown names, cycles), dependency order, and the
 * neighbourhood of a pipeline (--with-upstream / --with-downstream).
 */
#ifndef SL_DAG_H
#define SL_DAG_H
#include "config/project.h"

/* Report unknown upstreams (with a suggestion) and every cycle, naming it
 * ("a -> b -> a"). Returns the number of diagnostics added. */
int sl_dag_check(const sl_project *p, sl_diags *d);

/* Pipeline indexes in dependency order: upstreams first, ties by name.
 * order has p->npipelines slots. Returns -1 on a cycle. */
int sl_dag_order(const sl_project *p, size_t *order);

/* Mark sel[i] for pipeline i: the named ones, plus (if asked) everything
 * upstream and/or downstream of them. */
void sl_dag_expand(const sl_project *p, int *sel, int upstream, int downstream);

/* Index of a pipeline by name, or -1. */
int sl_dag_index(const sl_project *p, const char *name);

#endif
