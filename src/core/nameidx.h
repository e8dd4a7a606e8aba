/*
 * nameidx.h: a name -> index hash, so that finding a column by its name
 * costs the same with 10 columns as with 100,000.
 *
 * The index does not keep the names: it maps the hash of a name to the
 * index of its entry in the caller's array (a batch's columns, the typing
 * stage's schema, the declared `columns:`), and asks the caller for the
 * name at an index (name_fn) to compare on a hash match. Names are bytes
 * compared exactly (strcmp semantics for NUL-free names). Open addressing,
 * linear probing, at most half full; entries cannot be removed: a caller
 * whose array changes other than by appending clears the index and adds
 * its entries again (sl_nameidx_clear + sl_nameidx_add).
 */
#ifndef SL_NAMEIDX_H
#define SL_NAMEIDX_H
#include <stddef.h>
#include <stdint.h>

typedef struct sl_nameidx_slot {
    uint32_t k1;   /* entry index + 1; 0: empty */
    uint32_t h;    /* the name's hash (low 32 bits): placement and a quick compare */
} sl_nameidx_slot;

typedef struct sl_nameidx {
    sl_nameidx_slot *v;
    size_t nslots;  /* 0 or a power of two, at least twice n */
    size_t n;       /* entries added since the last clear */
} sl_nameidx;

/* The name of entry k of the caller's array (NUL-terminated or with *n). */
typedef const char *(*sl_nameidx_name_fn)(const void *ctx, size_t k, size_t *n);

void sl_nameidx_init(sl_nameidx *x);
void sl_nameidx_release(sl_nameidx *x);
/* Forget every entry; keeps the table's memory. */
void sl_nameidx_clear(sl_nameidx *x);

/* Map name (n bytes) to entry index k. A name added twice is found at the
 * index added first. */
void sl_nameidx_add(sl_nameidx *x, const char *name, size_t n, size_t k, sl_nameidx_name_fn fn, const void *ctx);

/* The index of the entry called name (n bytes), or -1. */
long sl_nameidx_find(const sl_nameidx *x, const char *name, size_t n, sl_nameidx_name_fn fn, const void *ctx);

/* Entries i and j of the caller's array are about to trade places: map
 * each one's name to the other index. Call it before moving them (names
 * are compared at their current indexes). Both must be in the index. */
void sl_nameidx_swap(sl_nameidx *x, size_t i, size_t j, sl_nameidx_name_fn fn, const void *ctx);

#endif
