/* pgsink_plan.c: the postgres sink's table and plan. See pgsink.h. */
#include "core/mem.h"
#include "sinks/pgsink.h"
#include <stdlib.h>
#include <string.h>

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

void sl_pgsink_free_columns(pg_state *st)
{
    for (size_t i = 0; i < st->ntcols; i++) {
        sl_free(st->tcols[i].name);
        sl_free(st->tcols[i].typname);
    }
    sl_free(st->tcols);
    st->tcols = NULL;
    st->ntcols = 0;
}

int sl_pgsink_load_columns(pg_state *st, int *exists, sl_error *err)
{
    sl_pgsink_free_columns(st);
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
    if (st->full_refresh) {
        /* a refresh of an existing table stages into its likeness (types,
         * NOT NULL, CHECK, unique indexes: rows it would refuse are
         * refused while loading) and refills it at the end (pg_finish) */
        PGresult *r;
        const char *p[1] = {st->qfinal};
        if (sl_pg_query(st->c, &r, err, "SELECT to_regclass($1) IS NOT NULL", 1, p) < 0)
            return -1;
        int final = PQgetvalue(r, 0, 0)[0] == 't';
        PQclear(r);
        if (final) {
            sl_buf_reset(q);
            sl_buf_addf(q, "CREATE TABLE IF NOT EXISTS %s (LIKE %s INCLUDING ALL)", st->qtable, st->qfinal);
            return exec_sql(st, q->data, err);
        }
    }
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
        /* a double becomes numeric through its shortest exact text: the
         * direct cast keeps only 15 digits */
        sl_buf_addf(q, "%s::%s", strcmp(type, "numeric") == 0 ? "::text" : "", type);
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
    return changed ? sl_pgsink_load_columns(st, &exists, err) : 0;
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

/* only_if_newer: the number of staged rows lo..hi ($1, $2) the upsert
 * will not apply, counted as if they were applied one by one in order: a
 * row applies if its key is new, or if its value is greater than both the
 * stored one and every earlier one of its key in the batch (NULL: older
 * than any value). Run before the INSERT, which changes the stored rows. */
static char *stale_query(pg_state *st, const char *newer, sl_error *err)
{
    sl_buf q, on, part;
    sl_buf_init(&q);
    sl_buf_init(&on);
    sl_buf_init(&part);
    const char *first = NULL;
    for (size_t k = 0; k < st->o->key.n; k++) {
        const char *d = dest_name(st, st->o->key.v[k], err);
        sl_buf_adds(&on, k ? " AND t." : "t.");
        sl_sql_ident(&on, d);
        sl_buf_adds(&on, " = s.");
        sl_sql_ident(&on, d);
        sl_buf_adds(&part, k ? ", s." : "s.");
        sl_sql_ident(&part, d);
        if (!first)
            first = d;
    }
    sl_buf_addf(&q, "SELECT count(*) FROM (SELECT s.%s AS v, t.%s AS stored, t.", newer, newer);
    sl_sql_ident(&q, first);
    sl_buf_addf(&q, " IS NOT NULL AS present, max(s.%s) OVER w AS prior, count(*) OVER w AS nprior "
                    "FROM pg_temp.sluice_stage s LEFT JOIN %s t ON %s WHERE s._sluice_row BETWEEN $1 AND $2 "
                    "WINDOW w AS (PARTITION BY %s ORDER BY s._sluice_row ROWS BETWEEN UNBOUNDED PRECEDING AND "
                    "1 PRECEDING)) x WHERE (present OR nprior > 0) AND NOT (v IS NOT NULL AND "
                    "(GREATEST(stored, prior) IS NULL OR v > GREATEST(stored, prior)))",
                newer, st->qtable, on.data, part.data);
    sl_buf_release(&on);
    sl_buf_release(&part);
    return sl_buf_detach(&q);
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
        const char *newer = NULL; /* only_if_newer, quoted */
        sl_buf qn;
        sl_buf_init(&qn);
        if (*st->o->only_if_newer) {
            int ni = sl_batch_find(b, st->o->only_if_newer);
            if (ni < 0 || st->enc[ni] == ENC_SKIP) {
                sl_buf_release(&q);
                sl_buf_release(&cols);
                sl_buf_release(&keys);
                return sl_error_set(err, SL_EDATA, "only_if_newer column %s is not loaded into table %s",
                                    st->o->only_if_newer, st->qfinal);
            }
            sl_sql_ident(&qn, dest_name(st, st->o->only_if_newer, err));
            newer = qn.data;
        }
        /* a key's rows in one batch: the last wins; with only_if_newer the
         * first of those with the greatest value (as if applied in order) */
        /* it answers what it did: inserted rows have no xmax, updated ones
         * the id of this transaction (rows_created / rows_updated) */
        sl_buf_addf(&q, "WITH sluice_up AS (INSERT INTO %s AS sluice_t (%s) SELECT DISTINCT ON (%s) %s "
                        "FROM pg_temp.sluice_stage WHERE _sluice_row BETWEEN $1 AND $2 ORDER BY %s, ",
                    st->qtable, cols.data, keys.data, cols.data, keys.data);
        if (newer)
            sl_buf_addf(&q, "%s DESC NULLS LAST, _sluice_row", newer);
        else
            sl_buf_adds(&q, "_sluice_row DESC");
        sl_buf_addf(&q, " ON CONFLICT (%s) ", keys.data);
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
        if (any && newer)
            sl_buf_addf(&q, " WHERE EXCLUDED.%s > sluice_t.%s OR (sluice_t.%s IS NULL AND EXCLUDED.%s IS NOT NULL)",
                        newer, newer, newer, newer);
        else if (any)
            sl_buf_addf(&q, " WHERE (%s) IS DISTINCT FROM (%s)", mine.data, theirs.data);
        else
            sl_buf_adds(&q, "DO NOTHING");
        sl_buf_adds(&q, " RETURNING (sluice_t.xmax = 0) AS created) "
                        "SELECT count(*) FILTER (WHERE created), count(*) FROM sluice_up");
        sl_free(st->stale_sql);
        st->stale_sql = newer ? stale_query(st, newer, err) : NULL;
        sl_buf_release(&qn);
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
        if (sl_pgsink_load_columns(st, &exists, err) < 0)
            return -1;
        if (!exists) {
            if (create_table(st, b, err) < 0 || sl_pgsink_load_columns(st, &exists, err) < 0)
                return -1;
        }
        if (st->upsert && key_index(st, err) < 0)
            return -1;
        st->table_ready = 1;
    }
    return plan_columns(st, b, err) < 0 || plan_encoders(st, b, err) < 0 || plan_statements(st, b, err) < 0 ? -1 : 0;
}

