/* expr.c: see expr.h. The virtual table is read-only and scans the batch
 * set by sl_expr_eval(); rowid is the row index. */
#include "expr/expr.h"
#include "expr/functions.h"
#include "core/mem.h"
#include "core/sqlident.h"
#include "db/sqlite.h"
#include <stdio.h>
#include <string.h>

struct sl_expr_engine {
    sqlite3 *db;
    int next_id;
    int borrowed; /* the connection belongs to someone else */
};

struct sl_expr {
    sl_expr_engine *e;
    char *text;
    char vtab[32];
    sqlite3_stmt *stmt;
    char *sig;          /* column names the statement was compiled for */
    sl_batch *cur;      /* batch being evaluated (read by the vtab) */
};

/* ---- the virtual table --------------------------------------------------- */

typedef struct bvtab {
    sqlite3_vtab base;
    sl_expr *x;
} bvtab;

typedef struct bcursor {
    sqlite3_vtab_cursor base;
    size_t row;
} bcursor;

static int bt_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
                      char **errmsg)
{
    /* argv[3] is the expression pointer's slot; columns come from argv[4..] */
    sl_buf sql;
    sl_buf_init(&sql);
    sl_buf_adds(&sql, "CREATE TABLE x(");
    for (int i = 4; i < argc; i++) {
        if (i > 4)
            sl_buf_addc(&sql, ',');
        sl_buf_adds(&sql, argv[i]); /* already quoted by sl_expr_eval */
    }
    if (argc <= 4)
        sl_buf_adds(&sql, "\"_sluice_no_columns\"");
    sl_buf_addc(&sql, ')');
    int rc = sqlite3_declare_vtab(db, sql.data);
    sl_buf_release(&sql);
    if (rc != SQLITE_OK)
        return rc;
    bvtab *t = sqlite3_malloc(sizeof *t);
    if (!t)
        return SQLITE_NOMEM;
    memset(t, 0, sizeof *t);
    void *ptr = NULL;
    sscanf(argv[3], "%p", &ptr);
    t->x = ptr;
    *out = &t->base;
    return SQLITE_OK;
}

static int bt_disconnect(sqlite3_vtab *v)
{
    sqlite3_free(v);
    return SQLITE_OK;
}

static int bt_best_index(sqlite3_vtab *v, sqlite3_index_info *info)
{
    info->estimatedCost = 1000;
    return SQLITE_OK;
}

static int bt_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out)
{
    bcursor *c = sqlite3_malloc(sizeof *c);
    if (!c)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    *out = &c->base;
    return SQLITE_OK;
}

static int bt_close(sqlite3_vtab_cursor *c)
{
    sqlite3_free(c);
    return SQLITE_OK;
}

static int bt_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxs, int argc, sqlite3_value **argv)
{
    ((bcursor *)cur)->row = 0;
    return SQLITE_OK;
}

static int bt_next(sqlite3_vtab_cursor *cur)
{
    ((bcursor *)cur)->row++;
    return SQLITE_OK;
}

static int bt_eof(sqlite3_vtab_cursor *cur)
{
    bvtab *t = (bvtab *)cur->pVtab;
    return !t->x->cur || ((bcursor *)cur)->row >= t->x->cur->nrows;
}

void sl_expr_bind_cell(sqlite3_stmt *st, int idx, const sl_column *c, size_t row)
{
    if (!c->valid[row]) {
        sqlite3_bind_null(st, idx);
        return;
    }
    char tmp[64];
    switch (sl_column_is_text(c) ? SL_T_TEXT : c->type) {
    case SL_T_BOOL:
    case SL_T_INT: sqlite3_bind_int64(st, idx, c->i64[row]); break;
    case SL_T_FLOAT: sqlite3_bind_double(st, idx, c->f64[row]); break;
    case SL_T_DATE: sqlite3_bind_text(st, idx, tmp, (int)sl_format_date(tmp, c->i64[row]), SQLITE_TRANSIENT); break;
    case SL_T_TIMESTAMP:
        sqlite3_bind_text(st, idx, tmp, (int)sl_format_timestamp(tmp, c->i64[row]), SQLITE_TRANSIENT);
        break;
    default: sqlite3_bind_text(st, idx, c->str[row].p, (int)c->str[row].n, SQLITE_STATIC); break;
    }
}

