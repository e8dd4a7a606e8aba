/* expr.c: see expr.h. The virtual table is read-only and scans the batch
 * set by sl_expr_eval(); rowid is the row index. */
#include "expr/expr.h"
#include "expr/functions.h"
#include "expr/shape.h"
#include "expr/vec.h"
#include "quality/check.h"
#include "core/mem.h"
#include "core/sqlident.h"
#include "core/util.h"
#include "db/sqlite.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sl_expr_engine {
    sqlite3 *db;
    int next_id;
    int borrowed; /* the connection belongs to someone else */
    int guarded;  /* a configured expression compiles or runs: reads and functions only */
    int denied;   /* the action the authorizer refused last (SQLITE_ATTACH, ...), 0 if none */
    char why[512]; /* SQLite's message for the last expression that failed to compile */
};

struct sl_expr {
    sl_expr_engine *e;
    char *text;         /* the expression; a statement's head */
    char *tail;         /* a statement's text after the table; NULL for an expression */
    char vtab[32];
    sqlite3_stmt *stmt;
    char *sig;          /* column names the statement was compiled for */
    sl_batch *cur;      /* batch being evaluated (read by the vtab) */
    /* the native plan (vec.h), for the columns (names, types, text or
     * not) in vcols[0..nvcols); vplanned once a plan was tried for them */
    sl_vexpr *vx;
    struct vcol {
        char *name;
        int type, text;
    } *vcols;
    size_t nvcols;
    int vplanned;
    sqlite3_stmt *truth; /* SQLite's truth of a text (sl_expr_truth) */
    int64_t nnative, nsqlite; /* batches evaluated each way */
    sl_vresult *flags_res;    /* sl_expr_eval_flags' values; NULL until used */
};

/* ---- the virtual table --------------------------------------------------- */

typedef struct bvtab {
    sqlite3_vtab base;
    sl_expr *x;
} bvtab;

/* How xColumn hands a column's cells to SQLite, decided once per scan
 * (bt_filter) rather than per cell: a load reads every cell of every row. */
enum { BT_TEXT, BT_INT, BT_FLOAT, BT_DATE, BT_TIMESTAMP };

typedef struct bcursor {
    sqlite3_vtab_cursor base;
    size_t row;
    const sl_column *cols; /* the scanned batch's columns (sl_expr_eval does not change them) */
    int ncols;
    uint8_t *kind;         /* per column: BT_* (sqlite3_malloc'd, kindcap bytes) */
    int kindcap;
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
    sqlite3_free(((bcursor *)c)->kind);
    sqlite3_free(c);
    return SQLITE_OK;
}