/* An int a double would round (beyond 2^53) in the batch? */
static int int_beyond_double(const sl_column *c, size_t nrows)
{
    for (size_t r = 0; r < nrows; r++)
        if (c->valid[r] && (c->i64[r] > (INT64_C(1) << 53) || c->i64[r] < -(INT64_C(1) << 53)))
            return 1;
    return 0;
}

/* evolve: an integer column too narrow for a value of this batch becomes
 * bigint, a double precision column meeting an int it would round becomes
 * numeric (checked on every batch; the plan is rebuilt when it happens). */
static int widen_ints(pg_state *st, const sl_batch *b, sl_error *err)
{
    if (!st->evolve)
        return 0;
    for (size_t i = 0; i < b->ncols; i++) {
        int to_float = st->enc[i] == ENC_INT_AS_FLOAT8;
        if (st->enc[i] != ENC_INT4 && st->enc[i] != ENC_INT2 && !to_float)
            continue;
        const char *d = dest_name(st, b->cols[i].name, err);
        pg_tcol *tc = find_tcol(st, d);
        if (to_float ? !int_beyond_double(&b->cols[i], b->nrows) : !int_overflows(&b->cols[i], b->nrows, tc->oid))
            continue;
        const char *wider = to_float ? "numeric" : "bigint";
        if (alter(st, "type", d, wider, err) < 0)
            return -1;
        sl_run_schema_change(st->run, b->cols[i].name, "widened in table %s: %s -> %s", st->qfinal, tc->typname,
                             wider);
        int exists;
        if (sl_pgsink_load_columns(st, &exists, err) < 0)
            return -1;
        sl_free(st->plan_sig);
        st->plan_sig = NULL;
        return plan(st, b, err);
    }
    return 0;
}

int sl_pgsink_prepare(pg_state *st, const sl_batch *b, sl_error *err)
{
    return plan(st, b, err) < 0 || widen_ints(st, b, err) < 0 ? -1 : 0;
}