static int bt_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i)
{
    bvtab *t = (bvtab *)cur->pVtab;
    size_t row = ((bcursor *)cur)->row;
    sl_batch *b = t->x->cur;
    if ((size_t)i >= b->ncols || !b->cols[i].valid[row]) {
        sqlite3_result_null(ctx);
        return SQLITE_OK;
    }
    const sl_column *c = &b->cols[i];
    char tmp[64];
    switch (sl_column_is_text(c) ? SL_T_TEXT : c->type) {
    case SL_T_BOOL:
    case SL_T_INT: sqlite3_result_int64(ctx, c->i64[row]); break;
    case SL_T_FLOAT: sqlite3_result_double(ctx, c->f64[row]); break;
    case SL_T_DATE: sqlite3_result_text(ctx, tmp, (int)sl_format_date(tmp, c->i64[row]), SQLITE_TRANSIENT); break;
    case SL_T_TIMESTAMP:
        sqlite3_result_text(ctx, tmp, (int)sl_format_timestamp(tmp, c->i64[row]), SQLITE_TRANSIENT);
        break;
    default: sqlite3_result_text(ctx, c->str[row].p, (int)c->str[row].n, SQLITE_STATIC); break;
    }
    return SQLITE_OK;
}

static int bt_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *out)
{
    *out = (sqlite3_int64)((bcursor *)cur)->row;
    return SQLITE_OK;
}

static sqlite3_module batch_module = {
    .iVersion = 0,
    .xCreate = bt_connect,
    .xConnect = bt_connect,
    .xBestIndex = bt_best_index,
    .xDisconnect = bt_disconnect,
    .xDestroy = bt_disconnect,
    .xOpen = bt_open,
    .xClose = bt_close,
    .xFilter = bt_filter,
    .xNext = bt_next,
    .xEof = bt_eof,
    .xColumn = bt_column,
    .xRowid = bt_rowid,
};

/* ---- engine and expressions ---------------------------------------------- */

sl_expr_engine *sl_expr_engine_wrap(sqlite3 *db, sl_error *err)
{
    sl_expr_engine *e = sl_calloc(1, sizeof *e);
    e->db = db;
    e->borrowed = 1;
    if (sqlite3_create_module(db, "sl_batch", &batch_module, NULL) != SQLITE_OK || sl_functions_register(db) < 0) {
        sl_error_set(err, SL_EINTERNAL, "expression engine: %s", sqlite3_errmsg(db));
        sl_free(e);
        return NULL;
    }
    return e;
}

sl_expr_engine *sl_expr_engine_new(sl_error *err)
{
    sl_expr_engine *e = sl_calloc(1, sizeof *e);
    if (sl_sqlite_open(":memory:", &e->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX) != SQLITE_OK ||
        sqlite3_create_module(e->db, "sl_batch", &batch_module, NULL) != SQLITE_OK || sl_functions_register(e->db) < 0) {
        sl_error_set(err, SL_EINTERNAL, "expression engine: %s", sqlite3_errmsg(e->db));
        sl_expr_engine_free(e);
        return NULL;
    }
    return e;
}

void sl_expr_engine_free(sl_expr_engine *e)
{
    if (!e)
        return;
    if (!e->borrowed)
        sqlite3_close(e->db);
    sl_free(e);
}

sqlite3 *sl_expr_engine_db(sl_expr_engine *e)
{
    return e->db;
}

sl_expr *sl_expr_new(sl_expr_engine *e, const char *text)
{
    sl_expr *x = sl_calloc(1, sizeof *x);
    x->e = e;
    x->text = sl_strdup(text);
    snprintf(x->vtab, sizeof x->vtab, "b%d", ++e->next_id);
    return x;
}

