/* sinkkey.c: rows whose key is NULL go to the DLQ. See sinkkey.h. */
#include "sinks/sinkkey.h"
#include "core/mem.h"
#include <stdio.h>
#include <string.h>

int sl_sinkkey_is_null(const sl_batch *b, size_t r, const sl_strlist *key, const char **col)
{
    for (size_t k = 0; k < key->n; k++) {
        int c = sl_batch_find(b, key->v[k]);
        if (c < 0 || !b->cols[c].valid[r]) {
            if (col)
                *col = key->v[k];
            return 1;
        }
    }
    return 0;
}

size_t sl_sinkkey_reject_nulls(sl_batch *b, size_t from, uint8_t *rejected, const sl_strlist *key,
                               const char *stage)
{
    /* the key columns' indexes, found once per batch (-1: not in it) */
    int *kc = sl_malloc((key->n + 1) * sizeof *kc);
    for (size_t k = 0; k < key->n; k++)
        kc[k] = sl_batch_find(b, key->v[k]);
    size_t n = 0;
    for (size_t r = from; r < b->nrows; r++) {
        size_t k = 0;
        while (k < key->n && kc[k] >= 0 && b->cols[kc[k]].valid[r])
            k++;
        if (k == key->n || rejected[r])
            continue;
        char why[300];
        snprintf(why, sizeof why, "key column %s is NULL: a row without a key cannot be matched", key->v[k]);
        rejected[r] = 1;
        sl_batch_reject_row(b, r, stage, why);
        n++;
    }
    sl_free(kc);
    return n;
}

int sl_sinkkey_check_newer(const char *mode, const sl_strlist *key, const char *only_if_newer, sl_loc loc,
                           sl_diags *d)
{
    if (!*only_if_newer)
        return 0;
    if (strcmp(mode, "upsert") != 0) {
        sl_diags_add(d, loc, "only_if_newer needs mode: upsert (it decides which version of a key's row is kept)");
        return 1;
    }
    for (size_t k = 0; k < key->n; k++)
        if (strcmp(key->v[k], only_if_newer) == 0) {
            sl_diags_add(d, loc, "only_if_newer names key column %s: it must be a column that grows with each "
                                 "version of a row (updated_at, version)", only_if_newer);
            return 1;
        }
    return 0;
}
