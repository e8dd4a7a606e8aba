/*
 * postgres.c: the `postgres` sink, PostgreSQL as the warehouse.
 *
 * Creates the schema and the table (types: pg_type_of() below, the table in
 * docs/TYPES.md), then loads each batch with COPY in one transaction that
 * also upserts the batch's position into "<schema>"._sluice_state: data and
 * checkpoint commit together, so a resumed run never loads a row twice.
 *   append        COPY straight into the table
 *   upsert        COPY into a temporary staging table, then INSERT ... SELECT
 *                 DISTINCT ON (key) ... ON CONFLICT (key) DO UPDATE (the last
 *                 row of a key in a batch wins) WHERE the values differ, so
 *                 unchanged rows are not rewritten
 *   full_refresh  COPY into "<table>__sluice_staging"; at the end of the run
 *                 drop the table and rename the staging table in one
 *                 transaction.
 *
 * COPY format: binary when every column's value can be encoded for its
 * table column type exactly (the common case: the table was created from
 * the batch), which spares the server its text parsing; text otherwise,
 * and the server converts.
 *
 * Bad rows: when COPY fails, the transaction is rolled back and the batch
 * is redone under savepoints: the row the server names (COPY's "line N") is
 * rejected with the server's message and the rest is sent again; failures
 * without a line (upsert's INSERT) are found by halving the row range.
 * Nothing of a failed attempt stays applied.
 *
 * Schema changes (`schema_change:`): evolve adds new columns and widens
 * column types (int -> bigint -> numeric, anything -> text); freeze fails
 * the run on a new column; discard_columns drops new columns from the
 * load. Values that do not fit a column then go to the DLQ with the
 * server's message. Every change is recorded (sluice schema history).
 *
 * Durability: batches commit with synchronous_commit off (data and
 * checkpoint are lost or kept together, and a resumed run redoes them);
 * finish() commits synchronously, which flushes all of them, before the
 * run is marked successful. `commit: run` keeps the whole run in one
 * transaction instead (each batch under a savepoint): a failed run, with
 * `on_error: fail` for instance, leaves the table exactly as it was.
 */
#include "core/failpoint.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/sqlident.h"
#include "db/pg.h"
#include "engine/run.h"
#include "sinks/posmap.h"
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

typedef struct pg_opts {
    sl_pg_conn_opts conn;
    char *schema, *table, *mode, *schema_change, *format, *commit;
    sl_strlist key;
} pg_opts;

static const sl_option pg_options[] = {
    SL_PG_CONN_OPTIONS(pg_opts, conn),
    {"schema", SL_OPT_STRING, "public", 0, offsetof(pg_opts, schema), NULL, "destination schema (created if missing)"},
    {"table", SL_OPT_STRING, NULL, SL_OPT_REQUIRED, offsetof(pg_opts, table), NULL, "destination table"},
    {"mode", SL_OPT_ENUM, "append", 0, offsetof(pg_opts, mode), "append|upsert|full_refresh",
     "append rows, upsert them on key, or replace the table atomically at the end of the run"},
    {"key", SL_OPT_LIST, NULL, 0, offsetof(pg_opts, key), NULL, "key columns (required for upsert)"},
    {"schema_change", SL_OPT_ENUM, "evolve", 0, offsetof(pg_opts, schema_change), "evolve|freeze|discard_columns",
     "new columns and wider types: alter the table, fail the run, or drop the new columns"},
    {"format", SL_OPT_ENUM, "auto", 0, offsetof(pg_opts, format), "auto|binary|text",
     "COPY format; auto = binary whenever every column encodes exactly"},
    {"commit", SL_OPT_ENUM, "batch", 0, offsetof(pg_opts, commit), "batch|run",
     "batch: commit each batch with its checkpoint (a failed run keeps what it loaded and the next resumes); "
     "run: one transaction for the whole run (a failed run leaves the table as it was)"},
    SL_OPT_END,
};

/* PostgreSQL type OIDs (pg_type.dat); stable across versions. */
enum {
    OID_BOOL = 16, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_TEXT = 25, OID_JSON = 114,
    OID_FLOAT4 = 700, OID_FLOAT8 = 701, OID_BPCHAR = 1042, OID_VARCHAR = 1043, OID_DATE = 1082,
    OID_TIMESTAMP = 1114, OID_TIMESTAMPTZ = 1184, OID_NUMERIC = 1700, OID_JSONB = 3802,
};

/* How one batch column is sent. */
typedef enum {
    ENC_TEXT,       /* text rendering (binary: as text/varchar bytes) */
    ENC_SKIP,       /* discarded column: not sent */
    ENC_BOOL, ENC_INT8, ENC_INT4, ENC_INT2, ENC_FLOAT8, ENC_FLOAT4, ENC_INT_AS_FLOAT8,
    ENC_DATE, ENC_DATE_AS_TS, ENC_TS, ENC_JSONB,
} pg_enc;

typedef struct pg_tcol {
    char *name;       /* destination name */
    unsigned oid;
    char *typname;    /* format_type() */
} pg_tcol;

typedef struct pg_state {
    pg_opts *o;
    sl_run *run;
    PGconn *c;
    const char *id, *pipeline;
    char *qtable;         /* "schema"."table" written during the run */
    char *qfinal;         /* "schema"."table" */
    char *qstate;         /* "schema"._sluice_state */
    char *target;         /* unquoted name of the table written */
    int full_refresh, upsert, evolve, freeze, in_txn, table_ready, run_txn;
    pg_tcol *tcols;
    size_t ntcols;
    sl_sql_names names;
    /* the plan for the current batch schema */
    char *plan_sig;
    pg_enc *enc;          /* per batch column */
    int binary;
    char *copy_sql, *upsert_sql;
    sl_posmap positions;
    sl_buf buf;
} pg_state;

static int sink_err(pg_state *st, sl_error *err)
{
    return sl_error_prefix(err, "table %s", st->qfinal);
}

static int exec_sql(pg_state *st, const char *sql, sl_error *err)
{
    return sl_pg_exec(st->c, sql, err);
}

/* ---- type mapping ------------------------------------------------------ */

