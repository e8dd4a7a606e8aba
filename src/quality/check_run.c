/*
 * check_run.c: sl_check_run, one check on one warehouse relation through
 * the model adapter (SQLite or PostgreSQL, opened or wrapping a sink's
 * connection), plus the pieces pipelines reuse: row_count_change's
 * baseline and the schema comparison.
 *
 *   row-level kinds   count the failing rows, the rows checked, and keep
 *                     up to 10 failing rows as a JSON sample
 *   aggregate kinds   the observed number of the check_sql.c query
 *   required_columns, schema
 *                     the relation's columns (sl_adapter_columns); types
 *                     compare by family (int/integer/bigint/int8 alike,
 *                     text/varchar, real/double/float8/numeric,
 *                     timestamp*, date, boolean, json); a column whose
 *                     declared type is empty (SQLite expressions) matches
 *                     any type
 *   row_count_change  rows now against the previous successful runs (a
 *                     pipeline's rows_loaded in runs) or, for a table or a
 *                     model, the rows of the previous results of this same
 *                     check (check_results.rows_checked, so every result
 *                     stores its rows): the previous one, or the mean of
 *                     the last `runs`. No history: pass, "nothing to
 *                     compare with yet". A baseline of 0 and rows now:
 *                     observed 1 (100 %).
 *   freshness         with column: now - max(column); without: now - the
 *                     last successful load of history_key (runs, then
 *                     node_results). Never loaded / no timestamp: fails.
 */
#include "quality/check_int.h"
#include "core/mem.h"
#include "models/adapter.h"
#include "models/test.h"
#include "state/quality_history.h"
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ---------------------------------------------------------- */

typedef struct row_vals {
    int got;
    size_t n;
    int isnull[6];
    double v[6];
    char text[6][128];
} row_vals;

static int first_row(void *ctx, size_t ncols, const char *const *names, const char *const *cells)
{
    (void)names;
    row_vals *r = ctx;
    r->got = 1;
    r->n = ncols < 6 ? ncols : 6;
    for (size_t i = 0; i < r->n; i++) {
        r->isnull[i] = cells[i] == NULL;
        r->v[i] = cells[i] ? strtod(cells[i], NULL) : NAN;
        snprintf(r->text[i], sizeof r->text[i], "%s", cells[i] ? cells[i] : "");
    }
    return 1;
}

static int query_row(sl_adapter *a, const char *sql, row_vals *out, sl_error *err)
{
    memset(out, 0, sizeof *out);
    if (sl_adapter_query(a, sql, 1, first_row, out, err) < 0)
        return -1;
    if (!out->got)
        return sl_error_set(err, SL_ESQL, "the query returned no row");
    return 0;
}

static int query_count(sl_adapter *a, const char *sql, int64_t *n, sl_error *err)
{
    row_vals r;
    if (query_row(a, sql, &r, err) < 0)
        return -1;
    *n = r.isnull[0] ? 0 : (int64_t)r.v[0];
    return 0;
}

/* A type's family for loose comparison (lowercase, parameters dropped). */
static void type_family(const char *t, char *out, size_t cap)
{
    char low[128];
    size_t n = 0;
    for (const char *p = t ? t : ""; *p && *p != '(' && n + 1 < sizeof low; p++)
        low[n++] = (char)tolower((unsigned char)*p);
    while (n && low[n - 1] == ' ')
        n--;
    low[n] = 0;
    static const struct { const char *fam, *names; } fams[] = {
        {"integer", "|int|integer|bigint|smallint|tinyint|mediumint|int2|int4|int8|serial|bigserial|smallserial|"},
        {"text", "|text|varchar|character varying|char|character|bpchar|string|clob|name|citext|nvarchar|"},
        {"real", "|real|double|double precision|float|float4|float8|numeric|decimal|number|num|"},
        {"date", "|date|"},
        {"boolean", "|bool|boolean|"},
        {"json", "|json|jsonb|"},
    };
    char key[132];
    snprintf(key, sizeof key, "|%s|", low);
    for (size_t i = 0; i < sizeof fams / sizeof *fams; i++)
        if (strstr(fams[i].names, key)) {
            snprintf(out, cap, "%s", fams[i].fam);
            return;
        }
    if (strncmp(low, "timestamp", 9) == 0 || strcmp(low, "datetime") == 0) {
        snprintf(out, cap, "timestamp");
        return;
    }
    snprintf(out, cap, "%s", low);
}

