/*
 * adapter_pg.c: the model layer's PostgreSQL warehouse (models/adapter.h),
 * on db/pg.h's connection (the project's warehouse URL; passwords never
 * shown).
 *
 * The target schema is the one given to sl_adapter_open_target, else the
 * warehouse block's `schema:` (p->warehouse_schema), else "public": the
 * same rule as the graph's target.schema, so ref() and the relations built
 * agree. Custom
 * schemas are real schemas, made with CREATE SCHEMA IF NOT EXISTS when a
 * relation is first built in them. Relations are looked up in pg_class by
 * schema and name (the names as PostgreSQL keeps them: cut at 63 bytes);
 * a table is relkind r/p/f, a view v/m. Errors carry the server's primary
 * message, detail and hint, and the statement position becomes
 * sl_adapter_error_offset (a character position turned into bytes).
 * Opening installs sluice's GTM functions (gtm/pg_functions.h) once per
 * process and puts their schema `sluice` last on the search_path. Query
 * rows stream one at a time (single-row mode), so memory stays bounded.
 */
#include "config/project.h"
#include "core/mem.h"
#include "core/sqlident.h"
#include "db/pg.h"
#include "gtm/pg_functions.h"
#include "models/adapter_impl.h"
#include <stdlib.h>
#include <string.h>

#define CONN(a) ((PGconn *)(a)->impl)

/* The byte offset of the 1-based character position pos in sql. */
static int64_t char_to_byte(const char *sql, long pos)
{
    int64_t b = 0;
    for (long ch = 1; ch < pos && sql[b]; ch++) {
        b++;
        while (((unsigned char)sql[b] & 0xC0) == 0x80)
            b++;
    }
    return b;
}

static int pg_fail(sl_adapter *a, PGresult *r, const char *sql, sl_error *err)
{
    const char *pos = r ? PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION) : NULL;
    a->err_offset = pos && sql ? char_to_byte(sql, atol(pos)) : -1;
    return sl_pg_result_error(r, CONN(a), "PostgreSQL", err);
}

static int pg_ok(PGresult *r)
{
    ExecStatusType s = PQresultStatus(r);
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

static int ad_exec(sl_adapter *a, const char *sql, int64_t *rows, sl_error *err)
{
    PGresult *r = PQexec(CONN(a), sql);
    if (!pg_ok(r)) {
        pg_fail(a, r, sql, err);
        PQclear(r);
        return -1;
    }
    if (rows) {
        const char *t = PQcmdTuples(r);
        *rows = t && *t ? atoll(t) : 0;
    }
    PQclear(r);
    return 0;
}

/* One statement: the extended protocol refuses a second one. */
static int ad_exec_one(sl_adapter *a, const char *sql, int64_t *rows, sl_error *err)
{
    PGresult *r = PQexecParams(CONN(a), sql, 0, NULL, NULL, NULL, NULL, 0);
    if (!pg_ok(r)) {
        pg_fail(a, r, sql, err);
        PQclear(r);
        if (strstr(err->msg, "multiple commands"))
            sl_error_set(err, SL_ESQL, "PostgreSQL: the SQL holds more than one statement; a model, snapshot or "
                                       "test is one SELECT");
        return -1;
    }
    const char *t = PQcmdTuples(r);
    *rows = t && *t ? atoll(t) : 0;
    PQclear(r);
    return 0;
}

/* A parameterised query (one statement), *res to PQclear. */
static int ad_params(sl_adapter *a, const char *sql, int n, const char *const *params, PGresult **res, sl_error *err)
{
    PGresult *r = PQexecParams(CONN(a), sql, n, NULL, params, NULL, NULL, 0);
    if (!pg_ok(r)) {
        pg_fail(a, r, sql, err);
        PQclear(r);
        return -1;
    }
    *res = r;
    return 0;
}

/* Drop what is left of the query in flight: results until the end, so
 * the connection is ready for the next statement. cancel: ask the server
 * to stop first (outside a transaction block only: a cancelled statement
 * aborts the transaction it runs in, and the caller's must survive). */
static void drain(PGconn *c, int cancel)
{
    if (cancel) {
        PGcancel *k = PQgetCancel(c);
        char buf[256];
        if (k) {
            PQcancel(k, buf, (int)sizeof buf); /* best effort: the query may already be done */
            PQfreeCancel(k);
        }
    }
    PGresult *r;
    while ((r = PQgetResult(c)) != NULL)
        PQclear(r);
}

/* Rows stream in single-row mode (PQsetSingleRowMode): one row in memory
 * at a time whatever the result's size, so a typed model reading 10M
 * identifiers stays bounded. Stopping early (max_rows, fn nonzero) cancels
 * the rest outside a transaction block, and reads it to the end inside
 * one; either way the connection is usable afterwards. */
static int ad_query(sl_adapter *a, const char *sql, size_t max_rows, sl_adapter_row_fn fn, void *ctx, sl_error *err)
{
    PGconn *c = CONN(a);
    int in_block = PQtransactionStatus(c) != PQTRANS_IDLE;
    if (!PQsendQueryParams(c, sql, 0, NULL, NULL, NULL, NULL, 0)) {
        a->err_offset = -1;
        return sl_pg_result_error(NULL, c, "PostgreSQL", err);
    }
    if (!PQsetSingleRowMode(c)) {
        drain(c, 0);
        a->err_offset = -1;
        return sl_error_set(err, SL_ESQL, "PostgreSQL: cannot stream the rows of the query (single-row mode refused)");
    }
    const char **names = NULL, **cells = NULL;
    size_t seen = 0;
    int n = 0, rc = 0, stopped = 0;
    PGresult *r;
    while ((r = PQgetResult(c)) != NULL) {
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_SINGLE_TUPLE && !stopped) {
            if (!names) {
                n = PQnfields(r);
                names = sl_calloc((size_t)n + 1, sizeof *names);
                cells = sl_calloc((size_t)n + 1, sizeof *cells);
            }
            for (int i = 0; i < n; i++) {
                names[i] = PQfname(r, i);
                cells[i] = PQgetisnull(r, 0, i) ? NULL : PQgetvalue(r, 0, i);
            }
            seen++;
            if (fn(ctx, (size_t)n, names, cells) || (max_rows && seen >= max_rows)) {
                stopped = 1;
                PQclear(r);
                drain(c, !in_block);
                break;
            }
        } else if (st != PGRES_SINGLE_TUPLE && !pg_ok(r) && rc == 0) {
            pg_fail(a, r, sql, err);
            rc = -1;
        }
        PQclear(r);
    }
    sl_free(names);
    sl_free(cells);
    return rc;
}