static const char *pg_type_of(sl_type t)
{
    switch (t) {
    case SL_T_BOOL: return "boolean";
    case SL_T_INT: return "bigint";
    case SL_T_FLOAT: return "double precision";
    case SL_T_DECIMAL: return "numeric";
    case SL_T_DATE: return "date";
    case SL_T_TIMESTAMP: return "timestamp with time zone";
    case SL_T_JSON: return "jsonb";
    default: return "text";
    }
}

static int is_text_oid(unsigned oid)
{
    return oid == OID_TEXT || oid == OID_VARCHAR || oid == OID_BPCHAR;
}

/* The encoder for a batch type into a column type, or -1 when the pair
 * needs the server's text conversion (or a wider column). */
static int native_enc(sl_type t, int raw, unsigned oid)
{
    if (raw)
        return is_text_oid(oid) ? ENC_TEXT : -1;
    if (is_text_oid(oid))
        return ENC_TEXT; /* every value has a text form */
    switch (t) {
    case SL_T_BOOL: return oid == OID_BOOL ? ENC_BOOL : -1;
    case SL_T_INT:
        return oid == OID_INT8 ? ENC_INT8 : oid == OID_INT4 ? ENC_INT4 : oid == OID_INT2 ? ENC_INT2
             : oid == OID_FLOAT8 ? ENC_INT_AS_FLOAT8 : -1;
    case SL_T_FLOAT: return oid == OID_FLOAT8 ? ENC_FLOAT8 : oid == OID_FLOAT4 ? ENC_FLOAT4 : -1;
    case SL_T_DATE:
        return oid == OID_DATE ? ENC_DATE : (oid == OID_TIMESTAMPTZ || oid == OID_TIMESTAMP) ? ENC_DATE_AS_TS : -1;
    case SL_T_TIMESTAMP: return (oid == OID_TIMESTAMPTZ || oid == OID_TIMESTAMP) ? ENC_TS : -1;
    case SL_T_JSON: return oid == OID_JSONB ? ENC_JSONB : oid == OID_JSON ? ENC_TEXT : -1;
    default: return -1;
    }
}

/* Does the server accept the pair through text without loss? (else: widen) */
static int text_fits(sl_type t, int raw, unsigned oid)
{
    if (raw || t == SL_T_TEXT)
        return is_text_oid(oid);
    if (is_text_oid(oid))
        return 1;
    switch (t) {
    case SL_T_INT: return oid == OID_INT8 || oid == OID_INT4 || oid == OID_INT2 || oid == OID_NUMERIC || oid == OID_FLOAT8;
    case SL_T_FLOAT: return oid == OID_FLOAT8 || oid == OID_FLOAT4 || oid == OID_NUMERIC;
    case SL_T_DECIMAL: return oid == OID_NUMERIC;
    case SL_T_BOOL: return oid == OID_BOOL;
    case SL_T_DATE: return oid == OID_DATE || oid == OID_TIMESTAMP || oid == OID_TIMESTAMPTZ;
    case SL_T_TIMESTAMP: return oid == OID_TIMESTAMP || oid == OID_TIMESTAMPTZ;
    case SL_T_JSON: return oid == OID_JSON || oid == OID_JSONB;
    default: return 0;
    }
}

/* Can a column of type oid take values of type t as they are? Types sluice
 * does not know (uuid, domains, ...) take text: the server converts. */
static int column_accepts(sl_type t, int raw, unsigned oid)
{
    static const unsigned known[] = {OID_INT2, OID_INT4, OID_INT8, OID_FLOAT4, OID_FLOAT8, OID_NUMERIC, OID_BOOL,
                                     OID_DATE, OID_TIMESTAMP, OID_TIMESTAMPTZ, OID_JSON, OID_JSONB};
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (known[i] == oid)
            return text_fits(t, raw, oid);
    return 1;
}

/* The type to widen a column of type oid to, so it holds values of type t. */
static const char *widen_to(sl_type t, unsigned oid)
{
    int numeric_col = oid == OID_INT2 || oid == OID_INT4 || oid == OID_INT8 || oid == OID_FLOAT4 ||
                      oid == OID_FLOAT8 || oid == OID_NUMERIC;
    if (numeric_col && (t == SL_T_INT || t == SL_T_FLOAT || t == SL_T_DECIMAL))
        return "numeric";
    if (oid == OID_DATE && t == SL_T_TIMESTAMP)
        return "timestamp with time zone";
    return "text";
}

/* ---- catalog ----------------------------------------------------------- */

static void free_tcols(pg_state *st)
{
    for (size_t i = 0; i < st->ntcols; i++) {
        sl_free(st->tcols[i].name);
        sl_free(st->tcols[i].typname);
    }
    sl_free(st->tcols);
    st->tcols = NULL;
    st->ntcols = 0;
}

/* Load the table's columns; *exists = 0 when there is no such table. */
static int load_columns(pg_state *st, int *exists, sl_error *err)
{
    free_tcols(st);
    PGresult *r;
    const char *p[1] = {st->qtable};
    if (sl_pg_query(st->c, &r, err,
                    "SELECT a.attname, a.atttypid, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                    "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                    1, p) < 0)
        return -1;
    PGresult *e;
    if (sl_pg_query(st->c, &e, err, "SELECT to_regclass($1) IS NOT NULL", 1, p) < 0) {
        PQclear(r);
        return -1;
    }
    *exists = PQgetvalue(e, 0, 0)[0] == 't';
    PQclear(e);
    int n = PQntuples(r);
    st->tcols = sl_calloc((size_t)n + 1, sizeof *st->tcols);
    for (int i = 0; i < n; i++) {
        st->tcols[i].name = sl_strdup(PQgetvalue(r, i, 0));
        st->tcols[i].oid = (unsigned)strtoul(PQgetvalue(r, i, 1), NULL, 10);
        st->tcols[i].typname = sl_strdup(PQgetvalue(r, i, 2));
    }
    st->ntcols = (size_t)n;
    PQclear(r);
    return 0;
}

static pg_tcol *find_tcol(pg_state *st, const char *name)
{
    for (size_t i = 0; i < st->ntcols; i++)
        if (strcmp(st->tcols[i].name, name) == 0)
            return &st->tcols[i];
    return NULL;
}