int sl_check_types_match(const char *expected, const char *actual)
{
    if (!expected || !*expected || !actual || !*actual)
        return 1;
    char a[128], b[128];
    type_family(expected, a, sizeof a);
    type_family(actual, b, sizeof b);
    return strcmp(a, b) == 0;
}

int sl_check_schema_compare(const sl_check *c, size_t ncols, const char *const *names, const char *const *types,
                            char *msg, size_t cap)
{
    sl_buf missing, wrong, extra;
    sl_buf_init(&missing);
    sl_buf_init(&wrong);
    sl_buf_init(&extra);
    int bad = 0;
    int schema = c->kind == SL_CHECK_SCHEMA;
    size_t nexp = schema ? c->nschema : c->ncolumns;
    for (size_t i = 0; i < nexp; i++) {
        const char *want = schema ? c->schema_names[i] : c->columns[i];
        const char *wtype = schema ? c->schema_types[i] : NULL;
        size_t j = 0;
        while (j < ncols && strcmp(names[j], want) != 0)
            j++;
        if (j == ncols) {
            sl_buf_addf(&missing, "%s%s", missing.len ? ", " : "", want);
            bad++;
        } else if (!sl_check_types_match(wtype, types ? types[j] : NULL)) {
            sl_buf_addf(&wrong, "%s%s is %s, expected %s", wrong.len ? "; " : "", want, types[j], wtype);
            bad++;
        }
    }
    if (schema && c->exact)
        for (size_t j = 0; j < ncols; j++) {
            size_t i = 0;
            while (i < c->nschema && strcmp(names[j], c->schema_names[i]) != 0)
                i++;
            if (i == c->nschema) {
                sl_buf_addf(&extra, "%s%s", extra.len ? ", " : "", names[j]);
                bad++;
            }
        }
    snprintf(msg, cap, "%s%s%s%s%s%s%s%s", missing.len ? "missing: " : "", missing.len ? missing.data : "",
             missing.len && (wrong.len || extra.len) ? "; " : "", wrong.len ? wrong.data : "",
             wrong.len && extra.len ? "; " : "", extra.len ? "extra: " : "", extra.len ? extra.data : "",
             bad ? "" : "all columns as expected");
    sl_buf_release(&missing);
    sl_buf_release(&wrong);
    sl_buf_release(&extra);
    return bad;
}

double sl_check_change(double rows, double baseline)
{
    if (isnan(baseline))
        return NAN;
    if (baseline == 0)
        return rows == 0 ? 0 : 1;
    return fabs(rows - baseline) / baseline;
}

int sl_check_row_count_baseline(struct sl_state *s, const sl_check *c, const char *node, const char *history_key,
                                double *baseline, sl_error *err)
{
    *baseline = NAN;
    if (!s)
        return 0;
    int want = c->against && strcmp(c->against, "mean") == 0 ? (int)(c->runs > 0 ? c->runs : 7) : 1;
    if (want > 1000)
        want = 1000;
    double *v = sl_calloc((size_t)want, sizeof *v);
    int got = 0;
    int rc = sl_state_rows_history(s, history_key, node, c->name, want, v, &got, err);
    if (rc == 0 && got > 0) {
        double sum = 0;
        for (int i = 0; i < got; i++)
            sum += v[i];
        *baseline = sum / got;
    }
    sl_free(v);
    return rc;
}

