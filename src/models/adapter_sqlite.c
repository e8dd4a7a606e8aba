/*
 * adapter_sqlite.c: the model layer's SQLite warehouse (models/adapter.h).
 *
 * Opens the project's warehouse file as the sqlite sink does: WAL with
 * synchronous=NORMAL, a 30 s busy timeout (a pipeline loading the same file
 * or a reader does not fail a build: the build waits for the write lock),
 * transactions begun IMMEDIATE (the write lock is taken at BEGIN, where the
 * busy timeout applies, never half-way through a build). No background
 * checkpointer: a build writes far less than a bulk load, and SQLite's own
 * checkpoint at 1000 pages is enough. legacy_alter_table is on, so that
 * renaming a freshly built table into place neither rewrites nor checks
 * the views that read it (views name tables, not table ids, in SQLite).
 *
 * Functions: sluice's expression functions (sha256, normalize_email) and
 * md5(x) (lowercase hex MD5 of x's text through OpenSSL, NULL for NULL;
 * PostgreSQL's md5), so dbt's md5-based ids (snapshots' dbt_scd_id,
 * surrogate keys) have the same value on both warehouses.
 *
 * Schemas: SQLite has none; a custom schema S is an attached database
 * file next to the warehouse, "<warehouse without .db>.S.db"
 * (warehouse.db: warehouse.staging.db), in WAL mode too. sl_adapter_ensure_schema attaches (and so creates) it;
 * every such file that exists is attached at open, so relations in any
 * schema can be read. SQLite's limits apply: at most 10 attached files,
 * and a VIEW can only read relations of its own file ("view v cannot
 * reference objects in database main": materialize it as a table, or keep
 * it in the other relations' schema); a transaction that writes two files
 * is atomic per file only.
 */
#include "config/project.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/sqlident.h"
#include "db/sqlite.h"
#include "expr/functions.h"
#include "models/adapter_impl.h"
#include <dirent.h>
#include <libgen.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <string.h>

typedef struct sq_impl {
    sqlite3 *db;
    int borrowed; /* sl_adapter_wrap_sqlite: the caller's connection, not closed here */
    char *path; /* the warehouse file */
    char *stem; /* its path without a final ".db": schema S is "<stem>.S.db" */
} sq_impl;

#define DB(a) (((sq_impl *)(a)->impl)->db)

static void fn_md5(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    const unsigned char *p = sqlite3_value_text(argv[0]);
    int n = sqlite3_value_bytes(argv[0]);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (!EVP_Digest(p, (size_t)n, md, &len, EVP_md5(), NULL)) {
        sqlite3_result_error(ctx, "md5: digest failed", -1);
        return;
    }
    static const char digits[] = "0123456789abcdef";
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    for (unsigned i = 0; i < len; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    sqlite3_result_text(ctx, hex, (int)(2 * len), SQLITE_TRANSIENT);
}

/* What SQLite's message leaves out. */
static const char *hint_for(const char *msg)
{
    if (strstr(msg, "cannot reference objects in database"))
        return " (a SQLite view can only read relations of its own schema file: materialize it as a table, or "
               "give it the schema of the relations it reads)";
    return "";
}

static int sq_fail(sl_adapter *a, int64_t base, sl_error *err)
{
    sqlite3 *db = DB(a);
    int off = sqlite3_error_offset(db);
    a->err_offset = off >= 0 ? base + off : -1;
    const char *m = sqlite3_errmsg(db);
    return sl_error_set(err, SL_ESQL, "SQLite: %s%s", m, hint_for(m));
}

static int sq_exec(sl_adapter *a, const char *sql, int64_t *rows, sl_error *err)
{
    sqlite3 *db = DB(a);
    const char *p = sql;
    while (*p) {
        sqlite3_stmt *st = NULL;
        const char *tail = NULL;
        if (sqlite3_prepare_v2(db, p, -1, &st, &tail) != SQLITE_OK)
            return sq_fail(a, p - sql, err);
        if (!st) { /* only spaces or comments were left */
            p = tail;
            continue;
        }
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            ;
        if (rc != SQLITE_DONE) {
            sq_fail(a, p - sql, err);
            sqlite3_finalize(st);
            return -1;
        }
        if (rows)
            *rows = sqlite3_changes64(db);
        sqlite3_finalize(st);
        p = tail;
    }
    return 0;
}

static int sq_exec_one(sl_adapter *a, const char *sql, int64_t *rows, sl_error *err)
{
    sqlite3 *db = DB(a);
    sqlite3_stmt *st = NULL, *next = NULL;
    const char *tail = NULL, *tail2 = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, &tail) != SQLITE_OK)
        return sq_fail(a, 0, err);
    if (!st)
        return sl_error_set(err, SL_ESQL, "SQLite: the SQL is empty");
    /* what follows the first statement must be nothing but spaces,
     * comments and semicolons: prepared, it gives no statement */
    while (*tail) {
        if (sqlite3_prepare_v2(db, tail, -1, &next, &tail2) != SQLITE_OK) {
            int64_t off = tail - sql;
            sqlite3_finalize(st);
            return sq_fail(a, off, err);
        }
        if (next) {
            sqlite3_finalize(next);
            sqlite3_finalize(st);
            a->err_offset = tail - sql;
            return sl_error_set(err, SL_ESQL, "SQLite: the SQL holds more than one statement; a model, snapshot or "
                                              "test is one SELECT");
        }
        tail = tail2;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        ;
    if (rc != SQLITE_DONE) {
        sq_fail(a, 0, err);
        sqlite3_finalize(st);
        return -1;
    }
    *rows = sqlite3_changes64(db);
    sqlite3_finalize(st);
    return 0;
}