/* The destination name of a batch column (records a shortening once). */
static const char *dest_name(pg_state *st, const char *src, sl_error *err)
{
    int changed = 0;
    const char *d = sl_sql_names_map(&st->names, src, &changed, err);
    if (!d)
        return NULL;
    if (changed)
        sl_run_schema_change(st->run, src, "named \"%s\" in table %s (PostgreSQL names are at most %d bytes)", d,
                             st->qfinal, SL_SQL_NAME_MAX);
    return d;
}

static int create_table(pg_state *st, const sl_batch *b, sl_error *err)
{
    sl_buf *q = &st->buf;
    sl_buf_reset(q);
    sl_buf_adds(q, "CREATE SCHEMA IF NOT EXISTS ");
    sl_sql_ident(q, st->o->schema);
    sl_buf_adds(q, "; CREATE TABLE IF NOT EXISTS ");
    sl_buf_adds(q, st->qtable);
    sl_buf_adds(q, " (");
    for (size_t i = 0; i < b->ncols; i++) {
        const char *d = dest_name(st, b->cols[i].name, err);
        if (!d)
            return -1;
        if (i)
            sl_buf_adds(q, ", ");
        sl_sql_ident(q, d);
        sl_buf_addf(q, " %s", pg_type_of(b->cols[i].raw ? SL_T_TEXT : b->cols[i].type));
    }
    sl_buf_addc(q, ')');
    return exec_sql(st, q->data, err);
}

static int key_index(pg_state *st, sl_error *err)
{
    sl_buf *q = &st->buf;
    sl_buf_reset(q);
    char idx[SL_SQL_NAME_MAX + 1];
    char *want = sl_printf("%s__sluice_key", st->target);
    sl_sql_name_fit(SL_SQL_POSTGRES, want, idx, sizeof idx);
    sl_free(want);
    sl_buf_adds(q, "CREATE UNIQUE INDEX IF NOT EXISTS ");
    sl_sql_ident(q, idx);
    sl_buf_adds(q, " ON ");
    sl_buf_adds(q, st->qtable);
    sl_buf_adds(q, " (");
    for (size_t i = 0; i < st->o->key.n; i++) {
        const char *d = dest_name(st, st->o->key.v[i], err);
        if (!d)
            return -1;
        if (i)
            sl_buf_adds(q, ", ");
        sl_sql_ident(q, d);
    }
    sl_buf_addc(q, ')');
    return exec_sql(st, q->data, err);
}

static int alter(pg_state *st, const char *verb, const char *col, const char *type, sl_error *err)
{
    sl_buf *q = &st->buf;
    sl_buf_reset(q);
    sl_buf_adds(q, "ALTER TABLE ");
    sl_buf_adds(q, st->qtable);
    if (strcmp(verb, "add") == 0) {
        sl_buf_adds(q, " ADD COLUMN ");
        sl_sql_ident(q, col);
        sl_buf_addf(q, " %s", type);
    } else {
        sl_buf_adds(q, " ALTER COLUMN ");
        sl_sql_ident(q, col);
        sl_buf_addf(q, " TYPE %s USING ", type);
        sl_sql_ident(q, col);
        sl_buf_addf(q, "::%s", type);
    }
    return exec_sql(st, q->data, err);
}

/* An int column too narrow for some value of the batch? */
static int int_overflows(const sl_column *c, size_t nrows, unsigned oid)
{
    int64_t lo = oid == OID_INT2 ? INT16_MIN : INT32_MIN, hi = oid == OID_INT2 ? INT16_MAX : INT32_MAX;
    for (size_t r = 0; r < nrows; r++)
        if (c->valid[r] && (c->i64[r] < lo || c->i64[r] > hi))
            return 1;
    return 0;
}

/* Add, widen or discard columns per schema_change; discarded columns are
 * marked ENC_SKIP. */
static int plan_columns(pg_state *st, const sl_batch *b, sl_error *err)
{
    sl_free(st->enc);
    st->enc = sl_calloc(b->ncols + 1, sizeof *st->enc);
    int changed = 0;
    for (size_t i = 0; i < b->ncols; i++) {
        const sl_column *c = &b->cols[i];
        sl_type t = c->raw ? SL_T_TEXT : c->type;
        const char *d = dest_name(st, c->name, err);
        if (!d)
            return -1;
        pg_tcol *tc = find_tcol(st, d);
        if (!tc) {
            if (st->freeze)
                return sl_error_set(err, SL_EDATA,
                                    "column \"%s\" is not in table %s and schema_change is freeze", c->name,
                                    st->qfinal);
            if (!st->evolve) {
                st->enc[i] = ENC_SKIP;
                sl_run_schema_change(st->run, c->name, "not loaded: not in table %s (schema_change: discard_columns)",
                                     st->qfinal);
                continue;
            }
            if (alter(st, "add", d, pg_type_of(t), err) < 0)
                return -1;
            sl_run_schema_change(st->run, c->name, "added to table %s (%s)", st->qfinal, pg_type_of(t));
            changed = 1;
            continue;
        }
        const char *wider = column_accepts(t, c->raw, tc->oid) ? NULL : widen_to(t, tc->oid);
        if (wider && st->evolve) {
            if (alter(st, "type", d, wider, err) < 0)
                return -1;
            sl_run_schema_change(st->run, c->name, "widened in table %s: %s -> %s", st->qfinal, tc->typname, wider);
            changed = 1;
        }
    }
    int exists;
    return changed ? load_columns(st, &exists, err) : 0;
}

/* Encoders: binary COPY only if every sent column has an exact one. */
static int plan_encoders(pg_state *st, const sl_batch *b, sl_error *err)
{
    st->binary = strcmp(st->o->format, "text") != 0;
    for (size_t i = 0; i < b->ncols; i++) {
        if (st->enc[i] == ENC_SKIP)
            continue;
        const sl_column *c = &b->cols[i];
        pg_tcol *tc = find_tcol(st, dest_name(st, c->name, err));
        int e = native_enc(c->raw ? SL_T_TEXT : c->type, c->raw, tc->oid);
        if (e < 0) {
            if (strcmp(st->o->format, "binary") == 0)
                return sl_error_set(err, SL_ECONFIG, "column \"%s\" (%s) cannot be sent as binary to a %s column",
                                    c->name, sl_type_name(c->type), tc->typname);
            st->binary = 0;
            e = ENC_TEXT;
        }
        st->enc[i] = (pg_enc)e;
    }
    return 0;
}

