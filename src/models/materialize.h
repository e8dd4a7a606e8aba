/*
 * materialize.h: building a node's relation in the warehouse from its
 * compiled SQL, as dbt's materializations do, in SQLite's and
 * PostgreSQL's dialects (models/adapter.h):
 *
 *   view         CREATE VIEW (replaced in one transaction)
 *   table        built under a temporary name, swapped in in one transaction:
 *                readers see the old table or the new one, never half of one
 *   incremental  append | merge (unique_key) | delete+insert; on_schema_change
 *                ignore | append_new_columns | fail | sync_all_columns; a
 *                failed run leaves the table as it was
 *   ephemeral    nothing (inlined as a CTE by the compiler)
 *   snapshot     SCD type 2 (timestamp or check strategy, hard_deletes)
 *   seed         a CSV through the CSV reader, replaced whole
 */
#ifndef SL_MODELS_MATERIALIZE_H
#define SL_MODELS_MATERIALIZE_H
#include "models/adapter.h"
#include "models/node.h"

struct sl_project;

typedef struct sl_mat_result {
    int64_t rows_affected;     /* rows inserted/updated/merged; -1 unknown (views) */
    char message[128];         /* dbt-style status text: "CREATE VIEW", "INSERT 120", "SNAPSHOT 3 changed" */
} sl_mat_result;

/* Write-audit-publish (docs/quality/models.md): called inside the build's
 * transaction, after the new data is written and before it is published
 * (table: the work relation, or the table itself when built in place;
 * incremental: the target after the merge), with `staged` the relation
 * holding what readers will see after the commit. Return 0 to publish,
 * -1 with err set to roll back (the old relation stays). */
typedef int (*sl_mat_audit_fn)(void *ctx, sl_adapter *a, sl_relation staged, sl_error *err);
typedef struct sl_mat_audit {
    sl_mat_audit_fn fn;        /* NULL: no audit */
    void *ctx;
} sl_mat_audit;

/* Whether the model renders with is_incremental() true: materialized
 * incremental, its relation exists as a table, and no full refresh. */
int sl_materialize_is_incremental(sl_adapter *a, const sl_node *n, int full_refresh, int *yes, sl_error *err);
/* Build a model (view, table, incremental; ephemeral does nothing). */
int sl_materialize_model(sl_adapter *a, const sl_node *n, const char *sql, int full_refresh, sl_mat_result *res,
                         sl_error *err);
/* The same with an audit of table and incremental builds (views and
 * ephemeral models are not audited; audit may be NULL). */
int sl_materialize_model_audited(sl_adapter *a, const sl_node *n, const char *sql, int full_refresh,
                                 const sl_mat_audit *audit, sl_mat_result *res, sl_error *err);
/* Run a snapshot: sql is its rendered select. */
int sl_materialize_snapshot(sl_adapter *a, const sl_node *n, const char *sql, sl_mat_result *res, sl_error *err);
/* Load a seed's CSV (n->file relative to the project folder). */
int sl_materialize_seed(sl_adapter *a, const struct sl_project *p, const sl_node *n, sl_mat_result *res,
                        sl_error *err);

#endif