static int bt_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxs, int argc, sqlite3_value **argv)
{
    bcursor *c = (bcursor *)cur;
    const sl_batch *b = ((bvtab *)cur->pVtab)->x->cur;
    c->row = 0;
    c->cols = b ? b->cols : NULL;
    c->ncols = b ? (int)b->ncols : 0;
    if (c->ncols > c->kindcap) {
        uint8_t *k = sqlite3_realloc(c->kind, c->ncols);
        if (!k)
            return SQLITE_NOMEM;
        c->kind = k;
        c->kindcap = c->ncols;
    }
    for (int i = 0; i < c->ncols; i++) {
        const sl_column *col = &c->cols[i];
        switch (sl_column_is_text(col) ? SL_T_TEXT : col->type) {
        case SL_T_BOOL:
        case SL_T_INT: c->kind[i] = BT_INT; break;
        case SL_T_FLOAT: c->kind[i] = BT_FLOAT; break;
        case SL_T_DATE: c->kind[i] = BT_DATE; break;
        case SL_T_TIMESTAMP: c->kind[i] = BT_TIMESTAMP; break;
        default: c->kind[i] = BT_TEXT; break;
        }
    }
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

/* A date or timestamp cell as ISO text (apart from bt_column, whose
 * per-cell path then needs no buffer on its stack). */
static __attribute__((noinline)) void bt_time_text(sqlite3_context *ctx, int kind, int64_t v)
{
    char tmp[64];
    size_t n = kind == BT_DATE ? sl_format_date(tmp, v) : sl_format_timestamp(tmp, v);
    sqlite3_result_text(ctx, tmp, (int)n, SQLITE_TRANSIENT);
}

static int bt_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i)
{
    const bcursor *k = (const bcursor *)cur;
    size_t row = k->row;
    if (i >= k->ncols || !k->cols[i].valid[row]) {
        sqlite3_result_null(ctx);
        return SQLITE_OK;
    }
    const sl_column *c = &k->cols[i];
    switch (k->kind[i]) {
    case BT_TEXT: sqlite3_result_text(ctx, c->str[row].p, (int)c->str[row].n, SQLITE_STATIC); break;
    case BT_INT: sqlite3_result_int64(ctx, c->i64[row]); break;
    case BT_FLOAT: sqlite3_result_double(ctx, c->f64[row]); break;
    default: bt_time_text(ctx, k->kind[i], c->i64[row]); break;
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

/* ---- the authorizer ------------------------------------------------------ */

/* Guarded (a configured expression): SELECT, reading columns, calling
 * functions, WITH RECURSIVE in a subquery; nothing else. Always: no ATTACH
 * or DETACH on an engine of its own (its internal statements never need
 * them). Otherwise the engine's own statements and dedupe's pass. */
static int authorize(void *arg, int action, const char *a, const char *b, const char *db, const char *trigger)
{
    (void)b; (void)db; (void)trigger;
    sl_expr_engine *e = arg;
    int ok;
    if (e->guarded)
        ok = action == SQLITE_SELECT || action == SQLITE_READ || action == SQLITE_FUNCTION ||
             action == SQLITE_RECURSIVE ||
             /* SQLite's own check when a subquery reads a table-valued
              * function (json_each): an expression cannot write anything */
             (action == SQLITE_UPDATE && a && strcmp(a, "sqlite_master") == 0);
    else
        ok = e->borrowed || (action != SQLITE_ATTACH && action != SQLITE_DETACH);
    if (ok)
        return SQLITE_OK;
    e->denied = action;
    return SQLITE_DENY;
}

/* What a refused action was, for the message. */
static const char *action_name(int action)
{
    switch (action) {
    case SQLITE_ATTACH: return "ATTACH";
    case SQLITE_DETACH: return "DETACH";
    case SQLITE_PRAGMA: return "PRAGMA";
    case SQLITE_INSERT: return "INSERT";
    case SQLITE_UPDATE: return "UPDATE";
    case SQLITE_DELETE: return "DELETE";
    case SQLITE_TRANSACTION: return "a transaction";
    case SQLITE_SAVEPOINT: return "a savepoint";
    case SQLITE_ANALYZE: return "ANALYZE";
    case SQLITE_REINDEX: return "REINDEX";
    case SQLITE_ALTER_TABLE: return "ALTER TABLE";
    case SQLITE_CREATE_VTABLE: case SQLITE_DROP_VTABLE: return "a virtual table";
    default: return action >= SQLITE_CREATE_INDEX && action <= SQLITE_DROP_VIEW ? "CREATE or DROP" : "a statement";
    }
}

static int engine_setup(sl_expr_engine *e)
{
    if (sqlite3_create_module(e->db, "sl_batch", &batch_module, NULL) != SQLITE_OK ||
        sl_functions_register(e->db) < 0 || sl_quality_register_sqlite(e->db, NULL) < 0 ||
        sqlite3_set_authorizer(e->db, authorize, e) != SQLITE_OK)
        return -1;
    if (!e->borrowed)
        sqlite3_limit(e->db, SQLITE_LIMIT_ATTACHED, 0);
    return 0;
}

/* ---- engine and expressions ---------------------------------------------- */

sl_expr_engine *sl_expr_engine_wrap(sqlite3 *db, sl_error *err)
{
    sl_expr_engine *e = sl_calloc(1, sizeof *e);
    e->db = db;
    e->borrowed = 1;
    if (engine_setup(e) < 0) {
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
        engine_setup(e) < 0) {
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
    else
        sqlite3_set_authorizer(e->db, NULL, NULL);
    sl_free(e);
}

sqlite3 *sl_expr_engine_db(sl_expr_engine *e)
{
    return e->db;
}

static sl_expr *expr_new(sl_expr_engine *e, const char *text, const char *tail)
{
    sl_expr *x = sl_calloc(1, sizeof *x);
    x->e = e;
    x->text = sl_strdup(text);
    x->tail = tail ? sl_strdup(tail) : NULL;
    snprintf(x->vtab, sizeof x->vtab, "b%d", ++e->next_id);
    return x;
}

sl_expr *sl_expr_new(sl_expr_engine *e, const char *text)
{
    return expr_new(e, text, NULL);
}

sl_expr *sl_expr_statement_new(sl_expr_engine *e, const char *head, const char *tail)
{
    return expr_new(e, head, tail ? tail : "");
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
    /* SLUICE_VEXPR_STATS=1: which path each expression took (benchmarks) */
    if (!x->tail && (x->nnative || x->nsqlite) && getenv("SLUICE_VEXPR_STATS"))
        fprintf(stderr, "sluice: expression '%s': %lld batches native, %lld through SQLite\n", x->text,
                (long long)x->nnative, (long long)x->nsqlite);
    sl_vexpr_free(x->vx);
    for (size_t i = 0; i < x->nvcols; i++)
        sl_free(x->vcols[i].name);
    sl_free(x->vcols);
    if (x->flags_res) {
        sl_vresult_release(x->flags_res);
        sl_free(x->flags_res);
    }
    if (x->truth)
        sqlite3_finalize(x->truth);
    sl_free(x->text);
    sl_free(x->tail);
    sl_free(x);
}

/* The virtual table temp.<x->vtab> with these columns (sig: the names,
 * each followed by \x1f, kept to know when to recompile). */
static int declare_vtab(sl_expr *x, const char *const *names, size_t n, sl_buf *sig, sl_error *err)
{
    drop_vtab(x);
    sl_buf sql;
    sl_buf_init(&sql);
    sl_buf_addf(&sql, "CREATE VIRTUAL TABLE temp.%s USING sl_batch(%p", x->vtab, (void *)x);
    for (size_t i = 0; i < n; i++) {
        sl_buf_addc(&sql, ',');
        /* module arguments are split on commas and parentheses; the quoted
         * identifier is passed through with its quotes */
        sl_sql_ident(&sql, names[i]);
    }
    sl_buf_addc(&sql, ')');
    char *msg = NULL;
    int rc = sqlite3_exec(x->e->db, sql.data, NULL, NULL, &msg);
    sl_buf_release(&sql);
    if (rc != SQLITE_OK) {
        sl_error_set(err, SL_ECONFIG, "cannot expose the batch to SQL: %s", msg ? msg : "?");
        sqlite3_free(msg);
        sl_buf_release(sig);
        return -1;
    }
    x->sig = sl_buf_detach(sig);
    return 0;
}

/* The expression's text sits on lines of its own, so that a trailing
 * -- comment cannot reach the wrapper's closing parenthesis. */
#define WRAP_OPEN "(\n"
#define WRAP_CLOSE "\n)"

/* Prepare SQL made of prefix + x->text + suffix under the guard; on error
 * set err in the user's terms (positions inside the expression, never the
 * wrapper). Returns the statement or NULL. */
/* The documented function closest to name (a typo), or NULL; the same
 * distance rule as the configuration's "did you mean" (config/diag.c). */
static const char *closest_function(const char *name)
{
    size_t n = 0, len = strlen(name);
    const sl_function_doc *docs = sl_functions_docs(&n);
    const char *best = NULL;
    int cap = len <= 4 ? 1 : len <= 8 ? 2 : 3, bestd = cap + 1;
    for (size_t i = 0; i < n; i++) {
        int d = sl_edit_distance(name, docs[i].name, cap);
        if (d < bestd) {
            bestd = d;
            best = docs[i].name;
        }
    }
    return best;
}

static sqlite3_stmt *prepare_guarded(sl_expr *x, const char *prefix, const char *suffix, sl_error *err)
{
    sl_expr_engine *e = x->e;
    sl_buf sql;
    sl_buf_init(&sql);
    sl_buf_adds(&sql, prefix);
    sl_buf_adds(&sql, x->text);
    sl_buf_adds(&sql, suffix);
    sqlite3_stmt *st = NULL;
    e->guarded = 1;
    e->denied = 0;
    e->why[0] = 0;
    int rc = sqlite3_prepare_v2(e->db, sql.data, (int)sql.len, &st, NULL);
    e->guarded = 0;
    int off = sqlite3_error_offset(e->db);
    sl_buf_release(&sql);
    if (rc == SQLITE_OK)
        return st;
    sqlite3_finalize(st);
    snprintf(e->why, sizeof e->why, "%s", sqlite3_errmsg(e->db));
    const char *why = e->why;
    size_t plen = strlen(prefix), tlen = strlen(x->text);
    if (e->denied)
        sl_error_set(err, SL_ECONFIG, "expression '%s': only reading the row and calling functions is allowed, not %s",
                     x->text, action_name(e->denied));
    else if (strstr(why, "syntax error") && off >= 0 && (size_t)off >= plen + tlen)
        sl_error_set(err, SL_ECONFIG, "expression '%s': syntax error: it ends before the expression is complete",
                     x->text);
    else if (strstr(why, "syntax error") && off >= 0 && (size_t)off >= plen)
        sl_error_set(err, SL_ECONFIG, "expression '%s': %s at character %d", x->text, why, off - (int)plen + 1);
    else if (strcmp(why, "row value misused") == 0)
        sl_error_set(err, SL_ECONFIG, "expression '%s': a list of values where one value is expected (an expression "
                     "gives one value per row; a list belongs after IN)", x->text);
    else if (strncmp(why, "no such function: ", 18) == 0 && closest_function(why + 18))
        sl_error_set(err, SL_ECONFIG, "expression '%s': %s; did you mean %s()? (`sluice help functions` lists them)",
                     x->text, why, closest_function(why + 18));
    else if (strncmp(why, "no such function: ", 18) == 0)
        sl_error_set(err, SL_ECONFIG, "expression '%s': %s (`sluice help functions` lists them)", x->text, why);
    else
        sl_error_set(err, SL_ECONFIG, "expression '%s': %s", x->text, why);
    return NULL;
}

/* Prepare the expression over temp.<vtab>, and refuse an aggregate or
 * window function at the row's level: SQLite refuses them in a WHERE
 * clause ("misuse of aggregate ..."), where a subquery's own aggregates
 * are fine, so the expression is also compiled once as a condition. */
static int prepare_expression(sl_expr *x, sl_error *err)
{
    char open[64], close[64];
    snprintf(open, sizeof open, "SELECT " WRAP_OPEN);
    snprintf(close, sizeof close, WRAP_CLOSE " FROM temp.%s", x->vtab);
    x->stmt = prepare_guarded(x, open, close, err);
    if (!x->stmt)
        return -1;
    snprintf(open, sizeof open, "SELECT 1 FROM temp.%s WHERE " WRAP_OPEN, x->vtab);
    sqlite3_stmt *probe = prepare_guarded(x, open, WRAP_CLOSE, err);
    if (probe) {
        sqlite3_finalize(probe);
        return 0;
    }
    const char *m = x->e->why;
    if (!x->e->denied && strncmp(m, "misuse of ", 10) == 0) {
        int window = strncmp(m, "misuse of window", 16) == 0;
        const char *fn = strrchr(m, ' ');
        char name[128];
        snprintf(name, sizeof name, "%s", fn ? fn + 1 : "");
        sl_error_set(err, SL_ECONFIG,
                     "expression '%s': %s is %s function, which combines rows; a row expression gives one value "
                     "per row, so aggregate and window functions are not allowed (a subquery of its own may use "
                     "them)",
                     x->text, name, window ? "a window" : "an aggregate");
    }
    sqlite3_finalize(x->stmt);
    x->stmt = NULL;
    return -1;
}

/* Whether sig (names each followed by 0x1f) lists b's column names: the
 * check every evaluation makes, without building a string. */
static int sig_matches(const char *sig, const sl_batch *b)
{
    for (size_t i = 0; i < b->ncols; i++) {
        size_t n = strlen(b->cols[i].name);
        if (strncmp(sig, b->cols[i].name, n) != 0 || sig[n] != '\x1f')
            return 0;
        sig += n + 1;
    }
    return *sig == 0;
}

static int compile(sl_expr *x, sl_batch *b, sl_error *err)
{
    if (x->stmt && x->sig && sig_matches(x->sig, b))
        return 0;
    sl_buf sig;
    sl_buf_init(&sig);
    for (size_t i = 0; i < b->ncols; i++) {
        sl_buf_adds(&sig, b->cols[i].name);
        sl_buf_addc(&sig, '\x1f');
    }
    if (!x->tail) {
        char msg[256];
        if (sl_expr_shape_check(x->text, msg, sizeof msg) < 0) {
            sl_buf_release(&sig);
            return sl_error_set(err, SL_ECONFIG, "expression '%s': %s", x->text, msg);
        }
    }
    const char **names = sl_calloc(b->ncols + 1, sizeof *names);
    for (size_t i = 0; i < b->ncols; i++)
        names[i] = b->cols[i].name;
    int rc = declare_vtab(x, names, b->ncols, &sig, err);
    sl_free(names);
    if (rc < 0)
        return -1;
    if (!x->tail)
        return prepare_expression(x, err);
    /* a whole internal statement over the batch */
    sl_buf sql;
    sl_buf_init(&sql);
    sl_buf_addf(&sql, "%stemp.%s%s", x->text, x->vtab, x->tail);
    rc = sqlite3_prepare_v2(x->e->db, sql.data, -1, &x->stmt, NULL);
    sl_buf_release(&sql);
    if (rc != SQLITE_OK) {
        sl_error_set(err, SL_ESQL, "statement over the batch: %s", sqlite3_errmsg(x->e->db));
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
    int rc, extra = 0;
    x->e->guarded = !x->tail;
    while ((rc = sqlite3_step(x->stmt)) == SQLITE_ROW) {
        if (x->tail)
            continue;
        if (row >= b->nrows) {
            extra = 1; /* never hand out a row past the batch */
            break;
        }
        fn(ctx, row++, sqlite3_column_value(x->stmt, 0));
    }
    x->e->guarded = 0;
    sqlite3_reset(x->stmt);
    x->cur = NULL;
    if (extra || (rc == SQLITE_DONE && !x->tail && row != b->nrows))
        return sl_error_set(err, SL_EDATA, "expression '%s' gave %s%zu values for a batch of %zu rows (a row "
                            "expression gives one value per row)", x->text, extra ? "more than " : "", row, b->nrows);
    if (rc != SQLITE_DONE)
        return sl_error_set(err, rc == SQLITE_CONSTRAINT ? SL_ESQL : SL_EDATA, "%s '%s': %s",
                            x->tail ? "statement" : "expression", x->tail ? "over the batch" : x->text,
                            sqlite3_errmsg(x->e->db));
    return 0;
}

/* ---- the native path ------------------------------------------------------- */

static void fill(void *ctx, size_t row, sqlite3_value *v)
{
    sl_vresult *out = ctx;
    int t = sqlite3_value_type(v);
    out->type[row] = (uint8_t)t;
    if (t == SQLITE_INTEGER) {
        out->i64[row] = sqlite3_value_int64(v);
    } else if (t == SQLITE_FLOAT) {
        out->f64[row] = sqlite3_value_double(v);
    } else if (t != SQLITE_NULL) {
        /* text (a blob as its bytes: the callers store text) */
        const char *p = t == SQLITE_BLOB ? sqlite3_value_blob(v) : (const char *)sqlite3_value_text(v);
        size_t n = (size_t)sqlite3_value_bytes(v);
        out->str[row] = (sl_str){sl_arena_copy(&out->arena, p ? p : "", n), n};
    }
}

/* Whether b has the columns the native plan was tried for (a plan is
 * kept per batch schema: checked every batch, so without allocating). */
static int same_columns(const sl_expr *x, const sl_batch *b)
{
    if (!x->vplanned || x->nvcols != b->ncols)
        return 0;
    for (size_t i = 0; i < b->ncols; i++) {
        const struct vcol *v = &x->vcols[i];
        if (v->type != (int)b->cols[i].type || v->text != sl_column_is_text(&b->cols[i]) ||
            strcmp(v->name, b->cols[i].name) != 0)
            return 0;
    }
    return 1;
}

static void keep_columns(sl_expr *x, const sl_batch *b)
{
    for (size_t i = 0; i < x->nvcols; i++)
        sl_free(x->vcols[i].name);
    x->vcols = sl_realloc(x->vcols, (b->ncols + 1) * sizeof *x->vcols);
    for (size_t i = 0; i < b->ncols; i++)
        x->vcols[i] = (struct vcol){sl_strdup(b->cols[i].name), (int)b->cols[i].type,
                                    sl_column_is_text(&b->cols[i])};
    x->nvcols = b->ncols;
    x->vplanned = 1;
}

int sl_expr_eval_vec(sl_expr *x, sl_batch *b, sl_vresult *out, sl_error *err)
{
    if (!x->tail && sl_vexpr_enabled()) {
        if (!same_columns(x, b)) {
            sl_vexpr_free(x->vx);
            x->vx = sl_vexpr_compile(x->text, b);
            keep_columns(x, b);
        }
        if (x->vx) {
            int rc = sl_vexpr_eval(x->vx, b, out, err);
            if (rc <= 0) {
                x->nnative++;
                return rc;
            }
        }
    }
    x->nsqlite++;
    sl_arena_reset(&out->arena);
    sl_vresult_reserve(out, b->nrows);
    return sl_expr_eval(x, b, fill, out, err);
}

int sl_expr_truth(sl_expr *x, const sl_vresult *r, size_t i)
{
    int t = sl_vresult_truth(r, i);
    if (t >= 0)
        return t;
    /* a text's leading number, as only SQLite's conversion knows it */
    if (!x->truth && sqlite3_prepare_v2(x->e->db, "SELECT CASE WHEN ?1 THEN 1 ELSE 0 END", -1, &x->truth, NULL) !=
                         SQLITE_OK)
        return 0;
    sqlite3_bind_text(x->truth, 1, r->str[i].p, (int)r->str[i].n, SQLITE_STATIC);
    t = sqlite3_step(x->truth) == SQLITE_ROW && sqlite3_column_int(x->truth, 0);
    sqlite3_reset(x->truth);
    sqlite3_clear_bindings(x->truth);
    return t;
}

int sl_expr_eval_flags(sl_expr *x, sl_batch *b, uint8_t *flags, sl_error *err)
{
    if (!x->flags_res) {
        x->flags_res = sl_calloc(1, sizeof *x->flags_res);
        sl_vresult_init(x->flags_res);
    }
    if (sl_expr_eval_vec(x, b, x->flags_res, err) < 0)
        return -1;
    for (size_t r = 0; r < b->nrows; r++)
        flags[r] = (uint8_t)sl_expr_truth(x, x->flags_res, r);
    return 0;
}

void sl_expr_paths(const sl_expr *x, int64_t *native, int64_t *sqlite)
{
    *native = x->nnative;
    *sqlite = x->nsqlite;
}

/* ---- checking a configured expression ------------------------------------ */

/* Compile text against a table of the columns known[0..nknown) plus each
 * name SQLite does not resolve, added one by one until it compiles or
 * fails otherwise (SQLite's own resolution: names without case, quoted
 * names, a subquery's own tables). The added names go to *added (heap,
 * caller frees each and the array) when added is not NULL. 0, or -1 with
 * err in the user's terms. */
static int resolve(const char *text, const char *const *known, size_t nknown, char ***added, size_t *nadded,
                   sl_error *err)
{
    char msg[256];
    if (sl_expr_shape_check(text, msg, sizeof msg) < 0)
        return sl_error_set(err, SL_ECONFIG, "expression '%s': %s", text, msg);
    sl_expr_engine *e = sl_expr_engine_new(err);
    if (!e)
        return -1;
    /* with the columns known, a double-quoted name that is no column is
     * one too: SQLite would take it as a text (its "DQS" misfeature), and
     * a typo there gives a wrong value, not an error */
    if (added)
        sqlite3_db_config(e->db, SQLITE_DBCONFIG_DQS_DML, 0, (int *)NULL);
    sl_expr *x = sl_expr_new(e, text);
    char **names = sl_calloc(nknown + 1, sizeof *names);
    size_t n = 0, cap = nknown + 1;
    for (; n < nknown; n++)
        names[n] = sl_strdup(known[n]);
    int rc = -1;
    for (int round = 0; round < 4096; round++) {
        sl_buf sig;
        sl_buf_init(&sig);
        if (declare_vtab(x, (const char *const *)names, n, &sig, err) < 0)
            break;
        if (prepare_expression(x, err) == 0) {
            rc = 0;
            break;
        }
        const char *u = e->why;
        if (strncmp(u, "no such column: ", 16) != 0)
            break;
        u += 16;
        int seen = 0;
        for (size_t i = 0; i < n && !seen; i++)
            seen = strcmp(names[i], u) == 0;
        if (seen) {
            if (strchr(u, '.'))
                sl_error_set(err, SL_ECONFIG, "expression '%s': no such column: %s (a column whose name holds a "
                             "dot is written in double quotes: \"%s\")", text, u, u);
            break;
        }
        SL_GROW(names, cap, n + 1);
        names[n++] = sl_strdup(u);
    }
    if (rc == 0 && added) {
        *nadded = n - nknown;
        *added = sl_calloc(*nadded + 1, sizeof **added);
        for (size_t i = nknown; i < n; i++) {
            (*added)[i - nknown] = names[i];
            names[i] = NULL;
        }
    }
    for (size_t i = 0; i < n; i++)
        sl_free(names[i]);
    sl_free(names);
    sl_expr_free(x);
    sl_expr_engine_free(e);
    return rc;
}

int sl_expr_validate(const char *text, sl_error *err)
{
    /* the columns it names come from the data: each one SQLite does not
     * know becomes a column */
    return resolve(text, NULL, 0, NULL, NULL, err);
}

int sl_expr_unknown_columns(const char *text, const char *const *known, size_t nknown, char ***unknown,
                            size_t *nunknown, sl_error *err)
{
    *unknown = NULL;
    *nunknown = 0;
    return resolve(text, known, nknown, unknown, nunknown, err);
}
