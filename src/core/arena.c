/* arena.c: see arena.h. Blocks start at 64 KiB and double up to 4 MiB.
 * A reset keeps every block for reuse: batches are recycled, and giving
 * large blocks back to the kernel only to fault them in again for the next
 * batch cost more than the parsing itself (measured: docs/BENCHMARKS.md). */
#include "core/arena.h"
#include "core/mem.h"
#include <string.h>

struct sl_arena_block {
    sl_arena_block *next; /* the chain is in allocation order: head is the first block */
    size_t size;
    char data[];
};

void sl_arena_init(sl_arena *a)
{
    memset(a, 0, sizeof *a);
}

void sl_arena_release(sl_arena *a)
{
    sl_arena_block *b = a->head;
    while (b) {
        sl_arena_block *next = b->next;
        sl_free(b);
        b = next;
    }
    sl_arena_init(a);
}

void sl_arena_reset(sl_arena *a)
{
    a->cur = a->head;
    a->p = a->head ? a->head->data : NULL;
    a->end = a->head ? a->head->data + a->head->size : NULL;
    a->used = 0;
}

void *sl_arena_alloc_block(sl_arena *a, size_t n)
{
    /* n is rounded already (sl_arena_alloc) */
    while ((size_t)(a->end - a->p) < n) {
        sl_arena_block *next = a->cur ? a->cur->next : a->head;
        if (next && next->size >= n) {
            /* reuse the next block kept from before the last reset */
            a->cur = next;
            a->p = next->data;
            a->end = next->data + next->size;
            continue;
        }
        size_t size = a->cur ? a->cur->size * 2 : 64 * 1024;
        if (size > 4u << 20)
            size = 4u << 20;
        if (size < n)
            size = n;
        sl_arena_block *b = sl_malloc(sizeof *b + size);
        b->size = size;
        /* insert after cur (a too-small kept block stays further down the chain) */
        if (a->cur) {
            b->next = a->cur->next;
            a->cur->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
        a->cur = b;
        a->p = b->data;
        a->end = b->data + size;
    }
    void *r = a->p;
    a->p += n;
    a->used += n;
    return r;
}


size_t sl_arena_size(const sl_arena *a)
{
    size_t n = 0;
    for (const sl_arena_block *b = a->head; b; b = b->next)
        n += b->size;
    return n;
}
