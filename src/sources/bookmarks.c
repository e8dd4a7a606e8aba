/* bookmarks.c: see bookmarks.h. */
#include "sources/bookmarks.h"
#include "core/mem.h"
#include <stdio.h>
#include <string.h>

void sl_bookmarks_init(sl_bookmarks *b, sl_run *run, const char *source_id)
{
    b->run = run;
    b->wal_name = sl_printf("source:%s", source_id);
    b->saved_name = sl_printf("source:%s:saved", source_id);
}

void sl_bookmarks_release(sl_bookmarks *b)
{
    sl_free(b->wal_name);
    sl_free(b->saved_name);
    b->wal_name = b->saved_name = NULL;
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

int sl_bookmarks_saved_put(sl_bookmarks *b, const char *key, const char *value, sl_error *err)
{
    return sl_state_checkpoint_put(b->run->state, b->run->pipeline->name, b->saved_name, 0, key, value, err);
}

int sl_bookmarks_saved_get(sl_bookmarks *b, const char *key, char **out, sl_error *err)
{
    return get(b, b->saved_name, 0, key, out, err);
}
