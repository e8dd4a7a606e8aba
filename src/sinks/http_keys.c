/*
 * http_keys.c: the http sink's memory of each key (http_sink.h): the sync
 * records the state store keeps for the sink (sl_state_sync_load), in an
 * open-addressing map, and the records of the batch being sent, pending
 * until they commit with its position (one transaction per batch).
 */
#include "core/mem.h"
#include "sinks/http_sink.h"
#include <string.h>
#include <xxhash.h>

hsink_entry *sl_hsink_lookup(hsink_state *st, const char *key, int add)
{
    if (add && (st->n + 1) * 2 > st->cap) {
        size_t ncap = st->cap ? st->cap * 2 : 1024;
        hsink_entry *nt = sl_calloc(ncap, sizeof *nt);
        for (size_t i = 0; i < st->cap; i++) {
            if (!st->tab[i].key)
                continue;
            size_t h = XXH3_64bits(st->tab[i].key, strlen(st->tab[i].key)) & (ncap - 1);
            while (nt[h].key)
                h = (h + 1) & (ncap - 1);
            nt[h] = st->tab[i];
        }
        sl_free(st->tab);
        st->tab = nt;
        st->cap = ncap;
    }
    if (!st->cap)
        return NULL;
    size_t h = XXH3_64bits(key, strlen(key)) & (st->cap - 1);
    while (st->tab[h].key) {
        if (strcmp(st->tab[h].key, key) == 0)
            return &st->tab[h];
        h = (h + 1) & (st->cap - 1);
    }
    if (!add)
        return NULL;
    st->tab[h].key = sl_strdup(key);
    st->n++;
    return &st->tab[h];
}

void sl_hsink_set_str(char **dst, const char *v)
{
    sl_free(*dst);
    *dst = v ? sl_strdup(v) : NULL;
}

void sl_hsink_load_record(void *ctx, const sl_sync_record *r)
{
    hsink_state *st = ctx;
    hsink_entry *e = sl_hsink_lookup(st, r->key, 1);
    sl_hsink_set_str(&e->hash, r->hash);
    sl_hsink_set_str(&e->dest_id, r->dest_id);
    e->synced = strcmp(r->status, "synced") == 0;
    e->seen_epoch = r->seen_epoch;
}

static const char *keep_str(hsink_state *st, const char *v)
{
    if (!v)
        return NULL;
    SL_GROW(st->pend_strs, st->capstrs, st->nstrs + 1);
    return st->pend_strs[st->nstrs++] = sl_strdup(v);
}

void sl_hsink_pend(hsink_state *st, const char *key, const char *hash, const char *dest_id, const char *status)
{
    SL_GROW(st->pend, st->cappend, st->npend + 1);
    sl_sync_record *r = &st->pend[st->npend++];
    r->key = keep_str(st, key);
    r->hash = keep_str(st, hash);
    r->dest_id = keep_str(st, dest_id);
    r->status = status;
    r->seen_epoch = st->run->epoch;
}

void sl_hsink_pend_clear(hsink_state *st)
{
    for (size_t i = 0; i < st->nstrs; i++)
        sl_free(st->pend_strs[i]);
    st->nstrs = st->npend = 0;
}
