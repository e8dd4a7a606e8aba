/* keyed.c: keyed state of stateful transforms in the state store (see
 * keyed.h). Table keyed_state (statedb_sqlite.c, statedb_pg.c). */
#include "state/keyed.h"
#include "core/util.h"
#include "state/state_int.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct load_ctx {
    sl_keyed_fn fn;
    void *ctx;
} load_ctx;

static void load_row(void *ctx, int n, const char *const *vals)
{
    load_ctx *c = ctx;
    if (n >= 3 && vals[0] && vals[1])
        c->fn(c->ctx, vals[0], vals[1], vals[2]);
}

int sl_state_keyed_load(sl_state *s, const char *pipeline, const char *transform, sl_keyed_fn fn, void *ctx,
                        sl_error *err)
{
    load_ctx c = {fn, ctx};
    pthread_mutex_lock(&s->lock);
    int rc = sl_state_sql(s, err, load_row, &c,
                          "SELECT scope, key, value FROM keyed_state WHERE pipeline = $1 AND transform = $2 "
                          "ORDER BY scope, key",
                          "ss", pipeline, transform);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static void max_fn(void *ctx, int n, const char *const *vals)
{
    if (n >= 1 && vals[0])
        *(int64_t *)ctx = strtoll(vals[0], NULL, 10);
}

int sl_state_keyed_put(sl_state *s, const char *pipeline, const char *transform, int replace,
                       const sl_keyed_item *items, size_t n, const sl_keyed_tag *tags, size_t ntags, sl_error *err)
{
    char now[40];
    sl_time_format_now(now, sizeof now);
    pthread_mutex_lock(&s->lock);
    int rc = sl_state_sql(s, err, NULL, NULL, s->ops->begin_sql, NULL);
    if (rc < 0) {
        pthread_mutex_unlock(&s->lock);
        return -1;
    }
    if (replace)
        rc = sl_state_sql(s, err, NULL, NULL, "DELETE FROM keyed_state WHERE pipeline = $1 AND transform = $2", "ss",
                          pipeline, transform);
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (items[i].value)
            rc = sl_state_sql(s, err, NULL, NULL,
                              "INSERT INTO keyed_state (pipeline, transform, scope, key, value, updated_at) "
                              "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (pipeline, transform, scope, key) "
                              "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                              "ssssss", pipeline, transform, items[i].scope, items[i].key, items[i].value, now);
        else
            rc = sl_state_sql(s, err, NULL, NULL,
                              "DELETE FROM keyed_state WHERE pipeline = $1 AND transform = $2 AND scope = $3 AND "
                              "key = $4",
                              "ssss", pipeline, transform, items[i].scope, items[i].key);
    }
    for (size_t i = 0; i < ntags && rc == 0; i++) {
        int64_t old = INT64_MIN;
        if (!replace)
            rc = sl_state_sql(s, err, max_fn, &old,
                              "SELECT value FROM keyed_state WHERE pipeline = $1 AND transform = $2 AND scope = $3 "
                              "AND key = $4",
                              "ssss", pipeline, transform, SL_KEYED_OFFSETS, tags[i].file);
        if (rc < 0 || old >= tags[i].offset)
            continue;
        char v[32];
        snprintf(v, sizeof v, "%" PRId64, tags[i].offset);
        rc = sl_state_sql(s, err, NULL, NULL,
                          "INSERT INTO keyed_state (pipeline, transform, scope, key, value, updated_at) "
                          "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (pipeline, transform, scope, key) "
                          "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                          "ssssss", pipeline, transform, SL_KEYED_OFFSETS, tags[i].file, v, now);
    }
    if (rc == 0)
        rc = sl_state_sql(s, err, NULL, NULL, "COMMIT", NULL);
    if (rc < 0) {
        sl_error ignored;
        sl_state_sql(s, &ignored, NULL, NULL, "ROLLBACK", NULL);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int sl_state_keyed_reset(sl_state *s, const char *pipeline, sl_error *err)
{
    pthread_mutex_lock(&s->lock);
    int rc = sl_state_sql(s, err, NULL, NULL,
                          "DELETE FROM keyed_state WHERE pipeline = $1 OR substr(pipeline, 1, length(CAST($1 AS TEXT)) + 1) "
                          "= CAST($1 AS TEXT) || '@'",
                          "s", pipeline);
    pthread_mutex_unlock(&s->lock);
    return rc;
}