static int sq_query(sl_adapter *a, const char *sql, size_t max_rows, sl_adapter_row_fn fn, void *ctx, sl_error *err)
{
    sqlite3 *db = DB(a);
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, &tail) != SQLITE_OK)
        return sq_fail(a, 0, err);
    if (!st)
        return sl_error_set(err, SL_ESQL, "SQLite: the query is empty");
    tail += strspn(tail, " \t\r\n;");
    if (*tail) {
        sqlite3_finalize(st);
        return sl_error_set(err, SL_ESQL, "SQLite: a query must be one statement (more text follows at byte %zu)",
                            (size_t)(tail - sql));
    }
    int n = sqlite3_column_count(st);
    const char **names = sl_calloc((size_t)n + 1, sizeof *names);
    const char **cells = sl_calloc((size_t)n + 1, sizeof *cells);
    for (int i = 0; i < n; i++)
        names[i] = sqlite3_column_name(st, i);
    size_t got = 0;
    int rc, stop = 0;
    while (!stop && (max_rows == 0 || got < max_rows) && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < n; i++)
            cells[i] = (const char *)sqlite3_column_text(st, i);
        got++;
        stop = fn(ctx, (size_t)n, names, cells);
    }
    int bad = !stop && (max_rows == 0 || got < max_rows) && rc != SQLITE_DONE;
    if (bad)
        sq_fail(a, 0, err);
    sl_free(names);
    sl_free(cells);
    sqlite3_finalize(st);
    return bad ? -1 : 0;
}

/* Whether schema is "main" or an attached database. */
static int attached(sl_adapter *a, const char *schema)
{
    sqlite3_stmt *st;
    int found = 0;
    if (sqlite3_prepare_v2(DB(a), "SELECT 1 FROM pragma_database_list WHERE name = ?1", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, schema, -1, SQLITE_STATIC);
        found = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
    }
    return found;
}

static int sq_exists(sl_adapter *a, sl_relation r, int *exists, int *is_view, sl_error *err)
{
    const char *schema = r.schema && *r.schema ? r.schema : a->schema;
    if (!attached(a, schema))
        return 0;
    sl_buf q;
    sl_buf_init(&q);
    sl_buf_adds(&q, "SELECT type FROM ");
    sl_sql_ident(&q, schema);
    sl_buf_adds(&q, ".sqlite_master WHERE type IN ('table', 'view') AND name = ?1 COLLATE NOCASE");
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(DB(a), q.data, -1, &st, NULL);
    sl_buf_release(&q);
    if (rc != SQLITE_OK)
        return sq_fail(a, -1, err);
    sqlite3_bind_text(st, 1, r.identifier, -1, SQLITE_STATIC);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *exists = 1;
        *is_view = strcmp((const char *)sqlite3_column_text(st, 0), "view") == 0;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sq_fail(a, -1, err);
    return 0;
}

