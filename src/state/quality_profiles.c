/*
 * quality_profiles.c: column profiles in the state store
 * (state/quality_store.h): one row of the `profiles` table per column and
 * run, written in one transaction per profile, read back as JSON (for
 * `sluice profile` and the API) or as an sl_profile (the latest run of a
 * node, for monitors).
 *
 * Nodes are matched by unique id (pipeline.P.N, model.P.N...) or by the
 * name after the id's last dot. A profile row has 19 values, more than
 * sl_state_sql's parameter list holds, so rows are written through the
 * backend's run() with an array; text taken from data (min/max text) is
 * stored as valid UTF-8 (other bytes as \xE9), as everything shown.
 */
#include "core/mem.h"
#include "core/redact.h"
#include "core/util.h"
#include "state/quality_store.h"
#include "state/state_int.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NODE_MATCH(n)                                                                                              \
    "(node = CAST($" n " AS TEXT) OR (length(node) > length(CAST($" n " AS TEXT)) AND"                           \
    " substr(node, length(node) - length(CAST($" n " AS TEXT))) = '.' || CAST($" n " AS TEXT)))"

#define PROFILE_COLUMNS                                                                                            \
    "p.run_id, p.node, p.column_name, p.type, p.row_count, p.null_count, p.distinct_count, p.min_value,"         \
    " p.max_value, p.mean, p.stddev, p.min_length, p.max_length, p.min_text, p.max_text, p.format,"              \
    " p.format_fail_rate, p.profiled_at"

static const char insert_sql[] =
    "INSERT INTO profiles (run_id, node, column_name, type, row_count, null_count, distinct_count, min_value,"
    " max_value, mean, stddev, min_length, max_length, min_text, max_text, format, format_fail_rate, profiled_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)";

/* A number as a parameter: text, or NULL (not finite, or absent). */
static const char *num(char buf[32], int present, double v)
{
    if (!present || !isfinite(v))
        return NULL;
    snprintf(buf, 32, "%.17g", v);
    return buf;
}

static const char *inum(char buf[32], int present, int64_t v)
{
    if (!present)
        return NULL;
    snprintf(buf, 32, "%lld", (long long)v);
    return buf;
}

/* Text to store: valid UTF-8 (other bytes as \xE9), without any secret
 * (a value that happens to hold a registered secret is redacted, as
 * every text the state store keeps). */
static const char *shown(sl_buf *b, const char *s)
{
    size_t n = strlen(s);
    if (sl_utf8_valid_prefix(s, n) == n && !sl_redact_count())
        return s;
    sl_buf_reset(b);
    if (sl_utf8_valid_prefix(s, n) == n)
        sl_buf_adds(b, s);
    else
        sl_buf_add_utf8_shown(b, s, n);
    if (sl_redact_count()) {
        b->len = sl_redact_span(b->data, b->len);
        b->data[b->len] = 0;
    }
    return b->data;
}

int sl_state_profile_add(sl_state *s, const char *run_id, const char *node, const sl_profile *p, sl_error *err)
{
    if (!p || p->ncols == 0)
        return 0;
    char now[40];
    sl_time_format_now(now, sizeof now);
    sl_buf bmin, bmax, bname;
    sl_buf_init(&bmin);
    sl_buf_init(&bmax);
    sl_buf_init(&bname);
    pthread_mutex_lock(&s->lock);
    int rc = sl_state_sql(s, err, NULL, NULL, s->ops->begin_sql, NULL);
    for (size_t i = 0; rc == 0 && i < p->ncols; i++) {
        const sl_column_profile *c = &p->cols[i];
        char b[12][32];
        const char *v[18] = {
            run_id,
            node,
            shown(&bname, c->name),
            c->type[0] ? c->type : NULL,
            inum(b[0], 1, c->rows),
            inum(b[1], 1, c->nulls),
            inum(b[2], c->distinct >= 0, c->distinct),
            num(b[3], c->has_num, c->min),
            num(b[4], c->has_num, c->max),
            num(b[5], c->has_num, c->mean),
            num(b[6], c->has_num, c->stddev),
            inum(b[7], c->has_len, c->min_len),
            inum(b[8], c->has_len, c->max_len),
            c->min_text[0] ? shown(&bmin, c->min_text) : NULL,
            c->max_text[0] ? shown(&bmax, c->max_text) : NULL,
            c->format[0] ? c->format : NULL,
            num(b[9], c->format[0] != 0, c->format_fail_rate),
            now,
        };
        rc = s->ops->run(s->conn, insert_sql, 18, v, 0, NULL, NULL, err);
    }
    if (rc == 0)
        rc = sl_state_sql(s, err, NULL, NULL, "COMMIT", NULL);
    else {
        sl_error ignored;
        sl_state_sql(s, &ignored, NULL, NULL, "ROLLBACK", NULL);
    }
    pthread_mutex_unlock(&s->lock);
    sl_buf_release(&bmin);
    sl_buf_release(&bmax);
    sl_buf_release(&bname);
    return rc;
}

