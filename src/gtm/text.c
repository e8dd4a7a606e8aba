/*
 * text.c: Unicode case mapping, case folding and accent folding for the
 * GTM functions lower(), upper(), casefold() and unaccent() (gtm.h), on
 * utf8proc, and the helpers the other normalisers share (text_int.h).
 *
 *   lower/upper  Unicode simple case mapping, code point by code point
 *                (one code point never becomes several: 'ß' stays 'ß' in
 *                upper(), as in Unicode's UnicodeData.txt, although
 *                utf8proc 2.8 would map it to 'ẞ'); ASCII takes a fast path
 *   casefold     Unicode full case folding, then NFC ('Straße' and
 *                'STRASSE' both give 'strasse'; 'İ' gives 'i̇', i and a
 *                combining dot, as utf8proc folds it)
 *   unaccent     NFKD, combining marks removed, NFC again ('España' ->
 *                'Espana', 'ﬁ' -> 'fi'), and the stroked letters Unicode
 *                does not decompose folded too: ø->o, ł->l, đ->d, ħ->h,
 *                ŧ->t (and capitals); case is kept
 *
 * Invalid UTF-8 gives 0 (NULL in SQL). No allocation beyond the output
 * buffer unless a text is longer than 512 code points.
 */
#include "gtm/gtm.h"
#include "gtm/text_int.h"
#include "core/mem.h"
#include <string.h>
#include <utf8proc.h>

#define STACK_CPS 512

const char *sl_gtm_trim(const char *s, size_t *n)
{
    size_t len = *n;
    while (len && strchr(" \t\r\n\v\f", s[len - 1]) && s[len - 1])
        len--;
    while (len && strchr(" \t\r\n\v\f", *s) && *s)
        s++, len--;
    *n = len;
    return s;
}

size_t sl_gtm_utf8_next(const unsigned char *s, size_t i, size_t n, int32_t *cp)
{
    unsigned char c = s[i];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    int32_t v, min;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, v = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, v = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, v = c & 0x07, min = 0x10000;
    else
        return 0;
    if (n - i < len)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[i + k] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i + k] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

int sl_gtm_utf8_valid(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        int32_t c;
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        size_t l = sl_gtm_utf8_next(u, i, n, &c);
        if (!l)
            return 0;
        i += l;
    }
    return 1;
}

/* The letters with a stroke or bar that have no Unicode decomposition. */
static utf8proc_int32_t fold_stroke(utf8proc_int32_t c, void *data)
{
    (void)data;
    switch (c) {
    case 0xF8: return 'o';   /* ø */
    case 0xD8: return 'O';   /* Ø */
    case 0x142: return 'l';  /* ł */
    case 0x141: return 'L';  /* Ł */
    case 0x111: return 'd';  /* đ */
    case 0x110: return 'D';  /* Đ */
    case 0x127: return 'h';  /* ħ */
    case 0x126: return 'H';  /* Ħ */
    case 0x167: return 't';  /* ŧ */
    case 0x166: return 'T';  /* Ŧ */
    default: return c;
    }
}

long sl_gtm_decompose(const char *s, size_t n, int options, int accents, int32_t *buf, size_t cap,
                      int32_t **cps, int32_t **heap)
{
    utf8proc_option_t opt = (utf8proc_option_t)(options | UTF8PROC_STABLE);
    utf8proc_custom_func f = accents ? fold_stroke : NULL;
    *heap = NULL;
    utf8proc_ssize_t r = utf8proc_decompose_custom((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, buf,
                                                   (utf8proc_ssize_t)cap, opt, f, NULL);
    if (r < 0)
        return -1;
    int32_t *out = buf;
    if ((size_t)r > cap) {
        *heap = out = sl_malloc(((size_t)r + 1) * sizeof *out);
        utf8proc_ssize_t r2 = utf8proc_decompose_custom((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, out, r,
                                                        opt, f, NULL);
        if (r2 != r) {
            sl_free(*heap);
            *heap = NULL;
            return -1;
        }
    }
    if (options & UTF8PROC_COMPOSE) {
        r = utf8proc_normalize_utf32(out, r, opt);
        if (r < 0) {
            sl_free(*heap);
            *heap = NULL;
            return -1;
        }
    }
    *cps = out;
    return (long)r;
}

/* out = the code points cps[0..k) as UTF-8. */
static void encode(const int32_t *cps, long k, sl_buf *out)
{
    sl_buf_reserve(out, (size_t)k * 4);
    unsigned char *p = (unsigned char *)out->data + out->len;
    for (long i = 0; i < k; i++)
        p += utf8proc_encode_char(cps[i], p);
    out->len = (size_t)(p - (unsigned char *)out->data);
    out->data[out->len] = 0;
}

/* lower (up = 0) or upper (up = 1), code point by code point. */
static int map_case(const char *s, size_t n, sl_buf *out, int up)
{
    sl_buf_reset(out);
    sl_buf_reserve(out, n);
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        int32_t c;
        if (u[i] < 0x80) {
            c = u[i++];
            if (up ? (c >= 'a' && c <= 'z') : (c >= 'A' && c <= 'Z'))
                c ^= 0x20;
            out->data[out->len++] = (char)c;
            continue;
        }
        size_t l = sl_gtm_utf8_next(u, i, n, &c);
        if (!l)
            return 0;
        i += l;
        if (!(up && c == 0xDF)) /* ß has no simple upper-case mapping */
            c = up ? utf8proc_toupper(c) : utf8proc_tolower(c);
        sl_buf_reserve(out, 4 + (n - i));
        out->len += (size_t)utf8proc_encode_char(c, (unsigned char *)out->data + out->len);
    }
    out->data[out->len] = 0;
    return 1;
}

int sl_gtm_text_lower(const char *s, size_t n, sl_buf *out)
{
    return map_case(s, n, out, 0);
}

int sl_gtm_text_upper(const char *s, size_t n, sl_buf *out)
{
    return map_case(s, n, out, 1);
}

static int mapped(const char *s, size_t n, int options, int accents, sl_buf *out)
{
    sl_buf_reset(out);
    int32_t buf[STACK_CPS], *cps, *heap;
    long k = sl_gtm_decompose(s, n, options, accents, buf, STACK_CPS, &cps, &heap);
    if (k < 0)
        return 0;
    encode(cps, k, out);
    sl_free(heap);
    return 1;
}

int sl_gtm_text_casefold(const char *s, size_t n, sl_buf *out)
{
    return mapped(s, n, UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD, 0, out);
}

int sl_gtm_text_unaccent(const char *s, size_t n, sl_buf *out)
{
    return mapped(s, n, UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_STRIPMARK, 1, out);
}
