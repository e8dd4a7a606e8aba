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
void *sl_arena_alloc(sl_arena *a, size_t n);
/* Copy n bytes and add a NUL (not counted in n). */
char *sl_arena_copy(sl_arena *a, const char *s, size_t n);
/* Bytes of the blocks the arena holds (used or kept for reuse). */
size_t sl_arena_size(const sl_arena *a);

#endif