/* The COPY statement, and for upsert the staging table and the INSERT. */
static int plan_statements(pg_state *st, const sl_batch *b, sl_error *err)
{
    sl_buf q;
    sl_buf_init(&q);
    sl_buf cols;
    sl_buf_init(&cols);
    for (size_t i = 0, n = 0; i < b->ncols; i++) {
        if (st->enc[i] == ENC_SKIP)
            continue;
        if (n++)
            sl_buf_adds(&cols, ", ");
        sl_sql_ident(&cols, dest_name(st, b->cols[i].name, err));
    }
    if (st->upsert) {
        /* staging: the sent columns with the table's types, no constraints */
        sl_buf_adds(&q, "DROP TABLE IF EXISTS pg_temp.sluice_stage; CREATE TEMP TABLE sluice_stage AS SELECT ");
        sl_buf_adds(&q, cols.data ? cols.data : "");
        sl_buf_adds(&q, ", 0::bigint AS _sluice_row FROM ");
        sl_buf_adds(&q, st->qtable);
        sl_buf_adds(&q, " WITH NO DATA");
        if (exec_sql(st, q.data, err) < 0) {
            sl_buf_release(&q);
            sl_buf_release(&cols);
            return -1;
        }
        sl_buf_reset(&q);
        sl_buf_addf(&q, "COPY pg_temp.sluice_stage (%s, _sluice_row) FROM STDIN", cols.data);
    } else {
        sl_buf_addf(&q, "COPY %s (%s) FROM STDIN", st->qtable, cols.data ? cols.data : "");
    }
    if (st->binary)
        sl_buf_adds(&q, " (FORMAT binary)");
    sl_free(st->copy_sql);
    st->copy_sql = sl_buf_detach(&q);
    if (st->upsert) {
        sl_buf_reset(&q);
        sl_buf keys;
        sl_buf_init(&keys);
        for (size_t k = 0; k < st->o->key.n; k++) {
            if (k)
                sl_buf_adds(&keys, ", ");
            sl_sql_ident(&keys, dest_name(st, st->o->key.v[k], err));
        }
        sl_buf_addf(&q, "INSERT INTO %s AS sluice_t (%s) SELECT DISTINCT ON (%s) %s FROM pg_temp.sluice_stage "
                        "WHERE _sluice_row BETWEEN $1 AND $2 ORDER BY %s, _sluice_row DESC ON CONFLICT (%s) ",
                    st->qtable, cols.data, keys.data, cols.data, keys.data, keys.data);
        /* rows whose values did not change are left alone: no new row
         * version, no WAL, no index churn (a daily full export that is
         * mostly unchanged costs lookups only) */
        int any = 0;
        sl_buf mine, theirs;
        sl_buf_init(&mine);
        sl_buf_init(&theirs);
        for (size_t i = 0; i < b->ncols; i++) {
            if (st->enc[i] == ENC_SKIP)
                continue;
            int is_key = 0;
            for (size_t k = 0; k < st->o->key.n; k++)
                is_key |= strcmp(st->o->key.v[k], b->cols[i].name) == 0;
            if (is_key)
                continue;
            sl_buf_adds(&q, any ? ", " : "DO UPDATE SET ");
            sl_buf_adds(&mine, any ? ", sluice_t." : "sluice_t.");
            sl_buf_adds(&theirs, any ? ", EXCLUDED." : "EXCLUDED.");
            any++;
            const char *d = dest_name(st, b->cols[i].name, err);
            sl_sql_ident(&q, d);
            sl_buf_adds(&q, " = EXCLUDED.");
            sl_sql_ident(&q, d);
            sl_sql_ident(&mine, d);
            sl_sql_ident(&theirs, d);
        }
        if (any)
            sl_buf_addf(&q, " WHERE (%s) IS DISTINCT FROM (%s)", mine.data, theirs.data);
        else
            sl_buf_adds(&q, "DO NOTHING");
        sl_buf_release(&mine);
        sl_buf_release(&theirs);
        sl_free(st->upsert_sql);
        st->upsert_sql = sl_buf_detach(&q);
        sl_buf_release(&keys);
    }
    sl_buf_release(&q);
    sl_buf_release(&cols);
    return 0;
}

/* Make the table ready for batch b and choose how each column is sent:
 * the plan is kept while batches keep the same columns and types. */
static int plan(pg_state *st, const sl_batch *b, sl_error *err)
{
    sl_buf sig;
    sl_buf_init(&sig);
    for (size_t i = 0; i < b->ncols; i++)
        sl_buf_addf(&sig, "%s\x1f%d%d\x1e", b->cols[i].name, (int)b->cols[i].type, b->cols[i].raw);
    const char *s = sig.data ? sig.data : "";
    if (st->table_ready && st->plan_sig && strcmp(st->plan_sig, s) == 0) {
        sl_buf_release(&sig);
        return 0;
    }
    sl_free(st->plan_sig);
    st->plan_sig = sl_buf_detach(&sig);
    int exists = 0;
    if (!st->table_ready) {
        if (load_columns(st, &exists, err) < 0)
            return -1;
        if (!exists) {
            if (create_table(st, b, err) < 0 || load_columns(st, &exists, err) < 0)
                return -1;
        }
        if (st->upsert && key_index(st, err) < 0)
            return -1;
        st->table_ready = 1;
    }
    return plan_columns(st, b, err) < 0 || plan_encoders(st, b, err) < 0 || plan_statements(st, b, err) < 0 ? -1 : 0;
}

/* evolve: an integer column too narrow for a value of this batch becomes
 * bigint (checked on every batch; the plan is rebuilt when it happens). */
static int widen_ints(pg_state *st, const sl_batch *b, sl_error *err)
{
    if (!st->evolve)
        return 0;
    for (size_t i = 0; i < b->ncols; i++) {
        if (st->enc[i] != ENC_INT4 && st->enc[i] != ENC_INT2)
            continue;
        const char *d = dest_name(st, b->cols[i].name, err);
        pg_tcol *tc = find_tcol(st, d);
        if (!int_overflows(&b->cols[i], b->nrows, tc->oid))
            continue;
        if (alter(st, "type", d, "bigint", err) < 0)
            return -1;
        sl_run_schema_change(st->run, b->cols[i].name, "widened in table %s: %s -> bigint", st->qfinal, tc->typname);
        int exists;
        if (load_columns(st, &exists, err) < 0)
            return -1;
        sl_free(st->plan_sig);
        st->plan_sig = NULL;
        return plan(st, b, err);
    }
    return 0;
}

