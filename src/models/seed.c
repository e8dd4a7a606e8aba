/*
 * seed.c: `sluice seed`: a seeds/NAME.csv loaded into its relation, replaced
 * whole each run (models/materialize.h).
 *
 * The file is read with sluice's CSV reader (formats/csv.h: RFC 4180,
 * gzip/zstd by magic bytes, a BOM skipped), the first record naming the
 * columns; config `delimiter` (one character, "\t" for tab) changes the
 * separator. An unquoted empty field is NULL, a quoted one the empty text.
 * Types are inferred per column as the pipelines' typing does
 * (core/types.h: sl_type_infer_text, widened over every value: bool, int,
 * float, decimal, date, timestamp, else text; a column of NULLs is text);
 * `column_types: {col: type}` wins with the warehouse's own type name
 * (letters, digits, spaces, parentheses, commas, underscores only). The
 * column types:
 *             bool     int      float             decimal       date       timestamp       text
 *   SQLite    BOOLEAN  INTEGER  REAL              DECIMAL TEXT  DATE TEXT  TIMESTAMP TEXT  TEXT
 *   Postgres  boolean  bigint   double precision  numeric       date       timestamp       text
 * (the SQLite names are the sqlite sink's: TEXT affinity keeps decimals'
 * digits and dates as written; booleans are stored 1/0; PostgreSQL gets
 * timestamps in UTC, an offset applied.)
 * Loading: BEGIN; pre_hook; CREATE TABLE "<name>__sluice_tmp" (...); the
 * rows (sl_adapter_insert); DROP the old relation; RENAME; post_hook;
 * COMMIT: readers see the old seed or the new one. (SQLite: the old one is
 * dropped and the new one made under its name in the transaction, which
 * readers cannot tell apart and which spares the RENAME: see
 * sl_mat_direct.) A record with a
 * different number of fields, an unterminated quote or text after a
 * closing quote fails the seed with "<file>:<line>: ...".
 */
#include "config/project.h"
#include "core/mem.h"
#include "core/sqlident.h"
#include "core/types.h"
#include "formats/csv.h"
#include "formats/input.h"
#include "models/materialize_impl.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef struct seed_data {
    char **names;
    size_t ncols;
    char **cells; /* row-major, NULL for NULL */
    size_t nrows, cap;
} seed_data;

static void seed_data_release(seed_data *d)
{
    for (size_t i = 0; i < d->ncols; i++)
        sl_free(d->names[i]);
    for (size_t i = 0; i < d->nrows * d->ncols; i++)
        sl_free(d->cells[i]);
    sl_free(d->names);
    sl_free(d->cells);
}

static int read_csv(const char *path, const char *shown, char delim, seed_data *d, sl_error *err)
{
    sl_input *in = sl_input_open(path, err);
    if (!in)
        return -1;
    sl_csv_config cfg = {delim, '"', 0, 0};
    sl_csv_reader r;
    sl_csv_init(&r, in, &cfg, 0, 1);
    int rc = 0, got;
    while ((got = sl_csv_next(&r, err)) == 1) {
        if (r.bad[0]) {
            rc = sl_error_set(err, SL_EDATA, "%s:%lld: %s", shown, (long long)r.rec_line, r.bad);
            break;
        }
        if (!d->names) {
            d->ncols = r.nfields;
            d->names = sl_calloc(d->ncols + 1, sizeof *d->names);
            for (size_t i = 0; i < r.nfields; i++) {
                d->names[i] = sl_strndup(r.fields[i].p, r.fields[i].n);
                if (!*d->names[i]) {
                    rc = sl_error_set(err, SL_EDATA, "%s:%lld: column %zu of the header has no name", shown,
                                      (long long)r.rec_line, i + 1);
                    break;
                }
                for (size_t k = 0; k < i; k++)
                    if (strcasecmp(d->names[k], d->names[i]) == 0) {
                        rc = sl_error_set(err, SL_EDATA, "%s:%lld: column '%s' appears twice in the header", shown,
                                          (long long)r.rec_line, d->names[i]);
                        break;
                    }
                if (rc < 0)
                    break;
            }
            if (rc < 0)
                break;
            continue;
        }
        if (r.nfields != d->ncols) {
            rc = sl_error_set(err, SL_EDATA, "%s:%lld: %zu field(s), the header has %zu", shown,
                              (long long)r.rec_line, r.nfields, d->ncols);
            break;
        }
        sl_grow((void **)&d->cells, &d->cap, (d->nrows + 1) * d->ncols, sizeof *d->cells);
        for (size_t i = 0; i < d->ncols; i++) {
            const sl_csv_field *f = &r.fields[i];
            d->cells[d->nrows * d->ncols + i] = f->n == 0 && !f->quoted ? NULL : sl_strndup(f->p, f->n);
        }
        d->nrows++;
    }
    if (got < 0)
        rc = sl_error_prefix(err, "%s", shown);
    if (rc == 0 && !d->names)
        rc = sl_error_set(err, SL_EDATA, "%s: the file is empty (a seed needs a header naming its columns)", shown);
    sl_csv_release(&r);
    sl_input_close(in);
    return rc;
}

static const char *type_sql(int pg, sl_type t)
{
    switch (t) {
    case SL_T_BOOL: return pg ? "boolean" : "BOOLEAN";
    case SL_T_INT: return pg ? "bigint" : "INTEGER";
    case SL_T_FLOAT: return pg ? "double precision" : "REAL";
    case SL_T_DECIMAL: return pg ? "numeric" : "DECIMAL TEXT";
    case SL_T_DATE: return pg ? "date" : "DATE TEXT";
    case SL_T_TIMESTAMP: return pg ? "timestamp" : "TIMESTAMP TEXT";
    default: return pg ? "text" : "TEXT";
    }
}

