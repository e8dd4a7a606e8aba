/*
 * build_checks.h: what the executor (build.c) and `sluice check`
 * (cli/cmd_check.c) share about data quality on models: running a test
 * node that carries a sluice check, mapping a dbt test's result to a
 * check result, write-audit-publish of a model's checks, and profiling a
 * built node and feeding its monitors. Not a public interface beyond the
 * models layer and its commands.
 */
#ifndef SL_MODELS_BUILD_CHECKS_H
#define SL_MODELS_BUILD_CHECKS_H
#include "models/adapter.h"
#include "models/build.h"
#include "models/test.h"
#include "quality/check.h"
#include "state/state.h"

struct sl_alerter;

/* The relation a test node (generic test or check) reads: its model's. */
sl_relation sl_build_test_relation(const sl_graph *g, const sl_node *t);
/* Run check node i (g->nodes[i].check != NULL) on rel with the result's
 * node = the tested node's unique id, check = the check's name; s (may be
 * NULL) gives the history. Always fills out (release with
 * sl_check_result_release); 0 for pass/warn, -1 for fail/error. */
int sl_build_check_run(sl_adapter *a, const sl_graph *g, size_t i, sl_relation rel, sl_state *s,
                       sl_check_result *out);
/* A dbt test's result (generic or singular) as a check result: node = the
 * tested node's unique id (the test's own for a singular test), check =
 * the test node's name, kind = the test's name ("singular" for a singular
 * test), observed = failing rows. Takes tr->sample_json's copy. */
void sl_build_check_from_test(const sl_graph *g, size_t i, const sl_test_result *tr, double duration_s,
                              sl_check_result *out);
/* Whether test node t is audited before its model is published: a check
 * of severity error whose only upstream is the model, not of kind sql
 * (its query names the published table itself). */
int sl_build_audits(const sl_graph *g, size_t model, size_t t);
/* After model/seed/snapshot i was built: profile its relation (tables,
 * incremental models, seeds, snapshots; not views) into the state store
 * under run_id and feed its monitors (volume = rows in the table).
 * Problems are logged as warnings: observing never fails a build. */
void sl_build_observe(sl_adapter *a, const sl_graph *g, size_t i, sl_state *s, struct sl_alerter *al,
                      const char *run_id);
/* Keep every check result of the build (sl_node_result.checks) in the
 * state store under run_id (the invocation), in one transaction. */
int sl_build_store_checks(sl_state *s, const sl_build *b, const char *run_id, sl_error *err);

#endif
