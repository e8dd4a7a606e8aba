/* trigger.c: idempotency, positions and backoff of the trigger sinks (see trigger.h). */
#include "sinks/trigger.h"
#include "core/failpoint.h"
#include "core/mem.h"
#include "state/state.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

static size_t slot(const sl_trigger *t, const char *id)
{
    size_t h = (size_t)XXH3_64bits(id, strlen(id)) & (t->cap - 1);
    while (t->sent[h] && strcmp(t->sent[h], id) != 0)
        h = (h + 1) & (t->cap - 1);
    return h;
}

static void add_sent(sl_trigger *t, const char *id)
{
    if ((t->n + 1) * 2 > t->cap) {
        size_t old = t->cap;
        char **v = t->sent;
        t->cap = old ? old * 2 : 256;
        t->sent = sl_calloc(t->cap, sizeof *t->sent);
        for (size_t i = 0; i < old; i++)
            if (v[i])
                t->sent[slot(t, v[i])] = v[i];
        sl_free(v);
    }
    size_t h = slot(t, id);
    if (!t->sent[h]) {
        t->sent[h] = sl_strdup(id);
        t->n++;
    }
}

int sl_trigger_was_sent(const sl_trigger *t, const char *id)
{
    return t->cap && t->sent[slot(t, id)];
}

static void load_fn(void *ctx, const sl_sync_record *r)
{
    if (strcmp(r->status, "synced") == 0)
        add_sent(ctx, r->key);
}

static void parse_pos(void *ctx, const char *key, const char *value)
{
    sl_trigger *t = ctx;
    long long off = 0, line = 0;
    if (value && sscanf(value, "%lld %lld", &off, &line) == 2)
        sl_posmap_put(&t->committed, key, off, line);
}

int sl_trigger_open(sl_trigger *t, sl_instance *in, sl_run *run, const sl_strlist *key, sl_error *err)
{
    t->run = run;
    t->id = in->id;
    t->pipeline = run->pipeline->name;
    t->key = key;
    if (run->dry_run)
        return sl_state_sync_load(run->state, t->pipeline, t->id, load_fn, t, err);
    if (sl_state_checkpoint_each(run->state, t->pipeline, t->id, run->epoch, parse_pos, t, err) < 0 ||
        sl_state_sync_load(run->state, t->pipeline, t->id, load_fn, t, err) < 0)
        return -1;
    return 0;
}

void sl_trigger_close(sl_trigger *t)
{
    for (size_t i = 0; i < t->cap; i++)
        sl_free(t->sent[i]);
    sl_free(t->sent);
    sl_posmap_release(&t->committed);
    memset(t, 0, sizeof *t);
}

static void hash_cell(XXH3_state_t *h, const sl_column *c, size_t r)
{
    char tmp[64];
    const char *p;
    size_t n;
    XXH3_128bits_update(h, c->name, c->namelen + 1); /* with its NUL: names and values never run together */
    if (sl_cell_text(c, r, tmp, &p, &n)) {
        XXH3_128bits_update(h, "v", 1);
        XXH3_128bits_update(h, p, n);
        XXH3_128bits_update(h, "\x1f", 1);
    } else {
        XXH3_128bits_update(h, "n", 1); /* NULL is not the empty text */
    }
}

void sl_trigger_event_id(const sl_trigger *t, const sl_batch *b, size_t r, char out[33])
{
    XXH3_state_t *h = XXH3_createState();
    XXH3_128bits_reset(h);
    XXH3_128bits_update(h, t->pipeline, strlen(t->pipeline) + 1);
    XXH3_128bits_update(h, t->id, strlen(t->id) + 1);
    if (t->key && t->key->n) {
        for (size_t i = 0; i < t->key->n; i++) {
            int k = sl_batch_find(b, t->key->v[i]);
            if (k >= 0) {
                hash_cell(h, &b->cols[k], r);
            } else {
                XXH3_128bits_update(h, t->key->v[i], strlen(t->key->v[i]) + 1);
                XXH3_128bits_update(h, "n", 1);
            }
        }
    } else {
        for (size_t i = 0; i < b->ncols; i++)
            hash_cell(h, &b->cols[i], r);
    }
    XXH128_hash_t v = XXH3_128bits_digest(h);
    XXH3_freeState(h);
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)v.high64, (unsigned long long)v.low64);
}

int sl_trigger_sent(sl_trigger *t, const char *id, sl_error *err)
{
    if (sl_failpoint("sink.after_send"))
        return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.after_send", t->id);
    if (!t->run->dry_run) {
        sl_sync_record rec = {.key = id, .hash = id, .status = "synced", .seen_epoch = t->run->epoch};
        if (sl_state_sync_commit(t->run->state, t->pipeline, t->id, t->run->epoch, &rec, 1, NULL, 0, NULL, NULL,
                                 err) < 0)
            return -1;
    }
    add_sent(t, id);
    return 0;
}

int sl_trigger_position(const sl_trigger *t, const char *key, sl_resume *pos, int *found)
{
    *found = sl_posmap_get(&t->committed, key, pos);
    return 0;
}

int sl_trigger_commit(sl_trigger *t, const sl_batch *b, sl_error *err)
{
    if (sl_failpoint("sink.before_checkpoint"))
        return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.before_checkpoint", t->id);
    char value[64];
    int pos = b->file && !b->no_position;
    if (pos)
        snprintf(value, sizeof value, "%lld %lld", (long long)b->end_offset, (long long)b->end_line);
    if (!t->run->dry_run && pos &&
        sl_state_sync_commit(t->run->state, t->pipeline, t->id, t->run->epoch, NULL, 0, NULL, 0, b->file, value,
                             err) < 0)
        return -1;
    if (pos)
        sl_posmap_put(&t->committed, b->file, b->end_offset, b->end_line);
    if (sl_failpoint("sink.after_commit"))
        return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.after_commit", t->id);
    return 0;
}

double sl_trigger_parse_backoff(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return -1;
    if (strcmp(end, "ms") == 0)
        return v / 1000.0;
    if (strcmp(end, "s") == 0 || *end == 0)
        return v;
    if (strcmp(end, "m") == 0)
        return v * 60.0;
    return -1;
}

int sl_trigger_wait(const sl_trigger *t, int attempt, double retry_after_s)
{
    double cap = t->backoff_s;
    for (int i = 2; i < attempt && cap < 60.0; i++)
        cap *= 2;
    double w = cap * ((double)rand() / RAND_MAX);
    if (w < retry_after_s)
        w = retry_after_s;
    /* in steps of 50 ms, so that a cancelled run stops soon */
    while (w > 0) {
        if (sl_run_cancelled(t->run))
            return -1;
        double step = w < 0.05 ? w : 0.05;
        struct timespec ts = {0, (long)(step * 1e9)};
        nanosleep(&ts, NULL);
        w -= step;
    }
    return sl_run_cancelled(t->run) ? -1 : 0;
}
