/*
 * materialize_impl.h: what materialize.c, snapshot.c and seed.c share:
 * the node's relation, names for work tables, hooks, dropping and
 * swapping relations, and running a statement that wraps the user's SQL
 * (an error then says on which line of the compiled SQL it is).
 */
#ifndef SL_MODELS_MATERIALIZE_IMPL_H
#define SL_MODELS_MATERIALIZE_IMPL_H
#include "models/materialize.h"

/* The node's relation: its resolved schema (NULL: the default) and
 * identifier (else alias, else name). Points into the node. */
sl_relation sl_mat_relation(const sl_node *n);
/* identifier + suffix as a name the warehouse keeps whole: on PostgreSQL
 * a name over 63 bytes is cut and hashed (sl_sql_name_fit), so a work
 * table never lands on the target's name. Caller frees. */
char *sl_mat_work_name(sl_adapter *a, const char *identifier, const char *suffix);
/* Run the hook statements in order; `which` ("pre_hook") names a failure. */
int sl_mat_hooks(sl_adapter *a, const sl_strv *hooks, const char *which, sl_error *err);
/* Drop r if it exists, as a table or a view, whichever it is (PostgreSQL:
 * CASCADE, as dbt does: views over it go and are rebuilt by their models). */
int sl_mat_drop(sl_adapter *a, sl_relation r, sl_error *err);
/* In the open transaction: drop target (table or view) and rename the
 * table `work` (same schema) to target's name. */
int sl_mat_swap(sl_adapter *a, sl_relation target, const char *work, sl_error *err);
/* Whether a table build may go straight into r inside its transaction
 * instead of through a work table and a RENAME: on SQLite, when sql (NULL:
 * no SQL, a seed) does not mention r's name, so it cannot read the old
 * table. Readers cannot tell: the transaction hides both ways. */
int sl_mat_direct(sl_adapter *a, const char *sql, sl_relation r);
/* Run head + sql + tail (sql: the user's compiled SQL); on failure the
 * error gains " (line N of the compiled SQL)" when the warehouse located
 * the error inside sql. *rows as sl_adapter_exec_count (may be NULL). */
int sl_mat_exec_user(sl_adapter *a, const char *head, const char *sql, const char *tail, int64_t *rows,
                     sl_error *err);
/* The compiled SQL without trailing spaces and semicolons (caller frees). */
char *sl_mat_clean_sql(const char *sql);
/* Whether two column names are the same column (SQLite: ASCII case-insensitive). */
int sl_mat_same_column(sl_adapter *a, const char *x, const char *y);
/* Index of name in cols, or -1. */
int sl_mat_find_column(sl_adapter *a, const sl_adapter_column *cols, size_t n, const char *name);
/* Append the quoted names, comma separated, each prefixed with `alias.` when alias is not NULL. */
void sl_mat_column_list(sl_buf *b, const char *alias, const sl_adapter_column *cols, size_t n);
void sl_mat_name_list(sl_buf *b, const char *alias, char *const *names, size_t n);
/* A count query's value (SELECT count(*) FROM rel). */
int sl_mat_count(sl_adapter *a, sl_relation r, int64_t *out, sl_error *err);

#endif
