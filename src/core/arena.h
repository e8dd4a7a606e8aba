/*
 * arena.h: a bump allocator for the strings of a batch.
 *
 * A batch owns one arena; every string value in the batch points into it,
 * so the whole batch is freed (or recycled with sl_arena_reset) at once.
 * Caller-owned struct: sl_arena_init() / sl_arena_release().
 */
#ifndef SL_ARENA_H
#define SL_ARENA_H
#include <stddef.h>
#include <string.h>

typedef struct sl_arena_block sl_arena_block;
typedef struct sl_arena {
    sl_arena_block *head; /* first block; blocks are kept across resets */
    sl_arena_block *cur;  /* block being filled */
    char *p, *end;
    size_t used;          /* bytes handed out since the last reset */
} sl_arena;

void sl_arena_init(sl_arena *a);
void sl_arena_release(sl_arena *a);
/* Forget every allocation; keeps every block for reuse. */
void sl_arena_reset(sl_arena *a);
/* n bytes, 8-aligned, valid until the next reset. Inline: a batch takes
 * one per text cell; a new block is taken out of line. */
void *sl_arena_alloc_block(sl_arena *a, size_t n);
static inline void *sl_arena_alloc(sl_arena *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if ((size_t)(a->end - a->p) < n)
        return sl_arena_alloc_block(a, n);
    void *r = a->p;
    a->p += n;
    a->used += n;
    return r;
}
/* Copy n bytes and add a NUL (not counted in n). */
static inline char *sl_arena_copy(sl_arena *a, const char *s, size_t n)
{
    char *p = (char *)sl_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}
/* Bytes of the blocks the arena holds (used or kept for reuse). */
size_t sl_arena_size(const sl_arena *a);

#endif