static void drop_vtab(sl_expr *x)
{
    if (x->stmt)
        sqlite3_finalize(x->stmt);
    x->stmt = NULL;
    if (x->sig) {
        char sql[64];
        snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS temp.%s", x->vtab);
        sqlite3_exec(x->e->db, sql, NULL, NULL, NULL);
    }
    sl_free(x->sig);
    x->sig = NULL;
}

void sl_expr_free(sl_expr *x)
{
    if (!x)
        return;
    drop_vtab(x);
    sl_free(x->text);
    sl_free(x);
}

static int compile(sl_expr *x, sl_batch *b, sl_error *err)
{
    sl_buf sig, sql;
    sl_buf_init(&sig);
    for (size_t i = 0; i < b->ncols; i++) {
        sl_buf_adds(&sig, b->cols[i].name);
        sl_buf_addc(&sig, '\x1f');
    }
    if (x->stmt && x->sig && strcmp(x->sig, sig.data ? sig.data : "") == 0) {
        sl_buf_release(&sig);
        return 0;
    }
    drop_vtab(x);
    sl_buf_init(&sql);
    sl_buf_addf(&sql, "CREATE VIRTUAL TABLE temp.%s USING sl_batch(%p", x->vtab, (void *)x);
    for (size_t i = 0; i < b->ncols; i++) {
        sl_buf_addc(&sql, ',');
        sl_buf ident;
        sl_buf_init(&ident);
        sl_sql_ident(&ident, b->cols[i].name);
        /* module arguments are split on commas and parentheses; the quoted
         * identifier is passed through with its quotes */
        sl_buf_add(&sql, ident.data, ident.len);
        sl_buf_release(&ident);
    }
    sl_buf_addc(&sql, ')');
    char *msg = NULL;
    int rc = sqlite3_exec(x->e->db, sql.data, NULL, NULL, &msg);
    sl_buf_release(&sql);
    if (rc != SQLITE_OK) {
        sl_error_set(err, SL_ECONFIG, "cannot expose the batch to SQL: %s", msg ? msg : "?");
        sqlite3_free(msg);
        sl_buf_release(&sig);
        return -1;
    }
    x->sig = sl_buf_detach(&sig);
    sl_buf_init(&sql);
    const char *slot = strstr(x->text, "{batch}");
    if (slot) {
        /* a whole statement over the batch */
        sl_buf_add(&sql, x->text, (size_t)(slot - x->text));
        sl_buf_addf(&sql, "temp.%s", x->vtab);
        sl_buf_adds(&sql, slot + 7);
    } else {
        sl_buf_addf(&sql, "SELECT (%s) FROM temp.%s", x->text, x->vtab);
    }
    rc = sqlite3_prepare_v2(x->e->db, sql.data, -1, &x->stmt, NULL);
    sl_buf_release(&sql);
    if (rc != SQLITE_OK) {
        sl_error_set(err, SL_ECONFIG, "expression '%s': %s", x->text, sqlite3_errmsg(x->e->db));
        x->stmt = NULL;
        return -1;
    }
    return 0;
}

int sl_expr_eval(sl_expr *x, sl_batch *b, void (*fn)(void *ctx, size_t row, sqlite3_value *v), void *ctx,
                 sl_error *err)
{
    if (compile(x, b, err) < 0)
        return -1;
    x->cur = b;
    size_t row = 0;
    int rc;
    while ((rc = sqlite3_step(x->stmt)) == SQLITE_ROW)
        fn(ctx, row++, sqlite3_column_value(x->stmt, 0));
    sqlite3_reset(x->stmt);
    x->cur = NULL;
    if (rc != SQLITE_DONE)
        return sl_error_set(err, rc == SQLITE_CONSTRAINT ? SL_ESQL : SL_EDATA, "expression '%s': %s", x->text,
                            sqlite3_errmsg(x->e->db));
    return 0;
}