/* ---- COPY -------------------------------------------------------------- */

#define PG_EPOCH_DAYS 10957                 /* 2000-01-01 - 1970-01-01 */
#define PG_EPOCH_US 946684800000000LL

static void put16(sl_buf *o, int v)
{
    uint16_t x = htons((uint16_t)v);
    sl_buf_add(o, &x, 2);
}
static void put32(sl_buf *o, int64_t v)
{
    uint32_t x = htonl((uint32_t)v);
    sl_buf_add(o, &x, 4);
}
static void put64(sl_buf *o, uint64_t v)
{
    put32(o, (int64_t)(v >> 32));
    put32(o, (int64_t)(v & 0xffffffffu));
}

static void text_escape(sl_buf *o, const char *p, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch != '\\' && ch != '\t' && ch != '\n' && ch != '\r')
            continue;
        sl_buf_add(o, p + start, i - start);
        sl_buf_addc(o, '\\');
        sl_buf_addc(o, ch == '\t' ? 't' : ch == '\n' ? 'n' : ch == '\r' ? 'r' : '\\');
        start = i + 1;
    }
    sl_buf_add(o, p + start, n - start);
}

/* One cell in binary format. Returns -1 with why set if it cannot be encoded. */
static int put_binary(sl_buf *o, pg_enc e, const sl_column *c, size_t r, const char **why)
{
    if (!c->valid[r]) {
        put32(o, -1);
        return 0;
    }
    char tmp[64];
    const char *p;
    size_t n;
    union { double d; float f; uint64_t u; uint32_t u32; } v;
    switch (e) {
    case ENC_BOOL: put32(o, 1); sl_buf_addc(o, c->i64[r] ? 1 : 0); return 0;
    case ENC_INT8: put32(o, 8); put64(o, (uint64_t)c->i64[r]); return 0;
    case ENC_INT4:
        if (c->i64[r] < INT32_MIN || c->i64[r] > INT32_MAX)
            return *why = "value out of range for type integer", -1;
        put32(o, 4); put32(o, c->i64[r]); return 0;
    case ENC_INT2:
        if (c->i64[r] < INT16_MIN || c->i64[r] > INT16_MAX)
            return *why = "value out of range for type smallint", -1;
        put32(o, 2); put16(o, (int)c->i64[r]); return 0;
    case ENC_FLOAT8: v.d = c->f64[r]; put32(o, 8); put64(o, v.u); return 0;
    case ENC_INT_AS_FLOAT8: v.d = (double)c->i64[r]; put32(o, 8); put64(o, v.u); return 0;
    case ENC_FLOAT4: v.f = (float)c->f64[r]; put32(o, 4); put32(o, v.u32); return 0;
    case ENC_DATE: put32(o, 4); put32(o, c->i64[r] - PG_EPOCH_DAYS); return 0;
    case ENC_DATE_AS_TS: put32(o, 8); put64(o, (uint64_t)(c->i64[r] * 86400000000LL - PG_EPOCH_US)); return 0;
    case ENC_TS: put32(o, 8); put64(o, (uint64_t)(c->i64[r] - PG_EPOCH_US)); return 0;
    case ENC_JSONB:
        sl_cell_text(c, r, tmp, &p, &n);
        put32(o, (int64_t)n + 1); sl_buf_addc(o, 1); sl_buf_add(o, p, n); return 0;
    default:
        sl_cell_text(c, r, tmp, &p, &n);
        put32(o, (int64_t)n); sl_buf_add(o, p, n); return 0;
    }
}

static void put_text(sl_buf *o, const sl_column *c, size_t r)
{
    char tmp[64];
    const char *p;
    size_t n;
    if (!sl_cell_text(c, r, tmp, &p, &n))
        sl_buf_add(o, "\\N", 2);
    else
        text_escape(o, p, n);
}

/* Result of one COPY attempt. */
typedef struct copy_fail {
    int64_t line;        /* 1-based row of the attempt the server named, 0 if none */
    char msg[700];
} copy_fail;

static int64_t context_line(const char *ctx)
{
    const char *p = ctx ? strstr(ctx, ", line ") : NULL;
    return p ? strtoll(p + 7, NULL, 10) : 0;
}

/* Send rows[0..n) with COPY. 0 = done, 1 = the server refused (f filled),
 * -1 = connection-level error (err). */
static int copy_rows(pg_state *st, sl_batch *b, const size_t *rows, size_t n, copy_fail *f, sl_error *err)
{
    PGresult *r = PQexec(st->c, st->copy_sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        sl_pg_result_error(r, st->c, "COPY", err);
        PQclear(r);
        return -1;
    }
    PQclear(r);
    sl_buf *o = &st->buf;
    sl_buf_reset(o);
    if (st->binary) {
        sl_buf_add(o, "PGCOPY\n\377\r\n\0", 11);
        put32(o, 0);
        put32(o, 0);
    }
    size_t nsent = 0;
    for (size_t i = 0; i < b->ncols; i++)
        nsent += st->enc[i] != ENC_SKIP;
    const char *why = NULL;
    for (size_t k = 0; k < n && !why; k++) {
        size_t row = rows[k];
        if (st->binary) {
            put16(o, (int)(nsent + (st->upsert ? 1 : 0)));
            for (size_t i = 0; i < b->ncols && !why; i++)
                if (st->enc[i] != ENC_SKIP && put_binary(o, st->enc[i], &b->cols[i], row, &why) < 0) {
                    snprintf(f->msg, sizeof f->msg, "column \"%s\": %s", b->cols[i].name, why);
                    f->line = (int64_t)k + 1;
                }
            if (st->upsert) {
                put32(o, 8);
                put64(o, (uint64_t)row);
            }
        } else {
            int first = 1;
            for (size_t i = 0; i < b->ncols; i++) {
                if (st->enc[i] == ENC_SKIP)
                    continue;
                if (!first)
                    sl_buf_addc(o, '\t');
                first = 0;
                put_text(o, &b->cols[i], row);
            }
            if (st->upsert)
                sl_buf_addf(o, "\t%zu", row);
            sl_buf_addc(o, '\n');
        }
        /* stream: the server works on one chunk while we format the next */
        if (o->len >= 256 * 1024) {
            if (PQputCopyData(st->c, o->data, (int)o->len) != 1)
                break;
            sl_buf_reset(o);
        }
    }
    if (st->binary && !why)
        put16(o, -1);
    if (o->len && PQputCopyData(st->c, o->data, (int)o->len) != 1)
        return sl_error_set(err, SL_EIO, "COPY: %s", PQerrorMessage(st->c));
    sl_buf_reset(o);
    /* a value we could not encode: abort the COPY and name its row */
    if (PQputCopyEnd(st->c, why ? "sluice: value cannot be encoded" : NULL) != 1)
        return sl_error_set(err, SL_EIO, "COPY: %s", PQerrorMessage(st->c));
    int rc = 0;
    while ((r = PQgetResult(st->c)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == 0) {
            rc = 1;
            if (!why) {
                sl_error e2;
                sl_pg_result_error(r, st->c, "", &e2);
                snprintf(f->msg, sizeof f->msg, "%s", e2.msg + 2);
                f->line = context_line(PQresultErrorField(r, PG_DIAG_CONTEXT));
            }
            if (PQstatus(st->c) != CONNECTION_OK) {
                PQclear(r);
                return sl_error_set(err, SL_EIO, "COPY: connection lost: %s", f->msg);
            }
        }
        PQclear(r);
    }
    return rc;
}

