/* quality_incidents.c: incidents in the state store (quality_store.h), one
 * row per key in `incidents`. Opening, counting and closing are each ONE
 * statement (an upsert, or an update guarded by the status) inside a write
 * transaction: when two processes share the store and report the same key
 * at once, the database orders the two statements and exactly one of them
 * sees the change (opens or closes it), so one alert goes out, not two.
 * SQLite's BEGIN IMMEDIATE takes the write lock first; PostgreSQL's
 * ON CONFLICT DO UPDATE and UPDATE ... WHERE status = 'open' re-read the
 * row after waiting for the other writer's lock. */
#include "core/mem.h"
#include "state/quality_store.h"
#include "state/state_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* SQLite numbers $N parameters in the order they first appear: every
 * statement here uses them in order ($1 first). */
#define RUN sl_state_sql

typedef struct returned {
    int found;
    int64_t v;
} returned;

static void returned_fn(void *ctx, int n, const char *const *vals)
{
    returned *r = ctx;
    r->found++;
    if (n >= 1 && vals[0])
        r->v = strtoll(vals[0], NULL, 10);
}

int sl_state_incident(sl_state *s, const char *key, const char *kind, const char *node, int failing,
                      const char *message, int *changed, sl_error *err)
{
    char now[40];
    sl_time_format_now(now, sizeof now);
    returned r = {0, 0};
    *changed = 0;
    pthread_mutex_lock(&s->lock);
    int rc = RUN(s, err, NULL, NULL, s->ops->begin_sql, NULL);
    if (rc == 0 && failing)
        /* open it, or count one more occurrence of the open one; a closed
         * one opens again as a new incident (occurrences back to 1) */
        rc = RUN(s, err, returned_fn, &r,
                 "INSERT INTO incidents (incident_key, kind, node, status, message, opened_at, updated_at, closed_at,"
                 " occurrences) VALUES ($1, $2, $3, 'open', $4, $5, $5, NULL, 1)"
                 " ON CONFLICT (incident_key) DO UPDATE SET kind = excluded.kind, node = excluded.node,"
                 " occurrences = CASE WHEN incidents.status = 'open' THEN incidents.occurrences + 1 ELSE 1 END,"
                 " opened_at = CASE WHEN incidents.status = 'open' THEN incidents.opened_at ELSE excluded.opened_at END,"
                 " status = 'open', message = excluded.message, updated_at = excluded.updated_at, closed_at = NULL"
                 " RETURNING occurrences",
                 "sssus", key, kind, node, message, now);
    else if (rc == 0)
        rc = RUN(s, err, returned_fn, &r,
                 "UPDATE incidents SET status = 'closed', closed_at = $1, updated_at = $1"
                 " WHERE incident_key = $2 AND status = 'open' RETURNING occurrences",
                 "ss", now, key);
    if (rc == 0)
        rc = RUN(s, err, NULL, NULL, "COMMIT", NULL);
    if (rc < 0) {
        sl_error ignored;
        RUN(s, &ignored, NULL, NULL, "ROLLBACK", NULL);
    }
    pthread_mutex_unlock(&s->lock);
    if (rc == 0)
        *changed = failing ? r.found && r.v == 1 : r.found > 0;
    return rc;
}

#define INCIDENT_COLUMNS "incident_key, kind, node, status, message, opened_at, updated_at, closed_at, occurrences"
#define INCIDENT_SPEC "key:s,kind:s,node:s,status:s,message:s,opened_at:s,updated_at:s,closed_at:s,occurrences:n"

int sl_state_incidents_json(sl_state *s, const char *status, int limit, sl_buf *out, sl_error *err)
{
    sl_buf q;
    sl_buf_init(&q);
    sl_buf_adds(&q, "SELECT " INCIDENT_COLUMNS " FROM incidents WHERE CAST($1 AS TEXT) IS NULL OR status = $1"
                    " ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, updated_at DESC, incident_key");
    if (limit > 0)
        sl_buf_addf(&q, " LIMIT %d", limit);
    sl_state_json_ctx j = {out, INCIDENT_SPEC, 0};
    sl_buf_addc(out, '[');
    pthread_mutex_lock(&s->lock);
    int rc = RUN(s, err, sl_state_json_row, &j, q.data, "s", status);
    pthread_mutex_unlock(&s->lock);
    sl_buf_addc(out, ']');
    sl_buf_release(&q);
    return rc;
}

typedef struct each_ctx {
    void (*fn)(void *ctx, const sl_incident_row *r);
    void *ctx;
} each_ctx;

static void each_fn(void *ctx, int n, const char *const *v)
{
    each_ctx *e = ctx;
    if (n < 9)
        return;
    sl_incident_row r = {v[0] ? v[0] : "", v[1] ? v[1] : "", v[2] ? v[2] : "", v[3] ? v[3] : "",
                         v[4] ? v[4] : "", v[5] ? v[5] : "", v[6] ? v[6] : "", v[7],
                         v[8] ? strtoll(v[8], NULL, 10) : 0};
    e->fn(e->ctx, &r);
}

int sl_state_incidents_each(sl_state *s, const char *kind, const char *status, const char *since,
                            void (*fn)(void *ctx, const sl_incident_row *r), void *ctx, sl_error *err)
{
    each_ctx e = {fn, ctx};
    pthread_mutex_lock(&s->lock);
    int rc = RUN(s, err, each_fn, &e,
                 "SELECT " INCIDENT_COLUMNS " FROM incidents WHERE (CAST($1 AS TEXT) IS NULL OR kind = $1)"
                 " AND (CAST($2 AS TEXT) IS NULL OR status = $2) AND (CAST($3 AS TEXT) IS NULL OR updated_at >= $3)"
                 " ORDER BY node, incident_key",
                 "sss", kind, status, since);
    pthread_mutex_unlock(&s->lock);
    return rc;
}