/* "schema.table" or "table" of the default schema, quoted into out; checks that it exists. */
static int resolve_other(sl_adapter *a, const char *name, sl_buf *out, sl_error *err)
{
    const char *dot = strchr(name, '.');
    char *schema = dot ? sl_strndup(name, (size_t)(dot - name)) : NULL;
    sl_relation r = {schema, dot ? dot + 1 : name};
    int exists = 0, is_view = 0;
    int rc = sl_adapter_exists(a, r, &exists, &is_view, err);
    if (rc == 0 && !exists) {
        /* a table whose name holds a dot */
        sl_relation whole = {NULL, name};
        if (dot && sl_adapter_exists(a, whole, &exists, &is_view, err) == 0 && exists)
            r = whole;
        else
            rc = sl_error_set(err, SL_ESQL, "table %s does not exist", name);
    }
    if (rc == 0)
        sl_adapter_relation_sql(a, r, out);
    sl_free(schema);
    return rc;
}

/* ---- the run ------------------------------------------------------------------ */

static void set_error(const sl_check *c, const char *node, sl_check_result *r, const char *msg)
{
    char *keep = r->sample_json;
    r->sample_json = NULL;
    sl_check_judge(c, node, 0, -1, -1, r);
    sl_free(keep);
    r->has_observed = 0;
    r->failures = -1;
    r->rows = -1;
    snprintf(r->status, sizeof r->status, "error");
    snprintf(r->message, sizeof r->message, "%s", msg);
}

/* Fail (or warn, by severity) without an observed value: never loaded, no timestamp. */
static void set_unobserved_fail(const sl_check *c, sl_check_result *r, const char *msg)
{
    r->has_observed = 0;
    snprintf(r->status, sizeof r->status, "%s", c->severity == SL_SEVERITY_WARN ? "warn" : "fail");
    snprintf(r->message, sizeof r->message, "%s", msg);
}

static int run_columns(sl_adapter *a, const sl_check *c, const char *node, sl_relation rel, sl_check_result *r,
                       sl_error *err)
{
    sl_adapter_column *cols = NULL;
    size_t n = 0;
    if (sl_adapter_columns(a, rel, &cols, &n, err) < 0)
        return -1;
    const char **names = sl_calloc(n + 1, sizeof *names), **types = sl_calloc(n + 1, sizeof *types);
    for (size_t i = 0; i < n; i++) {
        names[i] = cols[i].name;
        types[i] = cols[i].type;
    }
    char msg[480];
    int bad = sl_check_schema_compare(c, n, names, types, msg, sizeof msg);
    sl_check_judge(c, node, bad, -1, -1, r);
    snprintf(r->message, sizeof r->message, "%s: %s", sl_check_kind_name(c->kind), msg);
    sl_free(names);
    sl_free(types);
    sl_adapter_columns_free(cols, n);
    return 0;
}

/* The declared type of column col of rel, or "" (PostgreSQL freshness reads it). */
static void column_type(sl_adapter *a, sl_relation rel, const char *col, char *out, size_t cap)
{
    sl_adapter_column *cols = NULL;
    size_t n = 0;
    sl_error ignored = {0};
    out[0] = 0;
    if (sl_adapter_columns(a, rel, &cols, &n, &ignored) < 0)
        return;
    for (size_t i = 0; i < n; i++)
        if (strcmp(cols[i].name, col) == 0)
            snprintf(out, cap, "%s", cols[i].type ? cols[i].type : "");
    sl_adapter_columns_free(cols, n);
}

