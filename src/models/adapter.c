/*
 * adapter.c: the warehouse adapter's dispatch (models/adapter.h) and what
 * both warehouses share: quoting relations, transactions, the scalar
 * query on top of the row query. The warehouse-specific parts are
 * adapter_sqlite.c and adapter_pg.c (callbacks in adapter_impl.h).
 */
#include "models/adapter_impl.h"
#include "config/project.h"
#include "core/mem.h"
#include "core/sqlident.h"
#include <stdlib.h>
#include <string.h>

sl_adapter *sl_adapter_new(const sl_adapter_ops *ops, const char *schema)
{
    sl_adapter *a = sl_calloc(1, sizeof *a);
    a->ops = ops;
    a->schema = sl_strdup(schema);
    a->err_offset = -1;
    return a;
}

int sl_adapter_open(const sl_project *p, sl_adapter **out, sl_error *err)
{
    return sl_adapter_open_target(p, NULL, out, err);
}

int sl_adapter_open_target(const sl_project *p, const char *schema, sl_adapter **out, sl_error *err)
{
    *out = NULL;
    if (p->warehouse_url)
        return sl_adapter_pg_open(p, schema, out, err);
    return sl_adapter_sqlite_open(p, out, err);
}

void sl_adapter_close(sl_adapter *a)
{
    if (!a)
        return;
    if (a->in_txn)
        sl_adapter_rollback(a);
    a->ops->close(a);
    sl_free(a->schema);
    sl_free(a);
}

const char *sl_adapter_type(const sl_adapter *a)
{
    return a->ops->type;
}

int sl_adapter_is_pg(const sl_adapter *a)
{
    return strcmp(a->ops->type, "postgres") == 0;
}

const char *sl_adapter_schema(const sl_adapter *a)
{
    return a->schema;
}

const char *sl_adapter_now_sql(const sl_adapter *a)
{
    return a->ops->now_sql;
}

int64_t sl_adapter_error_offset(const sl_adapter *a)
{
    return a->err_offset;
}

void sl_adapter_relation_sql(const sl_adapter *a, sl_relation r, sl_buf *out)
{
    sl_sql_ident(out, r.schema && *r.schema ? r.schema : a->schema);
    sl_buf_addc(out, '.');
    sl_sql_ident(out, r.identifier);
}

int sl_adapter_exec(sl_adapter *a, const char *sql, sl_error *err)
{
    a->err_offset = -1;
    return a->ops->exec(a, sql, NULL, err);
}

int sl_adapter_exec_count(sl_adapter *a, const char *sql, int64_t *rows, sl_error *err)
{
    a->err_offset = -1;
    *rows = 0;
    return a->ops->exec(a, sql, rows, err);
}

int sl_adapter_exec_one(sl_adapter *a, const char *sql, int64_t *rows, sl_error *err)
{
    int64_t dummy;
    a->err_offset = -1;
    *(rows ? rows : &dummy) = 0;
    return a->ops->exec_one(a, sql, rows ? rows : &dummy, err);
}

int sl_adapter_begin(sl_adapter *a, sl_error *err)
{
    if (a->in_txn)
        return sl_error_set(err, SL_EINTERNAL, "%s: a transaction is already open", a->ops->type);
    if (sl_adapter_exec(a, a->ops->begin_sql, err) < 0)
        return -1;
    a->in_txn = 1;
    return 0;
}

int sl_adapter_commit(sl_adapter *a, sl_error *err)
{
    if (sl_adapter_exec(a, "COMMIT", err) < 0) {
        sl_adapter_rollback(a);
        return -1;
    }
    a->in_txn = 0;
    return 0;
}

void sl_adapter_rollback(sl_adapter *a)
{
    if (!a->in_txn)
        return;
    sl_error ignored;
    /* SQLite may have rolled back already (some errors end the transaction) */
    a->ops->exec(a, "ROLLBACK", NULL, &ignored);
    a->in_txn = 0;
}

/* The first cell of the first row as an integer (a count; NULL: 0; a
 * number with a fraction is cut toward zero). */
static int scalar_row(void *ctx, size_t ncols, const char *const *names, const char *const *cells)
{
    int64_t *v = ctx;
    (void)names;
    if (ncols > 0 && cells[0]) {
        char *end;
        long long ll = strtoll(cells[0], &end, 10);
        *v = *end ? (int64_t)strtod(cells[0], NULL) : ll;
    }
    return 1;
}

int sl_adapter_scalar(sl_adapter *a, const char *sql, int64_t *out, sl_error *err)
{
    *out = 0;
    return sl_adapter_query(a, sql, 1, scalar_row, out, err);
}

int sl_adapter_query(sl_adapter *a, const char *sql, size_t max_rows, sl_adapter_row_fn fn, void *ctx,
                     sl_error *err)
{
    a->err_offset = -1;
    return a->ops->query(a, sql, max_rows, fn, ctx, err);
}

int sl_adapter_exists(sl_adapter *a, sl_relation r, int *exists, int *is_view, sl_error *err)
{
    *exists = 0;
    if (is_view)
        *is_view = 0;
    int v = 0;
    if (a->ops->exists(a, r, exists, &v, err) < 0)
        return -1;
    if (is_view)
        *is_view = v;
    return 0;
}

int sl_adapter_columns(sl_adapter *a, sl_relation r, sl_adapter_column **cols, size_t *n, sl_error *err)
{
    *cols = NULL;
    *n = 0;
    return a->ops->columns(a, r, cols, n, err);
}

void sl_adapter_columns_free(sl_adapter_column *cols, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sl_free(cols[i].name);
        sl_free(cols[i].type);
    }
    sl_free(cols);
}

int sl_adapter_ensure_schema(sl_adapter *a, const char *schema, sl_error *err)
{
    if (!schema || !*schema || strcmp(schema, a->schema) == 0)
        return a->ops->ensure_schema(a, a->schema, err);
    return a->ops->ensure_schema(a, schema, err);
}

int sl_adapter_insert(sl_adapter *a, sl_relation r, size_t ncols, const char *const *names, size_t nrows,
                      const char *const *cells, sl_error *err)
{
    a->err_offset = -1;
    if (nrows == 0 || ncols == 0)
        return 0;
    return a->ops->insert(a, r, ncols, names, nrows, cells, err);
}
