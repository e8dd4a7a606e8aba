/*
 * adapter_impl.h: the inside of an sl_adapter (models/adapter.h): a table
 * of callbacks per warehouse, filled by adapter_sqlite.c and adapter_pg.c,
 * and the state adapter.c's shared code keeps for both. Only the adapter
 * files include it.
 */
#ifndef SL_MODELS_ADAPTER_IMPL_H
#define SL_MODELS_ADAPTER_IMPL_H
#include "models/adapter.h"

typedef int (*sl_adapter_row_fn)(void *ctx, size_t ncols, const char *const *names, const char *const *cells);

typedef struct sl_adapter_ops {
    const char *type;      /* "sqlite" | "postgres" */
    const char *now_sql;   /* sl_adapter_now_sql */
    /* run statements (several allowed); *rows: changes of the last one (may be NULL) */
    int (*exec)(sl_adapter *a, const char *sql, int64_t *rows, sl_error *err);
    /* run exactly one statement: SQL that holds a second one is refused
     * before anything runs (a model's SQL is one statement inside its
     * materialization, whatever its template produced) */
    int (*exec_one)(sl_adapter *a, const char *sql, int64_t *rows, sl_error *err);
    int (*query)(sl_adapter *a, const char *sql, size_t max_rows, sl_adapter_row_fn fn, void *ctx, sl_error *err);
    int (*exists)(sl_adapter *a, sl_relation r, int *exists, int *is_view, sl_error *err);
    int (*columns)(sl_adapter *a, sl_relation r, sl_adapter_column **cols, size_t *n, sl_error *err);
    int (*ensure_schema)(sl_adapter *a, const char *schema, sl_error *err);
    int (*insert)(sl_adapter *a, sl_relation r, size_t ncols, const char *const *names, size_t nrows,
                  const char *const *cells, sl_error *err);
    const char *begin_sql; /* "BEGIN IMMEDIATE" on SQLite: take the write lock now, waiting up to the busy timeout */
    void (*close)(sl_adapter *a);
} sl_adapter_ops;

struct sl_adapter {
    const sl_adapter_ops *ops;
    char *schema;           /* the default schema: "main", or the PostgreSQL target schema */
    int64_t err_offset;     /* sl_adapter_error_offset */
    int in_txn;
    void *impl;             /* the warehouse's connection state */
};

/* The two warehouses' open functions (adapter_sqlite.c, adapter_pg.c). */
int sl_adapter_sqlite_open(const struct sl_project *p, sl_adapter **out, sl_error *err);
int sl_adapter_pg_open(const struct sl_project *p, const char *schema, sl_adapter **out, sl_error *err);
/* A new adapter with ops and schema (copied); impl set by the caller. */
sl_adapter *sl_adapter_new(const sl_adapter_ops *ops, const char *schema);

#endif
