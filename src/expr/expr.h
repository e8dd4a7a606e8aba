/*
 * expr.h: SQL expressions over batches, with SQLite's semantics.
 *
 * One expression engine per pipeline run (one in-memory SQLite connection,
 * used only by the transform thread). A batch is exposed as a virtual table
 * (module "sl_batch"); an expression is compiled into
 *     SELECT <expr> FROM <vtab>
 * and evaluated over the current batch, one result per row, in row order.
 * Each transform gets its own virtual table, declared with the columns of
 * the batches it sees; when those change, the statement is recompiled.
 *
 * Safety: a configured expression is only ever an expression. While one
 * compiles or runs, the engine's authorizer allows reading and calling
 * functions, nothing else (no ATTACH, DETACH, PRAGMA, DDL or DML). An
 * engine of its own also refuses ATTACH and DETACH at any time and has the
 * attached-database limit 0 (its other internal statements, and dedupe's
 * temporary tables, are not configured text). The statement form is a
 * separate internal constructor, not a marker in the text.
 *
 * Values reach SQLite as: int/bool -> INTEGER, float -> REAL, date and
 * timestamp -> ISO-8601 TEXT (so date() and strftime() work), text, json
 * and decimal -> TEXT.
 */
#ifndef SL_EXPR_H
#define SL_EXPR_H
#include "core/batch.h"
#include "core/error.h"
#include <sqlite3.h>

typedef struct sl_expr_engine sl_expr_engine;
typedef struct sl_expr sl_expr;

sl_expr_engine *sl_expr_engine_new(sl_error *err);
/* An engine over someone else's connection (the SQLite sink's warehouse). */
sl_expr_engine *sl_expr_engine_wrap(sqlite3 *db, sl_error *err);
void sl_expr_engine_free(sl_expr_engine *e);
/* The engine's connection, for transforms that need their own SQL (dedupe). */
sqlite3 *sl_expr_engine_db(sl_expr_engine *e);

/* An expression (the text is copied): one value per row, nothing else.
 * It is compiled as SELECT (text) FROM <the batch's table>, under an
 * authorizer that lets it read and call functions only, and refused when
 * it is not one expression (see sl_expr_validate). */
sl_expr *sl_expr_new(sl_expr_engine *e, const char *text);
/* Internal, never from configuration: the whole statement head + <the
 * batch's table> + tail (e.g. "INSERT INTO t SELECT a,b FROM ", " WHERE
 * true"), run once per sl_expr_eval; it yields no rows. The texts are
 * copied and are SQL the caller built (names through sl_sql_ident). */
sl_expr *sl_expr_statement_new(sl_expr_engine *e, const char *head, const char *tail);
void sl_expr_free(sl_expr *x);
/* Check a configured expression before any data is read (validate, and
 * the project load of every run): one expression (parentheses balanced,
 * no ';', strings and comments closed), SQLite's syntax, functions that
 * exist, and no aggregate or window function at the row's level (a
 * subquery of its own may aggregate). Columns it names are assumed to
 * exist (they come from the data). 0, or -1 with err (SL_ECONFIG) saying
 * what is wrong in the user's terms, never showing the internal query. */
int sl_expr_validate(const char *text, sl_error *err);
/* The columns a configured expression names that are not among
 * known[0..nknown) (`sluice validate`, when the columns are known): the
 * expression is compiled against a table of the known columns with
 * SQLite's own name resolution (names compare without case; a subquery's
 * own tables and json_each() columns are not the row's; a name in double
 * quotes that is no column counts, where SQLite would take it as a text).
 * *unknown gets
 * a NULL-terminated heap array of heap strings, in the order SQLite met
 * them (caller frees each and the array; NULL with *nunknown 0 on error).
 * 0, or -1 with err as sl_expr_validate (the expression is wrong
 * otherwise: syntax, an aggregate, ...). */
int sl_expr_unknown_columns(const char *text, const char *const *known, size_t nknown, char ***unknown,
                            size_t *nunknown, sl_error *err);
/* Evaluate over b: calls fn(ctx, row, value) for each row in order, for
 * every row 0..b->nrows-1 exactly once (an expression that gives another
 * number of values fails: -1, SL_EDATA, and fn never sees a row past the
 * batch). On a compile error (unknown column, syntax, an aggregate)
 * returns -1 with err set (SL_ECONFIG). */
int sl_expr_eval(sl_expr *x, sl_batch *b, void (*fn)(void *ctx, size_t row, sqlite3_value *v),
                 void *ctx, sl_error *err);

/* Evaluate over b into out (one value per row, vec.h's storage classes):
 * through the native plan (vec.h) when the expression compiles to one for
 * b's columns and types (the plan is kept while they stay the same) and
 * the batch's values allow it, else through SQLite (sl_expr_eval); the
 * results are the same either way. Env SLUICE_VEXPR=0 forces SQLite.
 * out's text lives in out's arena or b's, until the next evaluation into
 * out. 0, or -1 with err as sl_expr_eval. Not for statements. */
struct sl_vresult;
int sl_expr_eval_vec(sl_expr *x, sl_batch *b, struct sl_vresult *out, sl_error *err);
/* SQLite's truth of row i of a result x gave (a condition: NULL and 0
 * are false, text is its leading number): 1 or 0. */
int sl_expr_truth(sl_expr *x, const struct sl_vresult *r, size_t i);
/* A condition over b: flags[r] = its truth in row r (sl_expr_truth),
 * for every row (flags holds b->nrows bytes); evaluated as
 * sl_expr_eval_vec does, into values x keeps. 0, or -1 with err. */
int sl_expr_eval_flags(sl_expr *x, sl_batch *b, uint8_t *flags, sl_error *err);
/* How many batches x evaluated natively and through SQLite. */
void sl_expr_paths(const sl_expr *x, int64_t *native, int64_t *sqlite);

/* Bind a batch cell as a SQLite value (shared with the SQLite sink). */
void sl_expr_bind_cell(sqlite3_stmt *st, int idx, const sl_column *c, size_t row);

#endif