static int run_row_level(sl_adapter *a, const sl_check *c, const char *node, const char *from, const char *failing,
                         sl_check_result *r, sl_error *err)
{
    sl_buf q, pred;
    sl_buf_init(&q);
    sl_buf_init(&pred);
    int64_t failures = 0, rows = -1;
    int rc;
    /* kinds with a row predicate: the failing rows and the rows checked in one scan */
    sl_check nowhere = *c;
    nowhere.where = NULL;
    sl_error ignored = {0};
    if (sl_check_fail_predicate(&nowhere, sl_adapter_is_pg(a) ? SL_SQL_POSTGRES : SL_SQL_SQLITE, &pred, &ignored) ==
        0) {
        row_vals v;
        sl_buf_addf(&q, "SELECT coalesce(sum(CASE WHEN %s THEN 1 ELSE 0 END), 0), count(*) FROM %s", pred.data, from);
        rc = query_row(a, q.data, &v, err);
        if (rc == 0) {
            failures = v.isnull[0] ? 0 : (int64_t)v.v[0];
            rows = v.n > 1 && !v.isnull[1] ? (int64_t)v.v[1] : -1;
        }
    } else {
        sl_buf_addf(&q, "SELECT count(*) FROM (%s) sl_f", failing);
        rc = query_count(a, q.data, &failures, err);
        if (rc == 0) {
            sl_buf_reset(&q);
            sl_buf_addf(&q, "SELECT count(*) FROM %s", from);
            rc = query_count(a, q.data, &rows, err);
        }
    }
    sl_buf_release(&pred);
    if (rc == 0) {
        sl_check_judge(c, node, (double)failures, failures, rows, r);
        if (failures > 0) {
            sl_buf_reset(&q);
            sl_buf_addf(&q, "SELECT * FROM (%s) sl_f LIMIT %d", failing, SL_TEST_SAMPLE_ROWS);
            sl_test_sample_json(a, q.data, SL_TEST_SAMPLE_ROWS, &r->sample_json, &ignored);
        }
    }
    sl_buf_release(&q);
    return rc;
}

static int run_aggregate(sl_adapter *a, const sl_check *c, const char *node, const char *sql, sl_check_result *r,
                         sl_error *err)
{
    row_vals v;
    if (query_row(a, sql, &v, err) < 0)
        return -1;
    if (c->kind == SL_CHECK_FRESHNESS) {
        sl_check_judge(c, node, v.isnull[0] ? 0 : v.v[0], -1, v.n > 1 && !v.isnull[1] ? (int64_t)v.v[1] : -1, r);
        if (v.isnull[0]) {
            char msg[400];
            if (v.n > 2 && !v.isnull[2])
                snprintf(msg, sizeof msg, "freshness: max(%s) = '%s' is not a timestamp", c->columns[0], v.text[2]);
            else
                snprintf(msg, sizeof msg, "freshness: no value in %s", c->columns[0]);
            set_unobserved_fail(c, r, msg);
        }
        return 0;
    }
    double observed = v.isnull[0] ? 0 : v.v[0];
    int64_t rows = v.n > 1 && !v.isnull[1] ? (int64_t)v.v[1] : -1;
    sl_check_judge(c, node, observed, -1, rows, r);
    size_t len = strlen(r->message);
    if ((c->kind == SL_CHECK_ROW_COUNT_MATCH || c->kind == SL_CHECK_EQUAL_AGGREGATES) && v.n > 3)
        snprintf(r->message + len, sizeof r->message - len, " (%s vs %s in %s)", v.text[2], v.text[3], c->compare_to);
    else if ((c->kind == SL_CHECK_NULL_RATE || c->kind == SL_CHECK_DUPLICATE_RATE) && v.n > 2)
        snprintf(r->message + len, sizeof r->message - len, " (%s of %s rows)", v.text[2], v.text[1]);
    return 0;
}

static int check_run(struct sl_adapter *a, const sl_check *c, const sl_check_target *t, sl_check_result *r);

/* On SQLite, a double-quoted name that names no column is read as a string
 * literal (SQLite's "double-quoted string" compatibility): a check naming a
 * column the table lacks would silently judge the text of its name. Checks
 * run with that off, so such a check is an error ("no such column"). */
int sl_check_run(struct sl_adapter *a, const sl_check *c, const sl_check_target *t, sl_check_result *r)
{
    int prev = sl_adapter_strict_names(a, 1);
    int rc = check_run(a, c, t, r);
    sl_adapter_strict_names(a, prev);
    return rc;
}

