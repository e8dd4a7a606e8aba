/*
 * quality_monitors.c: monitor points in the state store (state/quality_store.h,
 * table monitor_points on both backends): one row per value of a monitor
 * series with the band it was judged against, read back as a series for
 * the detector and as the latest point of each monitor for `sluice monitors`.
 */
#include "core/mem.h"
#include "core/types.h"
#include "state/quality_store.h"
#include "state/state_int.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sl_state_monitor_point_add(sl_state *s, const sl_monitor_point *p, sl_error *err)
{
    /* a non-finite number is kept as NULL (JSON has no NaN) */
    char v[4][32];
    const double d[4] = {p->value, p->expected, p->lower, p->upper};
    for (int i = 0; i < 4; i++) {
        if (!isfinite(d[i]) || (i && !p->has_band))
            v[i][0] = 0;
        else
            snprintf(v[i], sizeof v[i], "%.17g", d[i]);
    }
    pthread_mutex_lock(&s->lock);
    int rc = sl_state_sql(s, err, NULL, NULL,
                          "INSERT INTO monitor_points (monitor, node, metric, column_name, run_id, at, value, expected,"
                          " lower_bound, upper_bound, status) VALUES ($1, $2, $3, $4, $5, $6,"
                          " CAST(NULLIF($7, '') AS DOUBLE PRECISION), CAST(NULLIF($8, '') AS DOUBLE PRECISION),"
                          " CAST(NULLIF($9, '') AS DOUBLE PRECISION), CAST(NULLIF($10, '') AS DOUBLE PRECISION), $11)",
                          "uusus" "isssss", p->monitor, p->node, p->metric, p->column, p->run_id, p->at, v[0], v[1], v[2],
                          v[3], p->status ? p->status : "normal");
    pthread_mutex_unlock(&s->lock);
    return rc;
}

typedef struct series_ctx {
    void (*fn)(void *ctx, const sl_monitor_point *p);
    void *ctx;
} series_ctx;

static double num(const char *v)
{
    return v ? strtod(v, NULL) : NAN;
}

/* columns: monitor, node, metric, column_name, run_id, at, value, expected, lower_bound, upper_bound, status */
static void series_row(void *ctx, int n, const char *const *v)
{
    series_ctx *c = ctx;
    if (n < 11)
        return;
    sl_monitor_point p = {0};
    p.monitor = v[0];
    p.node = v[1];
    p.metric = v[2];
    p.column = v[3];
    p.run_id = v[4];
    p.at = v[5] ? strtoll(v[5], NULL, 10) : 0;
    p.value = num(v[6]);
    p.has_band = v[7] != NULL;
    p.expected = num(v[7]);
    p.lower = num(v[8]);
    p.upper = num(v[9]);
    p.status = v[10];
    c->fn(c->ctx, &p);
}

int sl_state_monitor_series(sl_state *s, const char *monitor, int limit,
                            void (*fn)(void *ctx, const sl_monitor_point *p), void *ctx, sl_error *err)
{
    series_ctx c = {fn, ctx};
    char *sql = sl_printf("SELECT monitor, node, metric, column_name, run_id, at, value, expected, lower_bound,"
                          " upper_bound, status FROM (SELECT * FROM monitor_points WHERE monitor = $1"
                          " ORDER BY seq DESC LIMIT %d) last_points ORDER BY seq",
                          limit > 0 ? limit : 1000000);
    pthread_mutex_lock(&s->lock);
    int rc = sl_state_sql(s, err, series_row, &c, sql, "s", monitor);
    pthread_mutex_unlock(&s->lock);
    sl_free(sql);
    return rc;
}

int sl_state_monitors_json(sl_state *s, const char *node, sl_buf *out, sl_error *err)
{
    sl_state_json_ctx j = {out, "monitor:s,node:s,metric:s,column:s,run_id:s,at:n,value:n,expected:n,lower:n,upper:n,"
                                "status:s,points:n", 0};
    sl_buf_addc(out, '[');
    pthread_mutex_lock(&s->lock);
    int rc = sl_state_sql(s, err, sl_state_json_row, &j,
                          "SELECT m.monitor, m.node, m.metric, m.column_name, m.run_id, m.at, m.value, m.expected,"
                          " m.lower_bound, m.upper_bound, m.status, l.points FROM monitor_points m"
                          " JOIN (SELECT monitor, max(seq) AS seq, count(*) AS points FROM monitor_points"
                          " GROUP BY monitor) l ON m.seq = l.seq"
                          " WHERE CAST($1 AS TEXT) IS NULL OR m.node = $1"
                          " OR (length(m.node) > length($1) AND substr(m.node, length(m.node) - length($1)) = '.' || $1)"
                          " ORDER BY m.node, m.metric, m.column_name",
                          "s", node);
    pthread_mutex_unlock(&s->lock);
    sl_buf_addc(out, ']');
    return rc;
}

