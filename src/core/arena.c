/* arena.c: see arena.h. Blocks start at 64 KiB and double up to 4 MiB. */
#include "core/arena.h"
#include "core/mem.h"
#include <string.h>

struct sl_arena_block {
    sl_arena_block *next;
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
    sl_arena_block *b = a->head;
    if (!b)
        return;
    /* keep the newest (largest) block, free the rest */
    sl_arena_block *rest = b->next;
    while (rest) {
        sl_arena_block *next = rest->next;
        sl_free(rest);
        rest = next;
    }
    b->next = NULL;
    a->p = b->data;
    a->end = b->data + b->size;
    a->used = 0;
}

void *sl_arena_alloc(sl_arena *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if ((size_t)(a->end - a->p) < n) {
        size_t size = a->head ? a->head->size * 2 : 64 * 1024;
        if (size > 4u << 20)
            size = 4u << 20;
        if (size < n)
            size = n;
        sl_arena_block *b = sl_malloc(sizeof *b + size);
        b->size = size;
        b->next = a->head;
        a->head = b;
        a->p = b->data;
        a->end = b->data + size;
    }
    void *r = a->p;
    a->p += n;
    a->used += n;
    return r;
}

char *sl_arena_copy(sl_arena *a, const char *s, size_t n)
{
    char *p = sl_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}
