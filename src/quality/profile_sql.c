/*
 * profile_sql.c: the profile of a warehouse relation (a model, seed,
 * snapshot or any table: quality/profile.h, sl_profile_relation) asked of
 * the warehouse itself, SQLite or PostgreSQL, in one aggregate query over
 * the relation's columns (in groups of 100 columns: PostgreSQL returns at
 * most 1664 values per row).
 *
 * Per column, by the kind of its declared type (sl_adapter_columns):
 *   every column   count(col), count(DISTINCT col) (exact)
 *   numbers        min, max, avg, and the sample standard deviation
 *                  (PostgreSQL stddev_samp; SQLite has none: it is
 *                  computed from total(x) and total(x * x), as doubles, so
 *                  that integer sums cannot overflow), decimals and
 *                  booleans as doubles
 *   text           min/max length in characters, min/max text (cut to 63
 *                  bytes at a character boundary)
 *   dates, times   min/max as ISO text
 * The format share is not measured here (no inferred format: checks with
 * `format:` do that).
 */
#include "core/mem.h"
#include "core/sqlident.h"
#include "models/adapter.h"
#include "quality/profile.h"
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GROUP 100   /* columns per query */
#define SLOTS 11    /* values per column */

typedef enum { K_TEXT, K_INT, K_FLOAT, K_DECIMAL, K_BOOL, K_DATE, K_TIMESTAMP, K_JSON } kind;

static const char *const kind_names[] = {"text", "int", "float", "decimal", "bool", "date", "timestamp", "json"};

static int has(const char *up, const char *word)
{
    return strstr(up, word) != NULL;
}

/* The kind of a declared type (SQLite's sinks write e.g. "DATE TEXT";
 * PostgreSQL's information_schema "timestamp without time zone"). */
static kind classify(const char *decl)
{
    char up[64];
    size_t i = 0;
    for (; decl && decl[i] && i < sizeof up - 1; i++)
        up[i] = (char)toupper((unsigned char)decl[i]);
    up[i] = 0;
    if (has(up, "JSON"))
        return K_JSON;
    if (has(up, "TIMESTAMP") || has(up, "DATETIME"))
        return K_TIMESTAMP;
    if (strncmp(up, "DATE", 4) == 0)
        return K_DATE;
    if (has(up, "BOOL"))
        return K_BOOL;
    if (has(up, "INTERVAL") || has(up, "POINT"))
        return K_TEXT;
    if (has(up, "INT"))
        return K_INT;
    if (has(up, "REAL") || has(up, "FLOA") || has(up, "DOUB"))
        return K_FLOAT;
    if (has(up, "NUMERIC") || has(up, "DECIMAL"))
        return K_DECIMAL;
    return K_TEXT;
}

static int is_number(kind k)
{
    return k == K_INT || k == K_FLOAT || k == K_DECIMAL || k == K_BOOL;
}

/* Append the SLOTS select expressions of column `name`. */
static void column_sql(sl_buf *q, const char *name, kind k, int pg)
{
    sl_buf id;
    sl_buf_init(&id);
    sl_sql_ident(&id, name);
    const char *c = id.data;
    /* the column as a double (numbers) and as text (text, json) */
    char *num = NULL, *txt = NULL;
    if (is_number(k))
        num = pg ? (k == K_BOOL ? sl_printf("CAST(CAST(%s AS INTEGER) AS DOUBLE PRECISION)", c)
                                : sl_printf("CAST(%s AS DOUBLE PRECISION)", c))
                 : sl_printf("CAST(%s AS REAL)", c);
    if (k == K_TEXT || k == K_JSON)
        txt = pg ? sl_printf("CAST(%s AS TEXT)", c) : sl_strdup(c);
    const char *distinct_of = pg && txt ? txt : c; /* json, xml, point... have no equality: as text */
    sl_buf_addf(q, ", count(%s), count(DISTINCT %s)", c, distinct_of);
    if (num) {
        sl_buf_addf(q, ", min(%s), max(%s), avg(%s)", num, num, num);
        if (pg)
            sl_buf_addf(q, ", stddev_samp(%s), NULL", num);
        else
            sl_buf_addf(q, ", total(%s * %s), total(%s)", num, num, num);
    } else
        sl_buf_adds(q, ", NULL, NULL, NULL, NULL, NULL");
    if (txt && k == K_TEXT)
        sl_buf_addf(q, ", min(length(%s)), max(length(%s)), min(%s), max(%s)", txt, txt, txt, txt);
    else if (txt)
        sl_buf_addf(q, ", min(length(%s)), max(length(%s)), NULL, NULL", txt, txt);
    else if (k == K_DATE || k == K_TIMESTAMP)
        sl_buf_addf(q, pg ? ", NULL, NULL, CAST(min(%s) AS TEXT), CAST(max(%s) AS TEXT)" : ", NULL, NULL, min(%s), max(%s)",
                    c, c);
    else
        sl_buf_adds(q, ", NULL, NULL, NULL, NULL");
    sl_free(num);
    sl_free(txt);
    sl_buf_release(&id);
}