static int sq_columns(sl_adapter *a, sl_relation r, sl_adapter_column **cols, size_t *n, sl_error *err)
{
    const char *schema = r.schema && *r.schema ? r.schema : a->schema;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(DB(a), "SELECT name, type FROM pragma_table_info(?1, ?2) ORDER BY cid", -1, &st, NULL) !=
        SQLITE_OK)
        return sq_fail(a, -1, err);
    sqlite3_bind_text(st, 1, r.identifier, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, schema, -1, SQLITE_STATIC);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sl_grow((void **)cols, &cap, *n + 1, sizeof **cols);
        (*cols)[*n].name = sl_strdup((const char *)sqlite3_column_text(st, 0));
        const char *t = (const char *)sqlite3_column_text(st, 1);
        (*cols)[*n].type = sl_strdup(t ? t : "");
        (*n)++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return sq_fail(a, -1, err);
    return 0;
}

/* Attach "<stem>.<schema>.db" as schema (creating the file). */
static int attach(sl_adapter *a, const char *schema, sl_error *err)
{
    sq_impl *im = a->impl;
    sl_buf q;
    sl_buf_init(&q);
    char *path = sl_printf("%s.%s.db", im->stem, schema);
    sl_buf_adds(&q, "ATTACH DATABASE ");
    sl_sql_literal(&q, path);
    sl_buf_adds(&q, " AS ");
    sl_sql_ident(&q, schema);
    sl_buf_adds(&q, "; PRAGMA ");
    sl_sql_ident(&q, schema);
    sl_buf_adds(&q, ".journal_mode=WAL");
    int rc = sq_exec(a, q.data, NULL, err);
    sl_buf_release(&q);
    sl_free(path);
    if (rc < 0)
        return sl_error_prefix(err, "attaching schema %s", schema);
    return 0;
}

static int sq_ensure_schema(sl_adapter *a, const char *schema, sl_error *err)
{
    if (attached(a, schema))
        return 0;
    if (strcmp(schema, "temp") == 0 || !*schema || strchr(schema, '/') || schema[0] == '.')
        return sl_error_set(err, SL_ECONFIG,
                            "schema '%s' cannot be a SQLite schema (a custom schema is a file next to the warehouse: "
                            "no '/', no leading '.', not 'temp')",
                            schema);
    if (a->in_txn)
        return sl_error_set(err, SL_EINTERNAL, "SQLite: schema %s must be attached before the transaction", schema);
    return attach(a, schema, err);
}

