/*
 * statedb.h: the two databases the state store can live in (internal to
 * src/state). state.c writes its SQL once, in the subset SQLite and
 * PostgreSQL share: $1..$N parameters (all passed as text, NULL allowed),
 * ON CONFLICT, RETURNING, CAST. A backend runs that SQL and hands rows back
 * as text. The schema is the one place where the dialects differ.
 *
 * Bytes that need not be UTF-8 (a rejected record's raw text) are kept as
 * they are: in a TEXT column in SQLite (which never checks its text) and a
 * bytea in PostgreSQL. Such a parameter is flagged in `bytes`, and such a
 * column comes back as its bytes (a NUL-terminated string, like every
 * other value), never as hex.
 */
#ifndef SL_STATEDB_H
#define SL_STATEDB_H
#include "core/error.h"

/* One result row: n values, NULL for SQL NULL. */
typedef void (*sl_statedb_row_fn)(void *ctx, int n, const char *const *vals);

typedef struct sl_statedb_ops {
    const char *name;
    /* Run sql; rows (if any) go to fn (may be NULL). Bit i of bytes set:
     * params[i] is bytes for a BLOB/bytea column, not text. */
    int (*run)(void *conn, const char *sql, int nparams, const char *const *params, unsigned bytes,
               sl_statedb_row_fn fn, void *ctx, sl_error *err);
    /* BEGIN for a write transaction (SQLite: IMMEDIATE). */
    const char *begin_sql;
    /* Take/release the project-wide lock of a pipeline's runs; 1 = taken. */
    int (*lock)(void *conn, const char *pipeline, int take, sl_error *err);
    void (*close)(void *conn);
} sl_statedb_ops;

int sl_statedb_sqlite_open(const char *path, void **conn, const sl_statedb_ops **ops, sl_error *err);
int sl_statedb_pg_open(const char *url, void **conn, const sl_statedb_ops **ops, sl_error *err);

#endif
