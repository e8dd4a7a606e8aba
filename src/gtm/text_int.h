/*
 * text_int.h: helpers the GTM text normalisers share (text.c defines
 * them): ASCII trimming, strict UTF-8 decoding, and a decomposition of a
 * text into an array of code points by utf8proc options (case folding,
 * accent folding) into a caller's buffer, so that email.c, company.c and
 * domain.c do not allocate per call beyond their output.
 */
#ifndef SL_GTM_TEXT_INT_H
#define SL_GTM_TEXT_INT_H
#include <stddef.h>
#include <stdint.h>

/* s[0..*n) without leading and trailing ASCII white space (space, tab,
 * CR, LF, VT, FF): returns the new start, *n the new length. */
const char *sl_gtm_trim(const char *s, size_t *n);

/* Decode one code point of s[i..n): its length in bytes (1..4) and *cp,
 * or 0 for invalid UTF-8 (overlong forms, surrogates, > U+10FFFF,
 * truncated sequences). */
size_t sl_gtm_utf8_next(const unsigned char *s, size_t i, size_t n, int32_t *cp);

/* 1 when s[0..n) is valid UTF-8. */
int sl_gtm_utf8_valid(const char *s, size_t n);

/* Code points of s[0..n) mapped by utf8proc with options (UTF8PROC_*;
 * STABLE is added) and, with accents set, the letters with a stroke that
 * Unicode does not decompose (ø ł đ ħ ŧ and capitals) folded to their base
 * letter first. The result goes to buf (cap code points) when it fits,
 * else to a heap array (*heap, the caller sl_free()s it). Returns the
 * number of code points and sets *cps, or -1 for invalid UTF-8. */
long sl_gtm_decompose(const char *s, size_t n, int options, int accents, int32_t *buf, size_t cap,
                      int32_t **cps, int32_t **heap);

#endif
