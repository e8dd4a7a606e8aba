/*
 * nodeconfig.h: a template's {{ config(...) }} call (nodeconfig.c). In
 * parse mode each keyword is checked and applied to the node rendered
 * (last in dbt's order: after the project's config tree and the properties
 * files); in execute mode the call does nothing and prints ''.
 *
 * Keys: every field of node.h's sl_node_config (enabled, materialized,
 * schema, alias, tags, unique_key, incremental_strategy, on_schema_change,
 * full_refresh, strategy, updated_at, check_cols, hard_deletes,
 * invalidate_hard_deletes, target_schema, severity, error_if, warn_if,
 * where, limit, store_failures, column_types, delimiter, pre_hook,
 * post_hook, schedule, after); keys with no effect on results are accepted
 * and ignored (meta, docs, persist_docs, grants, group, access,
 * description, quote_columns, quoting, indexes, on_configuration_change,
 * target_database); keys that would change results and sluice does not
 * implement are refused by name (database, contract, sql_header,
 * incremental_predicates, merge_update_columns, merge_exclude_columns,
 * microbatch's event_time, batch_size, lookback, begin, concurrent_batches,
 * dbt_valid_to_current, snapshot_meta_column_names, fail_calc, packages).
 * An unknown key is an error with the closest known key. tags, pre_hook
 * and post_hook add to what the node had, as dbt's do.
 */
#ifndef SL_MODELS_NODECONFIG_H
#define SL_MODELS_NODECONFIG_H
#include "jinja/jinja.h"
#include "models/node.h"

/* The `config` host function; ud is the graph's sl_compile_state. */
int sl_nodeconfig_fn(void *ud, const sl_jinja_args *a, sl_jv **ret, sl_error *err);
/* Apply one key = value to c ("materialized", "table"); -1 with err's
 * message naming the key (no location: the caller's). */
int sl_nodeconfig_set(sl_node_config *c, const char *key, const sl_jv *v, sl_error *err);

#endif