typedef struct pair_ctx {
    void (*fn)(void *ctx, const char *a, const char *b);
    void *ctx;
} pair_ctx;

static void pair_row(void *ctx, int n, const char *const *v)
{
    pair_ctx *c = ctx;
    if (n >= 2)
        c->fn(c->ctx, v[0], v[1]);
}

int sl_state_run_schema_changes(sl_state *s, const char *run_id,
                                void (*fn)(void *ctx, const char *column, const char *change), void *ctx,
                                sl_error *err)
{
    pair_ctx c = {fn, ctx};
    pthread_mutex_lock(&s->lock);
    int rc = sl_state_sql(s, err, pair_row, &c,
                          "SELECT column_name, change FROM schema_changes WHERE run_id = $1 ORDER BY id", "s", run_id);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int sl_state_profile_columns_before(sl_state *s, const char *node, const char *run_id,
                                    void (*fn)(void *ctx, const char *column, const char *type), void *ctx,
                                    sl_error *err)
{
    pair_ctx c = {fn, ctx};
    pthread_mutex_lock(&s->lock);
    int rc = sl_state_sql(s, err, pair_row, &c,
                          "SELECT column_name, type FROM profiles WHERE node = $1 AND run_id = (SELECT run_id FROM"
                          " profiles WHERE node = $1 AND run_id <> $2 ORDER BY seq DESC LIMIT 1) ORDER BY seq",
                          "ss", node, run_id);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* columns: column_name, type, row_count, null_count */
static void profile_row(void *ctx, int n, const char *const *v)
{
    sl_profile *p = ctx;
    if (n < 4)
        return;
    p->cols = sl_realloc(p->cols, (p->ncols + 1) * sizeof *p->cols);
    sl_column_profile *c = &p->cols[p->ncols++];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", v[0] ? v[0] : "");
    snprintf(c->type, sizeof c->type, "%s", v[1] ? v[1] : "");
    c->rows = v[2] ? strtoll(v[2], NULL, 10) : 0;
    c->nulls = v[3] ? strtoll(v[3], NULL, 10) : 0;
    c->distinct = -1;
    if (c->rows > p->rows)
        p->rows = c->rows;
}

int sl_state_profile_of_run(sl_state *s, const char *node, const char *run_id, sl_profile *out, sl_error *err)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&s->lock);
    int rc = sl_state_sql(s, err, profile_row, out,
                          "SELECT column_name, type, row_count, null_count FROM profiles WHERE node = $1 AND run_id = $2"
                          " ORDER BY seq", "ss", node, run_id);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

typedef struct last_ctx {
    void (*fn)(void *ctx, const char *node, int64_t at);
    void *ctx;
} last_ctx;

static void last_row(void *ctx, int n, const char *const *v)
{
    last_ctx *c = ctx;
    int64_t us;
    if (n < 3 || !v[0] || !v[1] || sl_parse_timestamp(v[1], strlen(v[1]), &us) != 0)
        return;
    c->fn(c->ctx, v[0], us / 1000000 + (v[2] ? (int64_t)strtod(v[2], NULL) : 0));
}

int sl_state_node_last_success_each(sl_state *s, void (*fn)(void *ctx, const char *node, int64_t at), void *ctx,
                                    sl_error *err)
{
    last_ctx c = {fn, ctx};
    pthread_mutex_lock(&s->lock);
    int rc = sl_state_sql(s, err, last_row, &c,
                          "SELECT n.unique_id, n.started_at, n.duration_s FROM node_results n JOIN (SELECT unique_id,"
                          " max(seq) AS seq FROM node_results WHERE status = 'success' AND resource_type IN"
                          " ('model', 'seed', 'snapshot') GROUP BY unique_id) l ON n.seq = l.seq ORDER BY n.unique_id",
                          NULL);
    pthread_mutex_unlock(&s->lock);
    return rc;
}
