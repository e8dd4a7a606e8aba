/* quality_history.c: the run history the checks read (see quality_history.h). */
#include "state/quality_history.h"
#include "core/types.h"
#include "state/state_int.h"
#include <stdlib.h>
#include <string.h>

typedef struct vals_ctx {
    double *v;
    int n, got;
    double last; /* a timestamp's Unix seconds */
} vals_ctx;

static void last_fn(void *ctx, int n, const char *const *vals)
{
    vals_ctx *c = ctx;
    int64_t us;
    if (n >= 1 && vals[0] && sl_parse_timestamp(vals[0], strlen(vals[0]), &us) == 0)
        c->last = (double)us / 1e6 + (n >= 2 && vals[1] ? atof(vals[1]) : 0);
}

static void num_fn(void *ctx, int n, const char *const *vals)
{
    vals_ctx *c = ctx;
    if (n >= 1 && vals[0] && c->got < c->n)
        c->v[c->got++] = atof(vals[0]);
}

int sl_state_last_load(sl_state *s, const char *key, double *at, sl_error *err)
{
    vals_ctx c = {0};
    pthread_mutex_lock(&s->lock);
    int rc = sl_state_sql(s, err, last_fn, &c,
                          "SELECT finished_at FROM runs WHERE pipeline = $1 AND status = 'success' ORDER BY seq DESC "
                          "LIMIT 1",
                          "s", key);
    if (rc == 0 && c.last == 0)
        rc = sl_state_sql(s, err, last_fn, &c,
                          "SELECT started_at, duration_s FROM node_results WHERE unique_id = $1 AND status IN "
                          "('success', 'pass') ORDER BY seq DESC LIMIT 1",
                          "s", key);
    pthread_mutex_unlock(&s->lock);
    *at = c.last;
    return rc;
}

int sl_state_rows_history(sl_state *s, const char *key, const char *node, const char *check, int n, double *vals,
                          int *got, sl_error *err)
{
    vals_ctx c = {vals, n, 0, 0};
    pthread_mutex_lock(&s->lock);
    int rc = 0;
    if (key)
        rc = sl_state_sql(s, err, num_fn, &c,
                          "SELECT rows_loaded FROM runs WHERE pipeline = $1 AND status = 'success' ORDER BY seq DESC "
                          "LIMIT CAST($2 AS INTEGER)",
                          "si", key, (int64_t)n);
    if (rc == 0 && c.got == 0)
        rc = sl_state_sql(s, err, num_fn, &c,
                          "SELECT rows_checked FROM check_results WHERE node = $1 AND check_name = $2 AND rows_checked "
                          "IS NOT NULL AND rows_checked >= 0 AND status <> 'error' ORDER BY seq DESC LIMIT CAST($3 AS INTEGER)",
                          "ssi", node, check, (int64_t)n);
    pthread_mutex_unlock(&s->lock);
    *got = c.got;
    return rc;
}
