/*
 * results.h: what a build leaves behind (models/build.h): the compiled SQL
 * of each node under target/compiled/, target/run_results.json (format in
 * docs/MODELS.md), one row per node in the state store (state.h,
 * sl_state_node_result) for `sluice history`, and the JSON of a node's
 * result that `--json` prints.
 */
#ifndef SL_MODELS_RESULTS_H
#define SL_MODELS_RESULTS_H
#include "core/error.h"
#include "core/util.h"
#include "models/build.h"
#include "state/state.h"

/* Where node i's compiled SQL is written: "<target>/compiled/<project>/<file>"
 * (tests: ".../<file>/<test name>.sql"), relative to the project folder
 * when the target folder is inside it. Caller frees. */
char *sl_results_compiled_path(const sl_graph *g, size_t i);
/* Write node i's compiled SQL there (folders made as needed). */
int sl_results_write_compiled(const sl_graph *g, size_t i, const char *sql, sl_error *err);
/* One result as a JSON object (run_results.json's "results" element). */
void sl_results_node_json(const sl_graph *g, const sl_node_result *r, sl_buf *out);
/* The whole run_results document (metadata, results, elapsed_time, args). */
void sl_results_json(const sl_graph *g, const sl_build *b, const char *invocation_id, const char *command,
                     sl_buf *out);
/* Write it to <target>/run_results.json (replaced atomically). */
int sl_results_write(const sl_graph *g, const sl_build *b, const char *invocation_id, const char *command,
                     sl_error *err);
/* Keep every result in the state store under invocation_id. */
int sl_results_store(sl_state *s, const sl_graph *g, const sl_build *b, const char *invocation_id, sl_error *err);

#endif