static int type_name_ok(const char *t)
{
    if (!*t)
        return 0;
    for (; *t; t++)
        if (!((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') || (*t >= '0' && *t <= '9') || strchr(" (),_", *t)))
            return 0;
    return 1;
}

/* Each column's type (SQL text, static or from the config), converting
 * cells where the warehouse needs it (booleans on SQLite, timestamps on
 * PostgreSQL). */
static int column_types(sl_adapter *a, const sl_node *n, const char *shown, seed_data *d, const char **types,
                        sl_error *err)
{
    int pg = sl_adapter_is_pg(a);
    const sl_node_config *c = &n->config;
    for (size_t k = 0; k < c->column_types_names.n; k++) {
        size_t i = 0;
        while (i < d->ncols && strcasecmp(d->names[i], c->column_types_names.v[k]) != 0)
            i++;
        if (i == d->ncols)
            return sl_error_set(err, SL_ECONFIG, "column_types names '%s', which is not a column of %s",
                                c->column_types_names.v[k], shown);
        if (!type_name_ok(c->column_types_types.v[k]))
            return sl_error_set(err, SL_ECONFIG, "column_types: '%s' is not a type name", c->column_types_types.v[k]);
        types[i] = c->column_types_types.v[k];
    }
    for (size_t i = 0; i < d->ncols; i++) {
        if (types[i])
            continue;
        sl_type t = SL_T_NULL;
        for (size_t r = 0; r < d->nrows; r++) {
            const char *v = d->cells[r * d->ncols + i];
            if (v)
                t = sl_type_widen(t, sl_type_infer_text(v, strlen(v)));
        }
        types[i] = type_sql(pg, t);
        for (size_t r = 0; r < d->nrows; r++) {
            char **v = &d->cells[r * d->ncols + i];
            if (!*v)
                continue;
            int64_t iv;
            char buf[64];
            if (t == SL_T_BOOL && !pg && sl_parse_bool(*v, strlen(*v), &iv) == 0) {
                sl_free(*v);
                *v = sl_strdup(iv ? "1" : "0");
            } else if (t == SL_T_TIMESTAMP && pg && sl_parse_timestamp(*v, strlen(*v), &iv) == 0) {
                sl_format_timestamp(buf, iv);
                sl_free(*v);
                *v = sl_strdup(buf);
            }
        }
    }
    return 0;
}

static int load(sl_adapter *a, const sl_node *n, seed_data *d, const char **types, sl_mat_result *res, sl_error *err)
{
    sl_relation r = sl_mat_relation(n);
    char *work = sl_mat_work_name(a, r.identifier, "__sluice_tmp");
    int direct = sl_mat_direct(a, NULL, r);
    sl_relation w = {r.schema, direct ? r.identifier : work};
    sl_buf q;
    sl_buf_init(&q);
    sl_buf_adds(&q, "CREATE TABLE ");
    sl_adapter_relation_sql(a, w, &q);
    sl_buf_adds(&q, " (");
    for (size_t i = 0; i < d->ncols; i++) {
        sl_buf_adds(&q, i ? ", " : "");
        sl_sql_ident(&q, d->names[i]);
        sl_buf_addf(&q, " %s", types[i]);
    }
    sl_buf_addc(&q, ')');
    int rc = -1;
    if (sl_adapter_ensure_schema(a, r.schema, err) < 0 || sl_adapter_begin(a, err) < 0)
        goto out;
    if (sl_mat_hooks(a, &n->config.pre_hook, "pre_hook", err) < 0 || sl_mat_drop(a, w, err) < 0 ||
        sl_adapter_exec(a, q.data, err) < 0 ||
        sl_adapter_insert(a, w, d->ncols, (const char *const *)d->names, d->nrows, (const char *const *)d->cells,
                          err) < 0 ||
        (!direct && sl_mat_swap(a, r, work, err) < 0) || sl_mat_hooks(a, &n->config.post_hook, "post_hook", err) < 0 ||
        sl_adapter_commit(a, err) < 0)
        goto out;
    res->rows_affected = (int64_t)d->nrows;
    snprintf(res->message, sizeof res->message, "INSERT %zu", d->nrows);
    rc = 0;
out:
    if (rc < 0)
        sl_adapter_rollback(a);
    sl_buf_release(&q);
    sl_free(work);
    return rc;
}

int sl_materialize_seed(sl_adapter *a, const sl_project *p, const sl_node *n, sl_mat_result *res, sl_error *err)
{
    res->rows_affected = -1;
    res->message[0] = 0;
    const char *dl = n->config.delimiter;
    char delim = ',';
    if (dl && strcmp(dl, "\\t") == 0)
        delim = '\t';
    else if (dl && strlen(dl) == 1)
        delim = dl[0];
    else if (dl && *dl)
        return sl_error_set(err, SL_ECONFIG, "seed %s: delimiter '%s' must be one character (\\t for tab)", n->name,
                            dl);
    char *path = sl_project_path(p, n->file);
    seed_data d;
    memset(&d, 0, sizeof d);
    const char **types = NULL;
    int rc = read_csv(path, n->file, delim, &d, err);
    if (rc == 0) {
        types = sl_calloc(d.ncols + 1, sizeof *types);
        rc = column_types(a, n, n->file, &d, types, err);
    }
    if (rc == 0)
        rc = load(a, n, &d, types, res, err);
    if (rc < 0)
        sl_error_prefix(err, "seed %s", n->name);
    sl_free(types);
    seed_data_release(&d);
    sl_free(path);
    return rc;
}