static int check_run(struct sl_adapter *a, const sl_check *c, const sl_check_target *t, sl_check_result *r)
{
    double t0 = sl_mono_s();
    memset(r, 0, sizeof *r);
    sl_error err = {0};
    const char *node = t->node ? t->node : "";
    sl_sql_dialect d = sl_adapter_is_pg(a) ? SL_SQL_POSTGRES : SL_SQL_SQLITE;
    sl_relation rel = {t->schema, t->identifier};
    sl_buf relq, other, from, q;
    sl_buf_init(&relq);
    sl_buf_init(&other);
    sl_buf_init(&from);
    sl_buf_init(&q);
    sl_check_sql s = {0};
    sl_adapter_relation_sql(a, rel, &relq);
    sl_check_from_sql(c, relq.data, "sl_t", &from);
    int exists = 0, is_view = 0, rc = 0;
    const char *key = t->history_key ? t->history_key : node;
    if (c->kind == SL_CHECK_FRESHNESS && !c->ncolumns) {
        /* the last successful load, from the state store */
        double at = 0;
        sl_check_judge(c, node, 0, -1, -1, r);
        if (!t->state) {
            rc = sl_error_set(&err, SL_ECONFIG, "freshness without column needs the state store (run history)");
        } else if ((rc = sl_state_last_load(t->state, key, &at, &err)) == 0) {
            if (at <= 0) {
                char msg[400];
                snprintf(msg, sizeof msg, "freshness: %s has never loaded successfully", key);
                set_unobserved_fail(c, r, msg);
            } else {
                sl_check_judge(c, node, (double)sl_now_us() / 1e6 - at, -1, -1, r);
            }
        }
        goto done;
    }
    if ((rc = sl_adapter_exists(a, rel, &exists, &is_view, &err)) == 0 && !exists)
        rc = sl_error_set(&err, SL_ESQL, "table %s does not exist", relq.data);
    if (rc < 0)
        goto done;
    const char *oname = c->kind == SL_CHECK_RELATIONSHIPS ? c->to
                        : c->kind == SL_CHECK_ROW_COUNT_MATCH || c->kind == SL_CHECK_EQUAL_AGGREGATES ? c->compare_to
                                                                                                        : NULL;
    if (oname && strcmp(oname, "source") == 0) {
        rc = sl_error_set(&err, SL_ECONFIG, "compare_to: source is only for pipelines");
        goto done;
    }
    if (oname && (rc = resolve_other(a, oname, &other, &err)) < 0)
        goto done;
    switch (c->kind) {
    case SL_CHECK_REQUIRED_COLUMNS:
    case SL_CHECK_SCHEMA:
        rc = run_columns(a, c, node, rel, r, &err);
        goto done;
    case SL_CHECK_ROW_COUNT_CHANGE: {
        int64_t rows = 0;
        double base = NAN;
        sl_buf_addf(&q, "SELECT count(*) FROM %s", from.data);
        if ((rc = query_count(a, q.data, &rows, &err)) < 0 ||
            (rc = sl_check_row_count_baseline(t->state, c, node, t->history_key, &base, &err)) < 0)
            goto done;
        sl_check_judge(c, node, sl_check_change((double)rows, base), -1, rows, r);
        size_t len = strlen(r->message);
        if (!isnan(base))
            snprintf(r->message + len, sizeof r->message - len, " (%lld rows, baseline %.6g)", (long long)rows, base);
        goto done;
    }
    default:
        break;
    }
    char ctype[128] = "";
    if (c->kind == SL_CHECK_FRESHNESS && d == SL_SQL_POSTGRES)
        column_type(a, rel, c->columns[0], ctype, sizeof ctype);
    if ((rc = sl_check_build_sql_typed(c, d, relq.data, other.len ? other.data : NULL, ctype, &s, &err)) < 0)
        goto done;
    if (s.failing_rows)
        rc = run_row_level(a, c, node, from.data, s.failing_rows, r, &err);
    else if (s.observed)
        rc = run_aggregate(a, c, node, s.observed, r, &err);
    else
        rc = sl_error_set(&err, SL_EINTERNAL, "check %s: nothing to run", c->name);
done:
    if (rc < 0) {
        char msg[sizeof err.msg + 64];
        snprintf(msg, sizeof msg, "%s", err.msg);
        set_error(c, node, r, msg);
    }
    r->duration_s = sl_mono_s() - t0;
    sl_check_sql_release(&s);
    sl_buf_release(&relq);
    sl_buf_release(&other);
    sl_buf_release(&from);
    sl_buf_release(&q);
    return strcmp(r->status, "pass") == 0 || strcmp(r->status, "warn") == 0 ? 0 : -1;
}