/* name as PostgreSQL keeps it: at most 63 bytes, cut on a UTF-8 boundary */
static char *pg_name(const char *s)
{
    size_t n = strlen(s);
    if (n > SL_SQL_NAME_MAX) {
        n = SL_SQL_NAME_MAX;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    return sl_strndup(s, n);
}

static int ad_lookup(sl_adapter *a, const char *sql, sl_relation r, PGresult **res, sl_error *err)
{
    char *s = pg_name(r.schema && *r.schema ? r.schema : a->schema), *t = pg_name(r.identifier);
    const char *params[2] = {s, t};
    int rc = ad_params(a, sql, 2, params, res, err);
    sl_free(s);
    sl_free(t);
    return rc;
}

static int ad_exists(sl_adapter *a, sl_relation r, int *exists, int *is_view, sl_error *err)
{
    PGresult *res;
    if (ad_lookup(a, "SELECT c.relkind FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = "
                     "c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'f', 'v', 'm')",
                  r, &res, err) < 0)
        return -1;
    if (PQntuples(res) > 0) {
        *exists = 1;
        const char *k = PQgetvalue(res, 0, 0);
        *is_view = k[0] == 'v' || k[0] == 'm';
    }
    PQclear(res);
    return 0;
}

static int ad_columns(sl_adapter *a, sl_relation r, sl_adapter_column **cols, size_t *n, sl_error *err)
{
    PGresult *res;
    if (ad_lookup(a, "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute "
                     "a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = "
                     "c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped "
                     "ORDER BY a.attnum",
                  r, &res, err) < 0)
        return -1;
    int rows = PQntuples(res);
    *cols = sl_calloc((size_t)rows + 1, sizeof **cols);
    for (int i = 0; i < rows; i++) {
        (*cols)[i].name = sl_strdup(PQgetvalue(res, i, 0));
        (*cols)[i].type = sl_strdup(PQgetvalue(res, i, 1));
    }
    *n = (size_t)rows;
    PQclear(res);
    return 0;
}

static int ad_ensure_schema(sl_adapter *a, const char *schema, sl_error *err)
{
    PGresult *res;
    char *s = pg_name(schema);
    const char *params[1] = {s};
    int rc = ad_params(a, "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1", 1, params, &res, err);
    sl_free(s);
    if (rc < 0)
        return -1;
    int found = PQntuples(res) > 0;
    PQclear(res);
    if (found)
        return 0;
    sl_buf q;
    sl_buf_init(&q);
    sl_buf_adds(&q, "CREATE SCHEMA IF NOT EXISTS ");
    sl_sql_ident(&q, schema);
    rc = ad_exec(a, q.data, NULL, err);
    sl_buf_release(&q);
    if (rc < 0 && !a->in_txn) {
        /* another connection (a build thread) made it at the same instant:
         * IF NOT EXISTS does not cover that race, the unique index does */
        sl_error again;
        s = pg_name(schema);
        params[0] = s;
        if (ad_params(a, "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1", 1, params, &res, &again) == 0) {
            if (PQntuples(res) > 0)
                rc = 0;
            PQclear(res);
        }
        sl_free(s);
    }
    return rc < 0 ? sl_error_prefix(err, "creating schema %s", schema) : 0;
}

static int ad_insert(sl_adapter *a, sl_relation r, size_t ncols, const char *const *names, size_t nrows,
                     const char *const *cells, sl_error *err)
{
    size_t per = 60000 / ncols;
    if (per > 1000)
        per = 1000;
    if (per == 0)
        per = 1;
    sl_buf q;
    sl_buf_init(&q);
    int rc = 0;
    for (size_t first = 0; rc == 0 && first < nrows; first += per) {
        size_t k = nrows - first < per ? nrows - first : per;
        sl_buf_reset(&q);
        sl_buf_adds(&q, "INSERT INTO ");
        sl_adapter_relation_sql(a, r, &q);
        sl_buf_adds(&q, " (");
        for (size_t c = 0; c < ncols; c++) {
            if (c)
                sl_buf_adds(&q, ", ");
            sl_sql_ident(&q, names[c]);
        }
        sl_buf_adds(&q, ") VALUES ");
        size_t p = 1;
        for (size_t i = 0; i < k; i++) {
            sl_buf_adds(&q, i ? ", (" : "(");
            for (size_t c = 0; c < ncols; c++)
                sl_buf_addf(&q, c ? ", $%zu" : "$%zu", p++);
            sl_buf_addc(&q, ')');
        }
        PGresult *res;
        rc = ad_params(a, q.data, (int)(k * ncols), cells + first * ncols, &res, err);
        if (rc == 0)
            PQclear(res);
    }
    sl_buf_release(&q);
    return rc;
}

static void ad_close(sl_adapter *a)
{
    if (a->impl)
        PQfinish(CONN(a));
}

/* sl_adapter_wrap_pg: the caller's connection, never closed here. */
static void ad_close_borrowed(sl_adapter *a)
{
    (void)a;
}

static const sl_adapter_ops pg_ops = {
    .type = "postgres",
    .now_sql = "now()::timestamp",
    .exec = ad_exec,
    .exec_one = ad_exec_one,
    .query = ad_query,
    .exists = ad_exists,
    .columns = ad_columns,
    .ensure_schema = ad_ensure_schema,
    .insert = ad_insert,
    .begin_sql = "BEGIN",
    .close = ad_close,
};

static const sl_adapter_ops pg_borrowed_ops = {
    .type = "postgres",
    .now_sql = "now()::timestamp",
    .exec = ad_exec,
    .exec_one = ad_exec_one,
    .query = ad_query,
    .exists = ad_exists,
    .columns = ad_columns,
    .ensure_schema = ad_ensure_schema,
    .insert = ad_insert,
    .begin_sql = "BEGIN",
    .close = ad_close_borrowed,
};

int sl_adapter_wrap_pg(struct pg_conn *conn, const char *schema, sl_adapter **out)
{
    sl_adapter *a = sl_adapter_new(&pg_borrowed_ops, schema && *schema ? schema : "public");
    a->impl = conn;
    *out = a;
    return 0;
}

int sl_adapter_pg_open(const sl_project *p, const char *schema, sl_adapter **out, sl_error *err)
{
    sl_pg_conn_opts o;
    memset(&o, 0, sizeof o);
    o.url = p->warehouse_url;
    PGconn *c;
    if (sl_pg_connect(&o, &c, err) < 0)
        return sl_error_prefix(err, "warehouse");
    /* the GTM functions (normalize_email, country_code, ...) in schema
     * sluice, installed once per process and database, on the search_path */
    if (sl_gtm_pg_prepare(c, err) < 0) {
        PQfinish(c);
        return sl_error_prefix(err, "warehouse");
    }
    if (!schema || !*schema)
        schema = p->warehouse_schema && *p->warehouse_schema ? p->warehouse_schema : "public";
    sl_adapter *a = sl_adapter_new(&pg_ops, schema);
    a->impl = c;
    *out = a;
    return 0;
}