static int upsert_range(pg_state *st, size_t lo, size_t hi, copy_fail *f, sl_error *err)
{
    char a[24], z[24];
    snprintf(a, sizeof a, "%zu", lo);
    snprintf(z, sizeof z, "%zu", hi);
    const char *p[2] = {a, z};
    PGresult *r = PQexecParams(st->c, st->upsert_sql, 2, NULL, p, NULL, NULL, 0);
    int rc = 0;
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        if (PQstatus(st->c) != CONNECTION_OK) {
            sl_pg_result_error(r, st->c, "upsert", err);
            PQclear(r);
            return -1;
        }
        sl_error e2;
        sl_pg_result_error(r, st->c, "", &e2);
        snprintf(f->msg, sizeof f->msg, "%s", e2.msg + 2);
        f->line = 0;
        rc = 1;
    }
    PQclear(r);
    return rc;
}

static void reject(pg_state *st, sl_batch *b, size_t row, uint8_t *rejected, const char *msg)
{
    char why[900];
    snprintf(why, sizeof why, "table %s refused the row: %s", st->qfinal, msg);
    rejected[row] = 1;
    sl_batch_reject_row(b, row, st->id, why);
}

static int savepoint(pg_state *st, const char *verb, sl_error *err)
{
    char sql[64];
    snprintf(sql, sizeof sql, "%s sluice_try", verb);
    return exec_sql(st, sql, err);
}

/* Load rows[0..n) under savepoints, rejecting the rows the server refuses.
 * Rows go in chunks whose size adapts: it doubles after a success; after
 * a failure at a named row it shrinks to the good rows before it (sent
 * next, so they succeed) and the named row is rejected; after a failure
 * with no row named (upsert's INSERT) it halves until the bad row is
 * alone. Each bad row costs a few chunks, not a resend of the batch. */
static int load_isolating(pg_state *st, sl_batch *b, size_t *rows, size_t n, uint8_t *rejected, sl_error *err)
{
    size_t chunk = n;
    while (n > 0) {
        size_t m = chunk < n ? chunk : n;
        copy_fail f = {0};
        if (savepoint(st, "SAVEPOINT", err) < 0)
            return -1;
        int rc = copy_rows(st, b, rows, m, &f, err);
        if (rc == 0 && st->upsert)
            rc = upsert_range(st, rows[0], rows[m - 1], &f, err);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            if (savepoint(st, "RELEASE SAVEPOINT", err) < 0)
                return -1;
            rows += m;
            n -= m;
            chunk = m * 2;
            continue;
        }
        if (savepoint(st, "ROLLBACK TO SAVEPOINT", err) < 0 || savepoint(st, "RELEASE SAVEPOINT", err) < 0)
            return -1;
        if (f.line >= 1 && (size_t)f.line <= m) {
            if (f.line > 1) {
                chunk = (size_t)f.line - 1; /* the good prefix goes next */
                continue;
            }
        } else if (m > 1) {
            chunk = m / 2;
            continue;
        }
        reject(st, b, rows[0], rejected, f.msg);
        rows++;
        n--;
        chunk = m > 1 ? m - 1 : 1;
    }
    return st->upsert ? exec_sql(st, "TRUNCATE pg_temp.sluice_stage", err) : 0;
}

/* ---- the plugin -------------------------------------------------------- */

static int pg_check(sl_instance *in, sl_diags *d)
{
    pg_opts *o = in->opts;
    int n = 0;
    if (strcmp(o->mode, "upsert") == 0 && o->key.n == 0) {
        sl_diags_add(d, sl_options_loc(pg_options, o, "mode"), "mode: upsert needs key: [columns]");
        n++;
    }
    return n;
}

static char *qualified(const char *schema, const char *table)
{
    sl_buf q;
    sl_buf_init(&q);
    char s[SL_SQL_NAME_MAX + 1], t[SL_SQL_NAME_MAX + 1];
    sl_sql_name_fit(SL_SQL_POSTGRES, schema, s, sizeof s);
    sl_sql_name_fit(SL_SQL_POSTGRES, table, t, sizeof t);
    sl_sql_ident(&q, s);
    sl_buf_addc(&q, '.');
    sl_sql_ident(&q, t);
    return sl_buf_detach(&q);
}

