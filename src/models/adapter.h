/*
 * adapter.h: what the model layer needs of a warehouse, once for SQLite
 * (the embedded default) and once for PostgreSQL: statements, a count, the
 * columns of a relation, whether it exists, and the dialect's spelling of
 * DDL. Materializations (models/materialize.h) are written against it.
 *
 * An adapter is one connection, used by one thread at a time; `sluice
 * build --threads N` opens one per thread (SQLite: one writer).
 * Names reaching SQL go through core/sqlident.h, never pasted raw.
 */
#ifndef SL_MODELS_ADAPTER_H
#define SL_MODELS_ADAPTER_H
#include "core/error.h"
#include "core/util.h"
#include <stdint.h>

struct sl_project;

typedef struct sl_relation {
    const char *schema;      /* NULL: the default schema (SQLite "main", PostgreSQL the target schema) */
    const char *identifier;
} sl_relation;

typedef struct sl_adapter sl_adapter;

/* Open the project's warehouse (SQLite file or PostgreSQL URL). */
int sl_adapter_open(const struct sl_project *p, sl_adapter **out, sl_error *err);
void sl_adapter_close(sl_adapter *a);
/* "sqlite" or "postgres" ({{ target.type }}). */
const char *sl_adapter_type(const sl_adapter *a);
/* The target's default schema name ("main" on SQLite, "public" or the
 * URL's/target's schema on PostgreSQL) ({{ target.schema }}). */
const char *sl_adapter_schema(const sl_adapter *a);
/* Append the quoted relation ("schema"."name") to out. */
void sl_adapter_relation_sql(const sl_adapter *a, sl_relation r, sl_buf *out);
/* Run statements (no rows). */
int sl_adapter_exec(sl_adapter *a, const char *sql, sl_error *err);
int sl_adapter_begin(sl_adapter *a, sl_error *err);
int sl_adapter_commit(sl_adapter *a, sl_error *err);
/* Roll back the open transaction; nothing when none is open. */
void sl_adapter_rollback(sl_adapter *a);
/* Run a query returning one integer (a count): *out, 0 when NULL. */
int sl_adapter_scalar(sl_adapter *a, const char *sql, int64_t *out, sl_error *err);
/* Rows of a query (one statement), as text cells (NULL cells NULL), to
 * fn; at most max_rows (0: all); stops when fn returns nonzero. The names
 * and cells are valid during the call only. Used by `sluice show`, test
 * failure samples. */
int sl_adapter_query(sl_adapter *a, const char *sql, size_t max_rows,
                     int (*fn)(void *ctx, size_t ncols, const char *const *names, const char *const *cells),
                     void *ctx, sl_error *err);
/* Whether the relation exists; *is_view says whether it is a view. */
int sl_adapter_exists(sl_adapter *a, sl_relation r, int *exists, int *is_view, sl_error *err);
/* The relation's columns in order, with their declared types (caller frees with sl_adapter_columns_free). */
typedef struct sl_adapter_column {
    char *name;
    char *type;
} sl_adapter_column;
int sl_adapter_columns(sl_adapter *a, sl_relation r, sl_adapter_column **cols, size_t *n, sl_error *err);
void sl_adapter_columns_free(sl_adapter_column *cols, size_t n);
/* Create the schema if the warehouse has schemas (PostgreSQL; SQLite: a
 * non-main schema is an attached database file next to the warehouse:
 * <warehouse>.<schema>.db, attached on open when it exists; warehouse.db's
 * schema staging is warehouse.staging.db). Call it outside a transaction
 * (SQLite cannot attach inside one). */
int sl_adapter_ensure_schema(sl_adapter *a, const char *schema, sl_error *err);

/* --- added by the adapters' implementation (h3) --- */

/* sl_adapter_open with the PostgreSQL target schema given (NULL: the
 * warehouse's `schema:`, else "public"); ignored on SQLite. The schema is
 * created when a relation is built in it. */
int sl_adapter_open_target(const struct sl_project *p, const char *schema, sl_adapter **out, sl_error *err);
/* "sqlite" or "postgres" as an sl_sql_dialect (core/sqlident.h). */
int sl_adapter_is_pg(const sl_adapter *a);
/* sl_adapter_exec that also gives the rows the (last) statement changed. */
int sl_adapter_exec_count(sl_adapter *a, const char *sql, int64_t *rows, sl_error *err);
/* Run exactly one statement (*rows its changes; rows may be NULL): SQL
 * holding a second statement after a ';' is refused before anything runs,
 * with "... holds more than one statement". Every statement that embeds a
 * model's, snapshot's or test's compiled SQL goes through it, so no
 * template (nor a var or env_var value in it) can add a statement of its
 * own. SQLite: the tail after the first statement must prepare to nothing;
 * PostgreSQL: the extended protocol, which runs one statement only. */
int sl_adapter_exec_one(sl_adapter *a, const char *sql, int64_t *rows, sl_error *err);
/* After a failed call: the byte offset in the SQL text passed where the
 * warehouse located the error, or -1 (SQLite's sqlite3_error_offset,
 * PostgreSQL's error position). */
int64_t sl_adapter_error_offset(const sl_adapter *a);
/* Insert nrows rows of ncols text cells (row-major, NULL cells NULL) into
 * r's columns `names`; the warehouse converts the text to each column's
 * type (SQLite by affinity, PostgreSQL by the column's input function). */
int sl_adapter_insert(sl_adapter *a, sl_relation r, size_t ncols, const char *const *names, size_t nrows,
                      const char *const *cells, sl_error *err);
/* SQL for "now" as the snapshots' dbt_updated_at/dbt_valid_to values:
 * PostgreSQL now()::timestamp (the transaction's start), SQLite
 * strftime('%Y-%m-%d %H:%M:%f', 'now') (UTC, milliseconds; fixed within
 * one statement). Static text. */
const char *sl_adapter_now_sql(const sl_adapter *a);

/* --- data quality (quality/check.h): checks on a connection someone else owns --- */

/* An adapter over the caller's open connection (a sink's, inside its
 * transaction: write-audit-publish runs checks on staged rows there).
 * Closing the adapter leaves the connection open and its transaction as
 * it is; sl_adapter_begin/commit must not be called on it. pg: the
 * default schema of unqualified relations (NULL: "public"). */
struct sqlite3;
struct pg_conn;
int sl_adapter_wrap_sqlite(struct sqlite3 *db, sl_adapter **out);
int sl_adapter_wrap_pg(struct pg_conn *conn, const char *schema, sl_adapter **out);
/* SQLite: strict = 1 turns off double-quoted string literals in the
 * statements prepared from now on ("x" must name a column; SQLite's
 * default reads an unknown "x" as the text 'x'). Returns the previous
 * setting (0 or 1). PostgreSQL has no such fallback: nothing to do, 1. */
int sl_adapter_strict_names(sl_adapter *a, int strict);

#endif
