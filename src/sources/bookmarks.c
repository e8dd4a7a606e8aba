/* bookmarks.c: see bookmarks.h. */
#include "sources/bookmarks.h"
#include "config/project.h"
#include "core/log.h"
#include "core/mem.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

void sl_bookmarks_init(sl_bookmarks *b, sl_run *run, const char *source_id)
{
    b->run = run;
    b->source_id = source_id;
    b->wal_name = sl_printf("source:%s", source_id);
    b->saved_name = sl_printf("source:%s:saved", source_id);
    b->inputs_name = sl_printf("source:%s:inputs", source_id);
    b->fp[0] = b->pos_fp[0] = 0;
}

void sl_bookmarks_release(sl_bookmarks *b)
{
    sl_free(b->wal_name);
    sl_free(b->saved_name);
    sl_free(b->inputs_name);
    b->wal_name = b->saved_name = b->inputs_name = NULL;
}

int sl_bookmarks_fresh(sl_bookmarks *b, sl_error *err)
{
    return sl_state_checkpoint_delete(b->run->state, b->run->pipeline->name, b->wal_name, err);
}

int sl_bookmarks_wal_put(sl_bookmarks *b, int64_t ordinal, const char *value, sl_error *err)
{
    char k[24];
    snprintf(k, sizeof k, "%lld", (long long)ordinal);
    return sl_state_checkpoint_put(b->run->state, b->run->pipeline->name, b->wal_name, b->run->epoch, k, value, err);
}

typedef struct lookup {
    const char *want;
    char *value;
} lookup;

static void lookup_fn(void *ctx, const char *key, const char *value)
{
    lookup *l = ctx;
    if (strcmp(key, l->want) == 0 && !l->value)
        l->value = sl_strdup(value ? value : "");
}

static int get(sl_bookmarks *b, const char *sink, int64_t epoch, const char *key, char **out, sl_error *err)
{
    lookup l = {key, NULL};
    if (sl_state_checkpoint_each(b->run->state, b->run->pipeline->name, sink, epoch, lookup_fn, &l, err) < 0)
        return -1;
    *out = l.value;
    return 0;
}

int sl_bookmarks_wal_get(sl_bookmarks *b, int64_t ordinal, char **out, sl_error *err)
{
    char k[24];
    snprintf(k, sizeof k, "%lld", (long long)ordinal);
    return get(b, b->wal_name, b->run->epoch, k, out, err);
}

/* ---- saved bookmarks, tied to a fingerprint ------------------------------
 * The value stays as it is; "<key>.fingerprint" says what it was taken on,
 * written after the value: a crash between the two leaves a new value with
 * an old fingerprint, which at worst reads everything again, never applies
 * a bookmark to another query. */

int sl_bookmarks_saved_put(sl_bookmarks *b, const char *key, const char *value, sl_error *err)
{
    const char *pl = b->run->pipeline->name;
    if (sl_state_checkpoint_put(b->run->state, pl, b->saved_name, 0, key, value, err) < 0)
        return -1;
    if (!b->fp[0])
        return 0;
    char *fk = sl_printf("%s.fingerprint", key);
    int rc = sl_state_checkpoint_put(b->run->state, pl, b->saved_name, 0, fk, b->fp, err);
    sl_free(fk);
    return rc;
}

int sl_bookmarks_saved_get(sl_bookmarks *b, const char *key, char **out, sl_error *err)
{
    if (get(b, b->saved_name, 0, key, out, err) < 0)
        return -1;
    if (!*out || !b->fp[0])
        return 0;
    char *fk = sl_printf("%s.fingerprint", key), *fp = NULL;
    int rc = get(b, b->saved_name, 0, fk, &fp, err);
    sl_free(fk);
    if (rc < 0) {
        sl_free(*out);
        *out = NULL;
        return -1;
    }
    /* no fingerprint: saved before they existed, used as it is */
    if (fp && strcmp(fp, b->fp) != 0) {
        sl_log_warn("%s: source %s: the saved %s was taken with another table, query, cursor or request "
                    "(the configuration changed): not using it, reading from the start",
                    b->run->pipeline->name, b->source_id, key);
        sl_free(*out);
        *out = NULL;
    }
    sl_free(fp);
    return 0;
}

/* ---- input identities ---------------------------------------------------- */

void sl_bookmarks_tie(sl_bookmarks *b, const char *what, const char *how)
{
    uint64_t h = XXH3_64bits(what, strlen(what));
    snprintf(b->fp, sizeof b->fp, "%016llx", (unsigned long long)h);
    snprintf(b->pos_fp, sizeof b->pos_fp, "%016llx",
             (unsigned long long)XXH3_64bits_withSeed(how, strlen(how), h));
}

char *sl_bookmarks_key(const char *base, int gen)
{
    return gen ? sl_printf("%s#%d", base, gen) : sl_strdup(base);
}

int sl_bookmarks_inputs_fresh(sl_bookmarks *b, sl_error *err)
{
    return sl_state_checkpoint_delete(b->run->state, b->run->pipeline->name, b->inputs_name, err);
}

int sl_bookmarks_input_put(sl_bookmarks *b, const char *input, const char *value, sl_error *err)
{
    return sl_state_checkpoint_put(b->run->state, b->run->pipeline->name, b->inputs_name, b->run->epoch, input,
                                   value, err);
}

int sl_bookmarks_inputs_each(sl_bookmarks *b, void (*fn)(void *ctx, const char *input, const char *value),
                             void *ctx, sl_error *err)
{
    return sl_state_checkpoint_each(b->run->state, b->run->pipeline->name, b->inputs_name, b->run->epoch, fn, ctx,
                                    err);
}

int sl_bookmarks_input_key(sl_bookmarks *b, const char *base, char **key, sl_error *err)
{
    sl_run *run = b->run;
    *key = NULL;
    if (run->dry_run) { /* nothing is recorded, and no position of epoch 0 exists */
        *key = sl_strdup(base);
        return 0;
    }
    int gen = 0;
    char *rec = NULL;
    if (!run->resumed) {
        if (sl_bookmarks_inputs_fresh(b, err) < 0)
            return -1;
    } else if (get(b, b->inputs_name, run->epoch, base, &rec, err) < 0) {
        return -1;
    }
    char fp[17] = "";
    int write = 1;
    if (rec) {
        if (sscanf(rec, "v1 %d %16s", &gen, fp) != 2 || gen < 0)
            gen = 0, fp[0] = 0;
        if (strcmp(fp, b->pos_fp) == 0) {
            write = 0;
        } else {
            gen++;
            sl_log_warn("%s: source %s: the interrupted run read another table, query, cursor or request (the "
                        "configuration changed): its positions do not apply, reading from the start",
                        run->pipeline->name, b->source_id);
        }
    }
    sl_free(rec);
    if (write) {
        char v[64];
        snprintf(v, sizeof v, "v1 %d %s", gen, b->pos_fp);
        if (sl_bookmarks_input_put(b, base, v, err) < 0)
            return -1;
    }
    *key = sl_bookmarks_key(base, gen);
    return 0;
}
