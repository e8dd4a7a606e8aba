/*
 * vec_text.c: SQLite's text functions for the native expression path
 * (vec.h), on bytes as func.c walks them (3.40): length in characters,
 * trim with a character set, substr and instr in characters (in bytes
 * on blobs).
 */
#include "expr/vec_int.h"
#include "core/mem.h"
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- functions (func.c) ---------------------------------------------------- */

/* Characters as SQLite counts them (lengthFunc): up to the first NUL, a
 * byte >= 0xc0 and the 0x80-0xbf bytes after it are one. */
int64_t sl_vec_char_count(const char *s, size_t n)
{
    const unsigned char *z = (const unsigned char *)s, *end = z + n;
    int64_t len = 0;
    while (z < end && *z) {
        unsigned char c = *z++;
        if (c >= 0xc0)
            while (z < end && (*z & 0xc0) == 0x80)
                z++;
        len++;
    }
    return len;
}

/* SQLITE_SKIP_UTF8 over text that ends at end or at a NUL. */
static const unsigned char *skip_char(const unsigned char *z, const unsigned char *end)
{
    if (*z++ >= 0xc0)
        while (z < end && (*z & 0xc0) == 0x80)
            z++;
    return z;
}

/* trimFunc: flags 1 left, 2 right; set NULL means the one space. */
void sl_vec_trim(const char *in, size_t nin, const char *set, size_t nset, int flags, const char **out,
                 size_t *nout)
{
    const unsigned char *z = (const unsigned char *)in;
    size_t n = nin;
    const unsigned char *chars[256];
    unsigned lens[256];
    size_t nchar = 0;
    unsigned char one = ' ';
    if (!set) {
        chars[0] = &one;
        lens[0] = 1;
        nchar = 1;
    } else {
        const unsigned char *s = (const unsigned char *)set, *end = s + nset;
        while (s < end && *s && nchar < 256) {
            const unsigned char *c = s;
            s = skip_char(s, end);
            chars[nchar] = c;
            lens[nchar++] = (unsigned)(s - c);
        }
    }
    if (nchar > 0) {
        if (flags & 1)
            while (n > 0) {
                size_t i, len = 0;
                for (i = 0; i < nchar; i++) {
                    len = lens[i];
                    if (len <= n && memcmp(z, chars[i], len) == 0)
                        break;
                }
                if (i >= nchar)
                    break;
                z += len;
                n -= len;
            }
        if (flags & 2)
            while (n > 0) {
                size_t i, len = 0;
                for (i = 0; i < nchar; i++) {
                    len = lens[i];
                    if (len <= n && memcmp(z + n - len, chars[i], len) == 0)
                        break;
                }
                if (i >= nchar)
                    break;
                n -= len;
            }
    }
    *out = (const char *)z;
    *nout = n;
}

/* substrFunc, p1 and p2 from sqlite3_value_int; has2: the length was
 * given. On text (bytes 0) positions count characters up to a NUL; on a
 * blob (bytes 1) they count bytes, the whole blob. */
void sl_vec_substr(const char *s, size_t ns, int64_t p1, int64_t p2, int has2, int bytes, const char **out,
                   size_t *nout)
{
    const unsigned char *z = (const unsigned char *)s, *end = z + ns, *z2;
    int64_t len = 0;
    int neg2 = 0;
    if (bytes)
        len = (int64_t)ns;
    else if (p1 < 0)
        for (z2 = z; z2 < end && *z2; len++)
            z2 = skip_char(z2, end);
    if (has2) {
        if (p2 < 0) {
            p2 = -p2;
            neg2 = 1;
        }
    } else {
        p2 = 1000000000; /* SQLITE_LIMIT_LENGTH */
    }
    if (p1 < 0) {
        p1 += len;
        if (p1 < 0) {
            p2 += p1;
            if (p2 < 0)
                p2 = 0;
            p1 = 0;
        }
    } else if (p1 > 0) {
        p1--;
    } else if (p2 > 0) {
        p2--;
    }
    if (neg2) {
        p1 -= p2;
        if (p1 < 0) {
            p2 += p1;
            p1 = 0;
        }
    }
    if (bytes) {
        if (p1 + p2 > len) {
            p2 = len - p1;
            if (p2 < 0)
                p2 = 0;
        }
        *out = p1 < len ? s + p1 : s + len;
        *nout = (size_t)p2;
        return;
    }
    while (z < end && *z && p1) {
        z = skip_char(z, end);
        p1--;
    }
    for (z2 = z; z2 < end && *z2 && p2; p2--)
        z2 = skip_char(z2, end);
    *out = (const char *)z;
    *nout = (size_t)(z2 - z);
}

/* instrFunc: 1-based position of needle, 0 if none: in characters, or in
 * bytes (bytes 1: both arguments are blobs). */
int64_t sl_vec_instr(const char *h, size_t nh, const char *nd, size_t nn, int bytes)
{
    int64_t at = 1;
    if (nn == 0)
        return 1;
    const unsigned char *z = (const unsigned char *)h;
    while (nn <= nh && (z[0] != (unsigned char)nd[0] || memcmp(z, nd, nn) != 0)) {
        at++;
        do {
            nh--;
            z++;
        } while (!bytes && nh > 0 && (z[0] & 0xc0) == 0x80);
    }
    return nn > nh ? 0 : at;
}