static int pg_open(sl_instance *in, sl_run *run, sl_error *err)
{
    pg_opts *o = in->opts;
    pg_state *st = sl_calloc(1, sizeof *st);
    in->state = st;
    st->o = o;
    st->run = run;
    st->id = in->id;
    st->pipeline = run->pipeline->name;
    st->names.dialect = SL_SQL_POSTGRES;
    sl_buf_init(&st->buf);
    st->full_refresh = strcmp(o->mode, "full_refresh") == 0;
    st->upsert = strcmp(o->mode, "upsert") == 0;
    st->evolve = strcmp(o->schema_change, "evolve") == 0;
    st->freeze = strcmp(o->schema_change, "freeze") == 0;
    st->run_txn = strcmp(o->commit, "run") == 0;
    char t[SL_SQL_NAME_MAX + 1];
    char *want = st->full_refresh ? sl_printf("%s__sluice_staging", o->table) : sl_strdup(o->table);
    sl_sql_name_fit(SL_SQL_POSTGRES, want, t, sizeof t);
    sl_free(want);
    st->target = sl_strdup(t);
    st->qtable = qualified(o->schema, st->target);
    st->qfinal = qualified(o->schema, o->table);
    st->qstate = qualified(o->schema, "_sluice_state");
    if (sl_pg_connect_component(&o->conn, run->project, "postgres sink", &st->c, err) < 0)
        return -1;
    sl_buf *q = &st->buf;
    sl_buf_reset(q);
    sl_buf_adds(q, "SET synchronous_commit = off; CREATE SCHEMA IF NOT EXISTS ");
    sl_sql_ident(q, o->schema);
    sl_buf_addf(q, "; CREATE TABLE IF NOT EXISTS %s (pipeline text NOT NULL, sink text NOT NULL, key text NOT NULL,"
                   " epoch bigint NOT NULL, \"offset\" bigint NOT NULL, line bigint, updated_at timestamptz,"
                   " PRIMARY KEY (pipeline, sink, key))", st->qstate);
    if (exec_sql(st, q->data, err) < 0)
        return sink_err(st, err);
    /* committed positions of this epoch */
    char epoch[24];
    snprintf(epoch, sizeof epoch, "%lld", (long long)run->epoch);
    const char *p[3] = {st->pipeline, st->id, epoch};
    char *sql = sl_printf("SELECT key, \"offset\", line FROM %s WHERE pipeline = $1 AND sink = $2 AND epoch = $3",
                          st->qstate);
    PGresult *r;
    int rc = sl_pg_query(st->c, &r, err, sql, 3, p);
    sl_free(sql);
    if (rc < 0)
        return sink_err(st, err);
    for (int i = 0; i < PQntuples(r); i++)
        sl_posmap_put(&st->positions, PQgetvalue(r, i, 0), strtoll(PQgetvalue(r, i, 1), NULL, 10),
                      strtoll(PQgetvalue(r, i, 2), NULL, 10));
    PQclear(r);
    if (st->full_refresh && st->positions.n == 0) {
        /* a new epoch: a staging table is left over from an abandoned run */
        sl_buf_reset(q);
        sl_buf_addf(q, "DROP TABLE IF EXISTS %s", st->qtable);
        if (exec_sql(st, q->data, err) < 0)
            return sink_err(st, err);
    }
    return 0;
}

static int pg_position(sl_instance *in, const char *key, sl_resume *pos, int *found, sl_error *err)
{
    *found = sl_posmap_get(&((pg_state *)in->state)->positions, key, pos);
    return 0;
}

static int pg_write(sl_instance *in, sl_batch *b, size_t from, uint8_t *rejected, sl_error *err)
{
    pg_state *st = in->state;
    if (!st->in_txn) {
        if (exec_sql(st, "BEGIN", err) < 0)
            return sink_err(st, err);
        st->in_txn = 1;
    }
    /* commit: run keeps one transaction; a batch is undone to here */
    if (st->run_txn && exec_sql(st, "SAVEPOINT sluice_batch", err) < 0)
        return sink_err(st, err);
    if (sl_failpoint("sink.before_data"))
        return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.before_data", st->id);
    if (from >= b->nrows || b->ncols == 0)
        return 0;
    if (plan(st, b, err) < 0 || widen_ints(st, b, err) < 0)
        return sink_err(st, err);
    size_t *rows = sl_malloc((b->nrows - from) * sizeof *rows);
    size_t n = 0;
    for (size_t r = from; r < b->nrows; r++)
        if (!rejected[r])
            rows[n++] = r;
    int rc = 0;
    copy_fail f = {0};
    /* the fast path: one COPY (and one upsert) for the batch */
    rc = copy_rows(st, b, rows, n, &f, err);
    if (rc == 0 && st->upsert) {
        rc = n ? upsert_range(st, 0, b->nrows, &f, err) : 0;
        if (rc == 0)
            rc = exec_sql(st, "TRUNCATE pg_temp.sluice_stage", err);
    }
    if (rc == 1) {
        /* a row was refused: undo the batch and redo it row-safe */
        sl_log_debug("%s: %s: batch refused (%s); isolating the bad rows", st->pipeline, st->id, f.msg);
        rc = exec_sql(st, st->run_txn ? "ROLLBACK TO SAVEPOINT sluice_batch" : "ROLLBACK", err);
        st->table_ready = 0;
        if (rc == 0 && !st->run_txn)
            rc = exec_sql(st, "BEGIN", err);
        sl_free(st->plan_sig);
        st->plan_sig = NULL;
        if (rc == 0)
            rc = plan(st, b, err);
        if (rc == 0)
            rc = widen_ints(st, b, err);
        if (rc == 0)
            rc = load_isolating(st, b, rows, n, rejected, err);
    }
    sl_free(rows);
    if (rc == 0 && st->run_txn)
        rc = exec_sql(st, "RELEASE SAVEPOINT sluice_batch", err);
    if (rc < 0)
        return sink_err(st, err);
    if (sl_failpoint("sink.after_data"))
        return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.after_data", st->id);
    return 0;
}

