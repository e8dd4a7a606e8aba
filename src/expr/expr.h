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

/* An expression (the text is copied). A text containing "{batch}" is a
 * whole statement in which {batch} names the batch's virtual table
 * (e.g. INSERT INTO t SELECT * FROM {batch}); it yields no rows. */
sl_expr *sl_expr_new(sl_expr_engine *e, const char *text);
void sl_expr_free(sl_expr *x);
/* Evaluate over b: calls fn(ctx, row, value) for each row in order.
 * On a compile error (unknown column, syntax) returns -1 with err set. */
int sl_expr_eval(sl_expr *x, sl_batch *b, void (*fn)(void *ctx, size_t row, sqlite3_value *v),
                 void *ctx, sl_error *err);

/* Bind a batch cell as a SQLite value (shared with the SQLite sink). */
void sl_expr_bind_cell(sqlite3_stmt *st, int idx, const sl_column *c, size_t row);

#endif