static int sq_insert(sl_adapter *a, sl_relation r, size_t ncols, const char *const *names, size_t nrows,
                     const char *const *cells, sl_error *err)
{
    sl_buf q;
    sl_buf_init(&q);
    sl_buf_adds(&q, "INSERT INTO ");
    sl_adapter_relation_sql(a, r, &q);
    sl_buf_adds(&q, " (");
    for (size_t c = 0; c < ncols; c++) {
        if (c)
            sl_buf_adds(&q, ", ");
        sl_sql_ident(&q, names[c]);
    }
    sl_buf_adds(&q, ") VALUES (");
    for (size_t c = 0; c < ncols; c++)
        sl_buf_adds(&q, c ? ", ?" : "?");
    sl_buf_addc(&q, ')');
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(DB(a), q.data, -1, &st, NULL);
    sl_buf_release(&q);
    if (rc != SQLITE_OK)
        return sq_fail(a, -1, err);
    for (size_t i = 0; i < nrows; i++) {
        for (size_t c = 0; c < ncols; c++) {
            const char *v = cells[i * ncols + c];
            if (v)
                sqlite3_bind_text(st, (int)c + 1, v, -1, SQLITE_STATIC);
            else
                sqlite3_bind_null(st, (int)c + 1);
        }
        if (sqlite3_step(st) != SQLITE_DONE) {
            sq_fail(a, -1, err);
            sqlite3_finalize(st);
            return -1;
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return 0;
}

static void sq_close(sl_adapter *a)
{
    sq_impl *im = a->impl;
    if (!im)
        return;
    if (!im->borrowed)
        sqlite3_close_v2(im->db);
    sl_free(im->path);
    sl_free(im->stem);
    sl_free(im);
}

static const sl_adapter_ops sqlite_ops = {
    .type = "sqlite",
    .now_sql = "strftime('%Y-%m-%d %H:%M:%f', 'now')",
    .exec = sq_exec,
    .exec_one = sq_exec_one,
    .query = sq_query,
    .exists = sq_exists,
    .columns = sq_columns,
    .ensure_schema = sq_ensure_schema,
    .insert = sq_insert,
    .begin_sql = "BEGIN IMMEDIATE",
    .close = sq_close,
};

/* Attach every "<stem>.<schema>.db" next to the warehouse. */
static int attach_existing(sl_adapter *a, sl_error *err)
{
    sq_impl *im = a->impl;
    char *d1 = sl_strdup(im->stem), *d2 = sl_strdup(im->stem);
    const char *dir = dirname(d1), *base = basename(d2);
    size_t bl = strlen(base);
    DIR *dh = opendir(dir);
    int rc = 0;
    char **names = NULL;
    size_t n = 0, cap = 0;
    if (dh) {
        struct dirent *e;
        while ((e = readdir(dh)) != NULL) {
            size_t l = strlen(e->d_name);
            if (l > bl + 4 && strncmp(e->d_name, base, bl) == 0 && e->d_name[bl] == '.' &&
                strcmp(e->d_name + l - 3, ".db") == 0 && l - 3 > bl + 1) {
                sl_grow((void **)&names, &cap, n + 1, sizeof *names);
                names[n++] = sl_strndup(e->d_name + bl + 1, l - 3 - bl - 1);
            }
        }
        closedir(dh);
    }
    for (size_t i = 0; i < n; i++) {
        /* one that cannot be attached (SQLite's limit of 10, a file that is
         * not a database) fails only the models that use it, when they do */
        if (!attached(a, names[i]) && attach(a, names[i], err) < 0)
            sl_log_warn("warehouse: %s", err->msg);
        sl_free(names[i]);
    }
    sl_free(names);
    sl_free(d1);
    sl_free(d2);
    return rc;
}

int sl_adapter_sqlite_open(const sl_project *p, sl_adapter **out, sl_error *err)
{
    sl_adapter *a = sl_adapter_new(&sqlite_ops, "main");
    sq_impl *im = sl_calloc(1, sizeof *im);
    a->impl = im;
    im->path = sl_strdup(p->warehouse);
    size_t pl = strlen(im->path);
    im->stem = pl > 3 && strcmp(im->path + pl - 3, ".db") == 0 ? sl_strndup(im->path, pl - 3) : sl_strdup(im->path);
    if (sl_sqlite_open(im->path, &im->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX) !=
        SQLITE_OK) {
        sl_error_set(err, SL_EIO, "cannot open the warehouse %s: %s", im->path,
                     im->db ? sqlite3_errmsg(im->db) : "out of memory");
        sl_adapter_close(a);
        return -1;
    }
    sqlite3_busy_timeout(im->db, 30000);
    if (sq_exec(a, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA legacy_alter_table=ON", NULL, err) <
            0 ||
        attach_existing(a, err) < 0) {
        sl_error_prefix(err, "warehouse %s", im->path);
        sl_adapter_close(a);
        return -1;
    }
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    if (sl_functions_register(im->db) < 0 || sl_quality_register_sqlite(im->db, NULL) < 0 ||
        sqlite3_create_function(im->db, "md5", 1, flags, NULL, fn_md5, NULL, NULL) != SQLITE_OK) {
        sl_error_set(err, SL_EINTERNAL, "warehouse %s: registering functions: %s", im->path, sqlite3_errmsg(im->db));
        sl_adapter_close(a);
        return -1;
    }
    *out = a;
    return 0;
}

int sl_adapter_wrap_sqlite(struct sqlite3 *db, sl_adapter **out)
{
    sl_adapter *a = sl_adapter_new(&sqlite_ops, "main");
    sq_impl *im = sl_calloc(1, sizeof *im);
    a->impl = im;
    im->db = db;
    im->borrowed = 1;
    sl_quality_register_sqlite(db, NULL); /* regexp() and sl_format_valid() for checks on the sink's rows */
    const char *file = sqlite3_db_filename(db, "main");
    im->path = sl_strdup(file ? file : "");
    size_t pl = strlen(im->path);
    im->stem = pl > 3 && strcmp(im->path + pl - 3, ".db") == 0 ? sl_strndup(im->path, pl - 3) : sl_strdup(im->path);
    *out = a;
    return 0;
}

int sl_adapter_strict_names(sl_adapter *a, int strict)
{
    if (strcmp(a->ops->type, "sqlite") != 0)
        return 1;
    int dqs = 1;
    sqlite3_db_config(DB(a), SQLITE_DBCONFIG_DQS_DML, -1, &dqs);
    sqlite3_db_config(DB(a), SQLITE_DBCONFIG_DQS_DML, strict ? 0 : 1, NULL);
    return !dqs;
}
