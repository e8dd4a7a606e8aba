/*
 * hll_int.h: the HyperLogLog's registers and its inline add, for the
 * profiler's per-value loop (quality/profile.c), which adds millions of
 * hashes per run and must not pay a call for each. Private to
 * src/quality; everyone else uses profile.h's sl_hll_* functions.
 */
#ifndef SL_QUALITY_HLL_INT_H
#define SL_QUALITY_HLL_INT_H
#include "quality/profile.h"
#include <stdint.h>

#define SL_HLL_P 12
#define SL_HLL_M (1u << SL_HLL_P)

struct sl_hll {
    uint8_t reg[SL_HLL_M];
    uint64_t *exact;              /* the exact set of small columns (hll.c), NULL once it overflowed */
    int nexact;
    int zero_seen;                /* hash 0 is a value of its own (0 marks an empty slot) */
};

#define SL_HLL_EXACT_SLOTS 512    /* the exact set's table: at most half full */
#define SL_HLL_EXACT_SLOT(hash) ((size_t)((hash) ^ (hash) >> 29) & (SL_HLL_EXACT_SLOTS - 1))

/* Count hash in the exact set (hll.c); frees it when it overflows. */
void sl_hll_exact_add(sl_hll *h, uint64_t hash);

static inline void sl_hll_add_inline(sl_hll *h, uint64_t hash)
{
    uint32_t j = (uint32_t)(hash >> (64 - SL_HLL_P));
    uint64_t rest = hash << SL_HLL_P | (uint64_t)1 << (SL_HLL_P - 1); /* the sentinel caps the rank at 53 */
    uint8_t rank = (uint8_t)(__builtin_clzll(rest) + 1);
    if (rank > h->reg[j])
        h->reg[j] = rank;
    if (h->exact && (h->exact[SL_HLL_EXACT_SLOT(hash)] != hash || hash == 0)) /* not there at its first slot */
        sl_hll_exact_add(h, hash);
}

#endif
