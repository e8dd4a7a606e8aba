/*
 * json.h: sluice's JSON reader (RFC 8259), written for speed and safety.
 *
 * A cursor over a buffer: validate/skip a value, read a string (unescaped,
 * UTF-8 checked), read a number's text, walk an object's members. No
 * allocation except into the caller's buffer; nesting is bounded
 * (SL_JSON_MAX_DEPTH) so hostile input cannot exhaust the stack; every
 * error records where it happened, reported as line, column and byte offset.
 *
 * Numbers are kept as their exact text: the typing stage turns integers
 * into int64 without passing through a double.
 */
#ifndef SL_JSON_H
#define SL_JSON_H
#include "core/util.h"
#include <stddef.h>
#include <stdint.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define SL_JSON_MAX_DEPTH 512

typedef enum sl_json_kind {
    SL_JSON_NONE, SL_JSON_NULL, SL_JSON_FALSE, SL_JSON_TRUE, SL_JSON_NUMBER,
    SL_JSON_STRING, SL_JSON_OBJECT, SL_JSON_ARRAY,
} sl_json_kind;

typedef struct sl_json {
    const char *start, *p, *end;
    /* bytes up to here may be read (never used as input): lets the string
     * scan load 16 bytes at a time near `end` without copying; >= end */
    const char *readable;
    int depth;
    unsigned escapes;     /* backslash escapes scanned so far */
    const char *err_at;   /* set on error */
    char err[128];
} sl_json;

void sl_json_init(sl_json *j, const char *p, size_t n);
/* The same over p[0..n) where p[n..n+more) may also be read (initialised
 * memory the caller owns, for example the next lines of a buffer): the
 * input still ends at p + n. */
void sl_json_init_more(sl_json *j, const char *p, size_t n, size_t more);

/* Skip whitespace (space, tab, CR, LF). Inline: the reader calls it before
 * every token, and compact JSON has none, which one compare finds. */
static inline void sl_json_ws(sl_json *j)
{
    const char *p = j->p;
    if (p < j->end && (unsigned char)*p > ' ')
        return;
    while (p < j->end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    j->p = p;
}

#ifdef __SSE2__
/* The bytes of the 16 at p a string scan must stop at, as a bit mask: a
 * quote, a backslash, a control byte, or any byte >= 0x80 (signed: those
 * are negative, so "< 0x20" finds them too). */
static inline unsigned sl_json_special16(const char *p)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
                             _mm_cmplt_epi8(x, _mm_set1_epi8(0x20)));
    return (unsigned)_mm_movemask_epi8(m);
}
#endif

/* The common case of a string, inline: at the cursor (no whitespace
 * skipped) a '"' whose closing quote one or a few 16-byte loads find
 * before any backslash, control byte or non-ASCII byte, within the input.
 * 1: *p, *n the text between the quotes (nothing to unescape), the cursor
 * past it; 0: anything else, cursor unmoved (use sl_json_string_raw). */
static inline int sl_json_string_plain(sl_json *j, const char **sp, size_t *sn)
{
#ifdef __SSE2__
    if (j->p >= j->end || *j->p != '"')
        return 0;
    const char *p = j->p + 1;
    while (j->readable - p >= 16) {
        unsigned mask = sl_json_special16(p);
        if (mask) {
            p += __builtin_ctz(mask);
            if (p < j->end && *p == '"') {
                *sp = j->p + 1;
                *sn = (size_t)(p - *sp);
                j->p = p + 1;
                return 1;
            }
            return 0;
        }
        p += 16;
    }
#else
    (void)j;
    (void)sp;
    (void)sn;
#endif
    return 0;
}

/* Kind of the value at the cursor (after whitespace), without consuming it. */
static inline sl_json_kind sl_json_peek(sl_json *j)
{
    sl_json_ws(j);
    if (j->p >= j->end)
        return SL_JSON_NONE;
    switch (*j->p) {
    case '{': return SL_JSON_OBJECT;
    case '[': return SL_JSON_ARRAY;
    case '"': return SL_JSON_STRING;
    case 't': return SL_JSON_TRUE;
    case 'f': return SL_JSON_FALSE;
    case 'n': return SL_JSON_NULL;
    default:
        return (*j->p == '-' || (*j->p >= '0' && *j->p <= '9')) ? SL_JSON_NUMBER : SL_JSON_NONE;
    }
}
/* Validate and skip one value. 0 ok, -1 error. */
int sl_json_skip(sl_json *j);
/* Read a string at the cursor into out (reset first), unescaped. */
int sl_json_string(sl_json *j, sl_buf *out);
/* Validate the string at the cursor and give its raw text between the
 * quotes; *escaped says whether it holds escapes (then use sl_json_string). */
int sl_json_string_raw(sl_json *j, const char **p, size_t *n, int *escaped);
/* The raw text of a number at the cursor (validated). */
int sl_json_number(sl_json *j, const char **p, size_t *n);
/* Object walking: call at '{', set first = 1, then sl_json_member()
 * repeatedly: 1 = a key in `key` (NULL: validate only), cursor at its value
 * (which the caller must consume); 0 = end; -1 = error. */
int sl_json_object_begin(sl_json *j);
int sl_json_member(sl_json *j, int *first, sl_buf *key);
/* The same without copying: *key points into the input (or, for a name with
 * escapes, to its unescaped text in scratch) and holds *keylen bytes, not
 * NUL-terminated, valid until the next call. key NULL: validate only. */
int sl_json_member_raw(sl_json *j, int *first, sl_buf *scratch, const char **key, size_t *keylen);
/* Array walking: call at '[', first = 1; then sl_json_element(): 1 = cursor
 * at an element (consume it), 0 = end, -1 = error. */
int sl_json_array_begin(sl_json *j);
int sl_json_element(sl_json *j, int *first);
/* A human error: "line L, column C (byte B): message". */
void sl_json_error_text(const sl_json *j, char *out, size_t cap);
/* Whole-document check: exactly one value, then only whitespace. */
int sl_json_validate(const char *p, size_t n, char *errbuf, size_t cap);

#endif
