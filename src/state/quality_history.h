/*
 * quality_history.h: what the checks read back from the state store
 * (quality/check_run.c): when a pipeline or node last loaded successfully
 * (freshness without a column) and the rows of its previous runs
 * (row_count_change's baseline).
 */
#ifndef SL_STATE_QUALITY_HISTORY_H
#define SL_STATE_QUALITY_HISTORY_H
#include "core/error.h"
#include "state/state.h"

/* Unix seconds of the last successful load of key: a pipeline's latest
 * run with status success (finished_at), else a node's latest
 * node_results row with status success or pass (started_at + duration).
 * *at = 0 when there is none. */
int sl_state_last_load(sl_state *s, const char *key, double *at, sl_error *err);

/* The rows of up to n previous runs, newest first, into vals (*got of
 * them): when key names a pipeline with successful runs, their
 * rows_loaded; otherwise the rows_checked of the previous results of
 * check `check` of `node` in check_results that have rows and did not
 * error. */
int sl_state_rows_history(sl_state *s, const char *key, const char *node, const char *check, int n, double *vals,
                          int *got, sl_error *err);

#endif
