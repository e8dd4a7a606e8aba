/*
 * mem.c: allocation wrappers with one out-of-memory handler and, for tests,
 * failure of the Nth allocation (SLUICE_FAIL_ALLOC=N). See mem.h.
 */
#include "core/mem.h"
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_long fail_countdown = -2; /* -2: not read yet; -1: disabled */

static void sl_oom(size_t n)
{
    char msg[96];
    int len = snprintf(msg, sizeof msg, "sluice: out of memory allocating %zu bytes\n", n);
    if (write(2, msg, (size_t)len) < 0) { /* nothing more we can do */ }
    abort();
}

static int sl_mem_should_fail(void)
{
    long v = atomic_load_explicit(&fail_countdown, memory_order_relaxed);
    if (v == -1)
        return 0;
    if (v == -2) {
        const char *e = getenv("SLUICE_FAIL_ALLOC");
        long n = e ? atol(e) : 0;
        long expected = -2;
        atomic_compare_exchange_strong(&fail_countdown, &expected, n > 0 ? n : -1);
        if (n <= 0)
            return 0;
    }
    return atomic_fetch_sub(&fail_countdown, 1) == 1;
}

void *sl_malloc(size_t n)
{
    void *p = sl_mem_should_fail() ? NULL : malloc(n ? n : 1);
    if (!p)
        sl_oom(n);
    return p;
}

void *sl_calloc(size_t count, size_t size)
{
    void *p = sl_mem_should_fail() ? NULL : calloc(count ? count : 1, size ? size : 1);
    if (!p)
        sl_oom(count * size);
    return p;
}

void *sl_realloc(void *old, size_t n)
{
    void *p = sl_mem_should_fail() ? NULL : realloc(old, n ? n : 1);
    if (!p)
        sl_oom(n);
    return p;
}

char *sl_strndup(const char *s, size_t n)
{
    char *p = sl_malloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *sl_strdup(const char *s)
{
    return sl_strndup(s, strlen(s));
}

char *sl_vprintf(const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    char *p = sl_malloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *sl_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = sl_vprintf(fmt, ap);
    va_end(ap);
    return p;
}

void sl_free(void *p)
{
    free(p);
}

void sl_grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return;
    size_t n = *cap ? *cap : 8;
    while (n < need)
        n *= 2;
    *p = sl_realloc(*p, n * elem);
    *cap = n;
}
