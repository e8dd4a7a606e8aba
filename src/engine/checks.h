/*
 * checks.h: a pipeline's `checks:` during a run (docs/quality/pipelines.md).
 *
 * In the stream (transform thread, after the transforms, before the sinks
 * write): the kinds sl_check_kind_in_stream() says, on the rows the run
 * loads (rows of a resumed epoch that every sink committed earlier are not
 * this run's and are not seen).
 *   - row-level kinds with a predicate (not_null, accepted_values, regex,
 *     range, length, format, expression) through the run's expression
 *     engine (sl_check_fail_predicate, SQLite dialect, compiled once per
 *     batch schema): failing rows counted, sampled (10), and with
 *     on_fail: quarantine rejected into the DLQ ("check NAME failed: ...",
 *     counted as rejected: read = loaded + filtered + rejected holds; a row
 *     failing two quarantine checks is rejected once). on_fail: fail
 *     (error severity) stops the run before the batch that crosses
 *     max_failures is written.
 *   - unique / duplicate_rate: exact, keys counted in a temporary on-disk
 *     SQLite database (bounded memory). unique with quarantine rejects
 *     the rows of a key already loaded (the first occurrence loads).
 *   - aggregates over the run: null_rate, required_columns, schema (the
 *     batches' sluice types), row_count (rows loaded), row_count_change
 *     (against the previous successful runs' rows_loaded), freshness with
 *     a column (its greatest value), and a row-level check's
 *     max_failure_rate. Decided by sl_run_checks_end after the last batch.
 * In the warehouse (relationships, equal_aggregates, row_count_match with
 * a table, sql, freshness without a column): sl_check_run on the relation
 * the sink's audit callback gives (component.h): the staged rows before
 * publish for a sink that publishes at the end, the table after finish
 * otherwise. row_count_match with compare_to: source compares the rows
 * the first SQL sink took in this run (created + updated + unchanged)
 * with rows read - filtered - rejected.
 *
 * Threads: sl_run_checks_batch on the transform thread only; everything
 * else on the engine's thread once the stages joined.
 */
#ifndef SL_ENGINE_CHECKS_H
#define SL_ENGINE_CHECKS_H
#include "core/batch.h"
#include "core/error.h"
#include "engine/component.h"
#include "quality/check.h"
#include "state/state.h"

typedef struct sl_run_checks sl_run_checks;

/* The checks of run->pipeline for this run: *out NULL when it has none.
 * node: the results' node ("pipeline.<project>.<name>", copied). */
int sl_run_checks_open(sl_run *run, const char *node, sl_run_checks **out, sl_error *err);
void sl_run_checks_free(sl_run_checks *c);

/* Transform thread: check rows [from, b->nrows) of b (rows before `from`
 * were loaded by an earlier run of the epoch), quarantine rows, feed the
 * aggregates. -1 with err when a row-level check with on_fail: fail (and
 * error severity) has more failing rows than it allows: the batch must not
 * be written. */
int sl_run_checks_batch(sl_run_checks *c, sl_batch *b, size_t from, sl_error *err);

/* After the last batch: judge the stream checks. counts: the run's;
 * sink_rows: rows the first SQL sink took (row_count_match source; -1
 * unknown); partial: the run stopped early (messages say so). Idempotent:
 * a second call does nothing. */
void sl_run_checks_end(sl_run_checks *c, const sl_run_counts *counts, int64_t sink_rows, int partial);

/* 1 when the pipeline has checks that read the warehouse. */
int sl_run_checks_has_warehouse(const sl_run_checks *c);
/* Run the warehouse checks through sink's audit callback (staged: see
 * component.h). A sink without audit makes them results of status error. */
int sl_run_checks_audit(sl_run_checks *c, sl_instance *sink, int staged, sl_error *err);

/* 1 when a judged check stops the run (status fail or error, severity
 * error, on_fail fail): err gets "check NAME failed: ..." (and how many
 * more). 0 otherwise. */
int sl_run_checks_blocking(const sl_run_checks *c, sl_error *err);

/* Store them under run_id (state/quality_store.h). */
int sl_run_checks_store(const sl_run_checks *c, sl_state *s, const char *run_id, sl_error *err);
/* The results as a JSON array (json, cut to a valid "[]" when it would not
 * fit) and one line per check that did not pass (text). */
void sl_run_checks_summary(const sl_run_checks *c, char *json, size_t jcap, char *text, size_t tcap);

#endif
