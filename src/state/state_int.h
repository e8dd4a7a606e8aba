/*
 * state_int.h: what the files of src/state share (internal): the store
 * itself, running its SQL, and turning rows into JSON. state.c holds runs,
 * epochs, the DLQ, checkpoints and the scheduler's facts; quality_*.c the
 * data-quality records (state/quality_store.h). Every public function holds
 * s->lock for its whole duration (see state.c).
 */
#ifndef SL_STATE_INT_H
#define SL_STATE_INT_H
#include "state/state.h"
#include "state/statedb.h"
#include <pthread.h>

struct sl_state {
    void *conn;
    const sl_statedb_ops *ops;
    pthread_mutex_t lock;
};

/* Run sql with parameters from fmt, one letter each: 's' text (or NULL),
 * 'i' int64_t, 'd' double, 'u' text shown to people (non-UTF-8 bytes kept
 * as \xE9, secrets redacted), 'b' bytes. Rows (as text) go to fn (may be
 * NULL). The caller holds s->lock. */
int sl_state_sql(sl_state *s, sl_error *err, sl_statedb_row_fn fn, void *ctx, const char *sql, const char *fmt, ...);

/* Rows to a JSON array's objects: spec is "name:k,..." naming each column
 * with k = s (string), n (number), b (0/1 as boolean), j (JSON text kept
 * as it is). Wrap with '[' ... ']' yourself; rows counts the objects. */
typedef struct sl_state_json_ctx {
    sl_buf *out;
    const char *spec;
    int rows;
} sl_state_json_ctx;
void sl_state_json_row(void *ctx, int n, const char *const *vals);

#endif
