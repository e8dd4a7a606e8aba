/*
 * mem.h: sluice's allocation wrappers.
 *
 * Every allocation in libsluice goes through these. They never return NULL:
 * on failure they call the one out-of-memory handler, which logs and aborts
 * (git's xmalloc, Redis's zmalloc_oom_handler). A crash is a case the engine
 * already survives (data and checkpoint commit in one transaction), so an
 * allocation failure leaves the warehouse consistent by the same argument.
 *
 * Fault injection: with SLUICE_FAIL_ALLOC=N in the environment, the Nth
 * allocation after start-up fails. Tests use it to show that a failure at
 * any allocation leaves the warehouse and checkpoints consistent.
 */
#ifndef SL_MEM_H
#define SL_MEM_H
#include <stddef.h>
#include <stdarg.h>

void *sl_malloc(size_t n);
void *sl_calloc(size_t count, size_t size);
void *sl_realloc(void *p, size_t n);
char *sl_strdup(const char *s);
char *sl_strndup(const char *s, size_t n);
/* printf into a new heap string; the caller frees it with sl_free(). */
char *sl_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *sl_vprintf(const char *fmt, va_list ap);
void sl_free(void *p);

/* Grow *p (an array of elem-size items with capacity *cap) to hold at least need items. */
void sl_grow(void **p, size_t *cap, size_t need, size_t elem);
#define SL_GROW(arr, cap, need) sl_grow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

#endif
