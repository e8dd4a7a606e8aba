/* mo.c: see mo.h. */
#include "gtm/mo.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint32_t word(const unsigned char *p, int swap)
{
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    if (swap)
        v = (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
    return v;
}

/* The i-th (length, offset) string of the table at tab, bounds-checked. */
static int string_at(const unsigned char *d, size_t n, uint32_t tab, uint32_t i, int swap, const char **s,
                     size_t *len)
{
    uint64_t at = (uint64_t)tab + (uint64_t)i * 8;
    if (at + 8 > n)
        return -1;
    uint32_t l = word(d + at, swap), off = word(d + at + 4, swap);
    if ((uint64_t)off + l > n)
        return -1;
    *s = (const char *)d + off;
    const char *nul = memchr(*s, '\0', l);
    *len = nul ? (size_t)(nul - *s) : l;
    return 0;
}

int sl_mo_parse(const void *data, size_t n, sl_mo_fn fn, void *ctx, char *err, size_t cap)
{
    const unsigned char *d = data;
    if (n < 20) {
        snprintf(err, cap, "too short for a .mo header (%zu bytes)", n);
        return -1;
    }
    int swap;
    if (word(d, 0) == 0x950412deu)
        swap = 0;
    else if (word(d, 1) == 0x950412deu)
        swap = 1;
    else {
        snprintf(err, cap, "bad magic (not a .mo file)");
        return -1;
    }
    uint32_t rev = word(d + 4, swap), count = word(d + 8, swap);
    uint32_t orig = word(d + 12, swap), trans = word(d + 16, swap);
    if ((rev >> 16) > 1) {
        snprintf(err, cap, "unsupported .mo revision %u", (unsigned)(rev >> 16));
        return -1;
    }
    if ((uint64_t)orig + (uint64_t)count * 8 > n || (uint64_t)trans + (uint64_t)count * 8 > n) {
        snprintf(err, cap, "string tables of %u entries out of bounds", (unsigned)count);
        return -1;
    }
    for (uint32_t i = 0; i < count; i++) {
        const char *id, *str;
        size_t idn, strn;
        if (string_at(d, n, orig, i, swap, &id, &idn) < 0 || string_at(d, n, trans, i, swap, &str, &strn) < 0) {
            snprintf(err, cap, "string %u out of bounds", (unsigned)i);
            return -1;
        }
        const char *eot = memchr(id, '\004', idn);
        if (eot) {
            idn -= (size_t)(eot + 1 - id);
            id = eot + 1;
        }
        if (idn == 0 || strn == 0)
            continue;
        int rc = fn(ctx, id, idn, str, strn);
        if (rc)
            return rc;
    }
    return 0;
}