static int pg_commit(sl_instance *in, const sl_batch *b, sl_error *err)
{
    pg_state *st = in->state;
    if (!st->in_txn)
        return 0;
    if (sl_failpoint("sink.before_checkpoint"))
        return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.before_checkpoint", st->id);
    if (b->file && !b->no_position) {
        char epoch[24], off[24], line[24];
        snprintf(epoch, sizeof epoch, "%lld", (long long)st->run->epoch);
        snprintf(off, sizeof off, "%lld", (long long)b->end_offset);
        snprintf(line, sizeof line, "%lld", (long long)b->end_line);
        const char *p[6] = {st->pipeline, st->id, b->file, epoch, off, line};
        char *sql = sl_printf("INSERT INTO %s (pipeline, sink, key, epoch, \"offset\", line, updated_at)"
                              " VALUES ($1, $2, $3, $4, $5, $6, now()) ON CONFLICT (pipeline, sink, key) DO UPDATE"
                              " SET epoch = EXCLUDED.epoch, \"offset\" = EXCLUDED.\"offset\", line = EXCLUDED.line,"
                              " updated_at = EXCLUDED.updated_at", st->qstate);
        PGresult *r;
        int rc = sl_pg_query(st->c, &r, err, sql, 6, p);
        sl_free(sql);
        PQclear(r);
        if (rc < 0)
            return sink_err(st, err);
    }
    if (st->run_txn)
        return 0; /* finish() commits */
    if (exec_sql(st, "COMMIT", err) < 0)
        return sink_err(st, err);
    st->in_txn = 0;
    if (sl_failpoint("sink.after_commit"))
        return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.after_commit", st->id);
    return 0;
}

static void pg_rollback(sl_instance *in)
{
    pg_state *st = in->state;
    if (st && st->in_txn && st->c) {
        PQclear(PQexec(st->c, "ROLLBACK"));
        st->in_txn = 0;
        st->table_ready = 0; /* a CREATE or ALTER may have been rolled back */
        sl_free(st->plan_sig);
        st->plan_sig = NULL;
    }
}

static int pg_finish(sl_instance *in, sl_error *err)
{
    pg_state *st = in->state;
    sl_buf *q = &st->buf;
    sl_buf_reset(q);
    /* one synchronous commit that writes something makes every earlier
     * (asynchronous) commit durable too */
    sl_buf_addf(q, "SET synchronous_commit = on; %sUPDATE %s SET updated_at = now() WHERE pipeline = ",
                st->in_txn ? "" : "BEGIN; ", st->qstate);
    sl_sql_literal(q, st->pipeline);
    sl_buf_adds(q, " AND sink = ");
    sl_sql_literal(q, st->id);
    sl_buf_adds(q, "; ");
    if (st->full_refresh) {
        PGresult *r;
        const char *p[2] = {st->qtable, st->qfinal};
        if (sl_pg_query(st->c, &r, err, "SELECT to_regclass($1) IS NOT NULL, to_regclass($2) IS NOT NULL", 2, p) < 0)
            return sink_err(st, err);
        int staged = PQgetvalue(r, 0, 0)[0] == 't', final = PQgetvalue(r, 0, 1)[0] == 't';
        PQclear(r);
        if (staged) {
            char t[SL_SQL_NAME_MAX + 1];
            sl_sql_name_fit(SL_SQL_POSTGRES, st->o->table, t, sizeof t);
            sl_buf_addf(q, "DROP TABLE IF EXISTS %s; ALTER TABLE %s RENAME TO ", st->qfinal, st->qtable);
            sl_sql_ident(q, t);
            sl_buf_adds(q, "; ");
        } else if (final && st->positions.n == 0) {
            /* a refresh with no rows at all leaves the table empty */
            sl_buf_addf(q, "TRUNCATE %s; ", st->qfinal);
        }
        /* after the swap, this epoch's positions are spent */
        sl_buf_addf(q, "DELETE FROM %s WHERE pipeline = ", st->qstate);
        sl_sql_literal(q, st->pipeline);
        sl_buf_adds(q, " AND sink = ");
        sl_sql_literal(q, st->id);
        sl_buf_adds(q, "; ");
    }
    sl_buf_adds(q, "COMMIT; SET synchronous_commit = off");
    st->in_txn = 0;
    if (exec_sql(st, q->data, err) < 0) {
        PQclear(PQexec(st->c, "ROLLBACK"));
        return sink_err(st, err);
    }
    return 0;
}

static void pg_close(sl_instance *in)
{
    pg_state *st = in->state;
    if (!st)
        return;
    pg_rollback(in);
    if (st->c)
        PQfinish(st->c);
    free_tcols(st);
    sl_sql_names_release(&st->names);
    sl_free(st->plan_sig);
    sl_free(st->enc);
    sl_free(st->copy_sql);
    sl_free(st->upsert_sql);
    sl_free(st->qtable);
    sl_free(st->qfinal);
    sl_free(st->qstate);
    sl_free(st->target);
    sl_posmap_release(&st->positions);
    sl_buf_release(&st->buf);
    sl_free(st);
    in->state = NULL;
}

static int pg_positions(sl_instance *in, sl_project *project, sl_position_fn fn, void *ctx, sl_error *err)
{
    pg_opts *o = in->opts;
    PGconn *c;
    if (sl_pg_connect_component(&o->conn, project, "postgres sink", &c, err) < 0)
        return -1;
    char *qstate = qualified(o->schema, "_sluice_state");
    char *sql = sl_printf("SELECT key, epoch, \"offset\", line, updated_at FROM %s WHERE pipeline = $1 AND sink = $2 "
                          "AND to_regclass($3) IS NOT NULL ORDER BY key", qstate);
    const char *p[3] = {in->pipeline, in->id, qstate};
    PGresult *r = PQexecParams(c, sql, 3, NULL, p, NULL, NULL, 0);
    /* no _sluice_state yet: nothing committed */
    if (PQresultStatus(r) == PGRES_TUPLES_OK)
        for (int i = 0; i < PQntuples(r); i++)
            fn(ctx, PQgetvalue(r, i, 0), strtoll(PQgetvalue(r, i, 1), NULL, 10), strtoll(PQgetvalue(r, i, 2), NULL, 10),
               strtoll(PQgetvalue(r, i, 3), NULL, 10), PQgetvalue(r, i, 4));
    PQclear(r);
    PQfinish(c);
    sl_free(sql);
    sl_free(qstate);
    return 0;
}

const sl_sink_plugin sl_sink_postgres = {
    .version = SL_PLUGIN_VERSION,
    .name = "postgres",
    .summary = "a PostgreSQL table: COPY, append, upsert or full_refresh, exactly once",
    .options = pg_options,
    .opts_size = sizeof(pg_opts),
    .check = pg_check,
    .open = pg_open,
    .position = pg_position,
    .write = pg_write,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .finish = pg_finish,
    .close = pg_close,
    .positions = pg_positions,
};