/* The rows of the node's `runs` latest runs (all when runs <= 0), newest
 * run first and columns in their order, to fn. */
static int query(sl_state *s, const char *node, const char *column, int runs, sl_statedb_row_fn fn, void *ctx,
                 sl_error *err)
{
    char limit[32] = "";
    if (runs > 0)
        snprintf(limit, sizeof limit, " LIMIT %d", runs);
    char *sql = sl_printf("SELECT " PROFILE_COLUMNS " FROM profiles p JOIN"
                          " (SELECT run_id, node AS rnode, max(seq) AS lastseq FROM profiles WHERE " NODE_MATCH("1")
                          " GROUP BY run_id, node ORDER BY lastseq DESC%s) r ON r.run_id = p.run_id AND r.rnode = p.node"
                          " WHERE CAST($2 AS TEXT) IS NULL OR p.column_name = $2 ORDER BY r.lastseq DESC, p.seq",
                          limit);
    pthread_mutex_lock(&s->lock);
    int rc = sl_state_sql(s, err, fn, ctx, sql, "ss", node, column);
    pthread_mutex_unlock(&s->lock);
    sl_free(sql);
    return rc;
}

int sl_state_profiles_json(sl_state *s, const char *node, const char *column, int runs, sl_buf *out, sl_error *err)
{
    sl_state_json_ctx j = {out, "run_id:s,node:s,name:s,type:s,rows:n,nulls:n,distinct:n,min:n,max:n,mean:n,"
                                "stddev:n,min_len:n,max_len:n,min_text:s,max_text:s,format:s,format_fail_rate:n,"
                                "profiled_at:s",
                           0};
    sl_buf_addc(out, '[');
    int rc = query(s, node, column, runs, sl_state_json_row, &j, err);
    sl_buf_addc(out, ']');
    return rc;
}

/* A row of query() as a column profile. */
static void row_profile(int n, const char *const *v, sl_column_profile *c)
{
    memset(c, 0, sizeof *c);
    if (n < 18)
        return;
    snprintf(c->name, sizeof c->name, "%s", v[2] ? v[2] : "");
    snprintf(c->type, sizeof c->type, "%s", v[3] ? v[3] : "");
    c->rows = v[4] ? strtoll(v[4], NULL, 10) : 0;
    c->nulls = v[5] ? strtoll(v[5], NULL, 10) : 0;
    c->distinct = v[6] ? strtoll(v[6], NULL, 10) : -1;
    if (v[7] && v[8] && v[9]) {
        c->has_num = 1;
        c->min = strtod(v[7], NULL);
        c->max = strtod(v[8], NULL);
        c->mean = strtod(v[9], NULL);
        c->stddev = v[10] ? strtod(v[10], NULL) : 0;
    }
    if (v[11] && v[12]) {
        c->has_len = 1;
        c->min_len = strtoll(v[11], NULL, 10);
        c->max_len = strtoll(v[12], NULL, 10);
    }
    snprintf(c->min_text, sizeof c->min_text, "%s", v[13] ? v[13] : "");
    snprintf(c->max_text, sizeof c->max_text, "%s", v[14] ? v[14] : "");
    snprintf(c->format, sizeof c->format, "%s", v[15] ? v[15] : "");
    c->format_fail_rate = v[16] ? strtod(v[16], NULL) : 0;
}

typedef struct latest_ctx {
    sl_profile *out;
    size_t cap;
} latest_ctx;

static void latest_row(void *ctx, int n, const char *const *v)
{
    latest_ctx *l = ctx;
    sl_profile *p = l->out;
    if (n < 18)
        return;
    if (p->ncols == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        p->cols = sl_realloc(p->cols, l->cap * sizeof *p->cols);
    }
    sl_column_profile *c = &p->cols[p->ncols++];
    row_profile(n, v, c);
    if (c->rows > p->rows)
        p->rows = c->rows;
}

int sl_state_profile_latest(sl_state *s, const char *node, sl_profile *out, sl_error *err)
{
    memset(out, 0, sizeof *out);
    latest_ctx l = {out, 0};
    int rc = query(s, node, NULL, 1, latest_row, &l, err);
    if (rc < 0)
        sl_profile_release(out);
    return rc;
}

typedef struct each_ctx {
    sl_state_profile_fn fn;
    void *ctx;
} each_ctx;

static void each_row(void *ctx, int n, const char *const *v)
{
    each_ctx *e = ctx;
    sl_column_profile c;
    if (n < 18)
        return;
    row_profile(n, v, &c);
    e->fn(e->ctx, v[0], v[1], v[17], &c);
}

int sl_state_profiles_each(sl_state *s, const char *node, const char *column, int runs, sl_state_profile_fn fn,
                           void *ctx, sl_error *err)
{
    each_ctx e = {fn, ctx};
    return query(s, node, column, runs, each_row, &e, err);
}