/* Copy s into out[64], cut to 63 bytes at a character boundary. */
static void cut_text(char out[64], const char *s)
{
    size_t n = strlen(s);
    if (n > 63) {
        n = 63;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, s, n);
    out[n] = 0;
}

typedef struct group_ctx {
    sl_profile *out;
    size_t first, n;
    const kind *kinds;
    int pg, got;
} group_ctx;

static int group_row(void *ctx, size_t ncols, const char *const *names, const char *const *v)
{
    (void)names;
    group_ctx *g = ctx;
    if (ncols < 1 + g->n * SLOTS)
        return 1;
    g->got = 1;
    int64_t rows = v[0] ? strtoll(v[0], NULL, 10) : 0;
    g->out->rows = rows;
    for (size_t i = 0; i < g->n; i++) {
        sl_column_profile *c = &g->out->cols[g->first + i];
        const char *const *s = v + 1 + i * SLOTS;
        kind k = g->kinds[g->first + i];
        c->rows = rows;
        c->nulls = rows - (s[0] ? strtoll(s[0], NULL, 10) : 0);
        c->distinct = s[1] ? strtoll(s[1], NULL, 10) : 0;
        if (is_number(k) && s[2] && s[3] && s[4]) {
            int64_t n = rows - c->nulls;
            c->has_num = 1;
            c->min = strtod(s[2], NULL);
            c->max = strtod(s[3], NULL);
            c->mean = strtod(s[4], NULL);
            if (g->pg)
                c->stddev = s[5] ? strtod(s[5], NULL) : 0;
            else if (n > 1 && s[5] && s[6]) {
                double sumsq = strtod(s[5], NULL), sum = strtod(s[6], NULL);
                double var = (sumsq - sum * sum / (double)n) / (double)(n - 1);
                c->stddev = var > 0 ? sqrt(var) : 0;
            }
        }
        if (s[7] && s[8]) {
            c->has_len = 1;
            c->min_len = strtoll(s[7], NULL, 10);
            c->max_len = strtoll(s[8], NULL, 10);
        }
        if (s[9])
            cut_text(c->min_text, s[9]);
        if (s[10])
            cut_text(c->max_text, s[10]);
        if (k == K_TIMESTAMP && g->pg) { /* PostgreSQL writes "2024-01-31 10:00:00": ISO has a T */
            if (c->min_text[10] == ' ')
                c->min_text[10] = 'T';
            if (c->max_text[10] == ' ')
                c->max_text[10] = 'T';
        }
    }
    return 0;
}

int sl_profile_relation(struct sl_adapter *a, const char *schema, const char *identifier, sl_profile *out,
                        sl_error *err)
{
    memset(out, 0, sizeof *out);
    sl_relation r = {schema, identifier};
    sl_adapter_column *cols = NULL;
    size_t n = 0;
    if (sl_adapter_columns(a, r, &cols, &n, err) < 0)
        return -1;
    int pg = sl_adapter_is_pg(a);
    kind *kinds = sl_calloc(n ? n : 1, sizeof *kinds);
    out->ncols = n;
    out->cols = n ? sl_calloc(n, sizeof *out->cols) : NULL;
    for (size_t i = 0; i < n; i++) {
        kinds[i] = classify(cols[i].type);
        snprintf(out->cols[i].name, sizeof out->cols[i].name, "%s", cols[i].name);
        snprintf(out->cols[i].type, sizeof out->cols[i].type, "%s", kind_names[kinds[i]]);
        out->cols[i].distinct = -1;
    }
    sl_buf rel, q;
    sl_buf_init(&rel);
    sl_buf_init(&q);
    sl_adapter_relation_sql(a, r, &rel);
    int rc = 0;
    for (size_t first = 0; rc == 0 && (first < n || first == 0); first += GROUP) {
        size_t m = n - first < GROUP ? n - first : GROUP;
        sl_buf_reset(&q);
        sl_buf_adds(&q, "SELECT count(*)");
        for (size_t i = 0; i < m; i++)
            column_sql(&q, cols[first + i].name, kinds[first + i], pg);
        sl_buf_addf(&q, " FROM %s", rel.data);
        group_ctx g = {out, first, m, kinds, pg, 0};
        rc = sl_adapter_query(a, q.data, 1, group_row, &g, err);
        if (rc == 0 && !g.got) {
            sl_error_set(err, SL_EINTERNAL, "profile of %s: the warehouse returned no row", rel.data);
            rc = -1;
        }
        if (n == 0)
            break;
    }
    sl_buf_release(&rel);
    sl_buf_release(&q);
    sl_free(kinds);
    sl_adapter_columns_free(cols, n);
    if (rc < 0)
        sl_profile_release(out);
    return rc;
}
