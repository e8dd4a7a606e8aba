/* json.c: see json.h. */
#include "formats/json.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

void sl_json_init(sl_json *j, const char *p, size_t n)
{
    sl_json_init_more(j, p, n, 0);
}

void sl_json_init_more(sl_json *j, const char *p, size_t n, size_t more)
{
    j->start = j->p = p;
    j->end = p + n;
    j->readable = j->end + more;
    j->depth = 0;
    j->escapes = 0;
    j->err_at = NULL;
    j->err[0] = 0;
}

static int fail(sl_json *j, const char *at, const char *msg)
{
    if (!j->err_at) {
        j->err_at = at;
        snprintf(j->err, sizeof j->err, "%s", msg);
    }
    return -1;
}

int sl_json_number(sl_json *j, const char **out, size_t *n)
{
    sl_json_ws(j);
    const char *p = j->p, *s = p, *e = j->end;
    if (p < e && *p == '-')
        p++;
    if (p >= e)
        return fail(j, p, "unexpected end of input in a number");
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < e && *p >= '0' && *p <= '9')
            p++;
    } else {
        return fail(j, p, "invalid number");
    }
    if (p < e && *p == '.') {
        p++;
        if (p >= e || !(*p >= '0' && *p <= '9'))
            return fail(j, p, "a digit must follow the decimal point");
        while (p < e && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-'))
            p++;
        if (p >= e || !(*p >= '0' && *p <= '9'))
            return fail(j, p, "a digit must follow the exponent");
        while (p < e && *p >= '0' && *p <= '9')
            p++;
    }
    *out = s;
    *n = (size_t)(p - s);
    j->p = p;
    return 0;
}

static int hex4(const char *p, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        unsigned d = (c >= '0' && c <= '9') ? (unsigned)(c - '0')
                     : (c >= 'a' && c <= 'f') ? (unsigned)(c - 'a' + 10)
                     : (c >= 'A' && c <= 'F') ? (unsigned)(c - 'A' + 10)
                                              : 16u;
        if (d > 15)
            return -1;
        *v = *v * 16 + d;
    }
    return 0;
}

static void put_utf8(sl_buf *out, unsigned cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) { b[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { b[0] = (char)(0xC0 | cp >> 6); b[1] = (char)(0x80 | (cp & 63)); n = 2; }
    else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | cp >> 12); b[1] = (char)(0x80 | ((cp >> 6) & 63));
        b[2] = (char)(0x80 | (cp & 63)); n = 3;
    } else {
        b[0] = (char)(0xF0 | cp >> 18); b[1] = (char)(0x80 | ((cp >> 12) & 63));
        b[2] = (char)(0x80 | ((cp >> 6) & 63)); b[3] = (char)(0x80 | (cp & 63)); n = 4;
    }
    sl_buf_add(out, b, n);
}

#ifndef __SSE2__
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Nonzero when any byte of w is a quote, a backslash, a control byte
 * (< 0x20) or not ASCII: the bytes string_scan must look at one by one. */
static inline uint64_t special_bytes(uint64_t w)
{
    uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');
    return ((q - ONES) & ~q) | ((b - ONES) & ~b) | ((w - ONES * 0x20) & ~w) | w;
}
#endif

/* Scan a string; with out == NULL only validate. Counts escapes seen in
 * j->escapes, so callers of sl_json_string_raw need not look again. */
static int string_scan(sl_json *j, sl_buf *out)
{
    const char *p = j->p, *e = j->end;
    if (p >= e || *p != '"')
        return fail(j, p, "expected a string");
    p++;
    const char *seg = p;
    for (;;) {
#ifdef __SSE2__
        /* 16 bytes at a time, loaded in place while they are readable
         * (sl_json_init_more), else through a copy padded with quotes; a
         * match past the end lands at the end ("unterminated string") */
        while (p < e) {
            unsigned mask;
            if (j->readable - p >= 16) {
                mask = sl_json_special16(p);
            } else {
                char tail[16];
                memset(tail, '"', sizeof tail);
                memcpy(tail, p, (size_t)(e - p));
                mask = sl_json_special16(tail);
            }
            if (mask) {
                p += __builtin_ctz(mask);
                if (p > e)
                    p = e;
                break;
            }
            p += 16;
        }
        if (p > e) /* past the input, into what is only readable */
            p = e;
#else
        /* 8 plain ASCII bytes at a time, then byte by byte */
        while (e - p >= 8) {
            uint64_t w;
            memcpy(&w, p, 8);
            if (special_bytes(w) & HIGHS)
                break;
            p += 8;
        }
        while (p < e && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x80)
            p++;
#endif
        if (p >= e)
            return fail(j, p, "unterminated string");
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            break;
        if (c < 0x20)
            return fail(j, p, "control character in a string (must be escaped)");
        if (c >= 0x80) {
            size_t ok = sl_utf8_valid_prefix(p, (size_t)(e - p) < 4 ? (size_t)(e - p) : 4);
            size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            if (ok < need)
                return fail(j, p, "invalid UTF-8 in a string");
            p += need;
            continue;
        }
        /* backslash */
        j->escapes++;
        if (out)
            sl_buf_add(out, seg, (size_t)(p - seg));
        if (p + 1 >= e)
            return fail(j, p, "unterminated escape");
        char x = p[1];
        p += 2;
        char lit = 0;
        switch (x) {
        case '"': lit = '"'; break;
        case '\\': lit = '\\'; break;
        case '/': lit = '/'; break;
        case 'b': lit = '\b'; break;
        case 'f': lit = '\f'; break;
        case 'n': lit = '\n'; break;
        case 'r': lit = '\r'; break;
        case 't': lit = '\t'; break;
        case 'u': {
            unsigned cp;
            if (e - p < 4 || hex4(p, &cp) < 0)
                return fail(j, p, "invalid \\u escape");
            p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo;
                if (e - p >= 6 && p[0] == '\\' && p[1] == 'u' && hex4(p + 2, &lo) == 0 && lo >= 0xDC00 &&
                    lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    p += 6;
                } else {
                    cp = 0xFFFD; /* lone high surrogate */
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                cp = 0xFFFD; /* lone low surrogate */
            }
            if (out)
                put_utf8(out, cp);
            break;
        }
        default:
            return fail(j, p - 2, "invalid escape in a string");
        }
        if (lit && out)
            sl_buf_addc(out, lit);
        seg = p;
    }
    if (out)
        sl_buf_add(out, seg, (size_t)(p - seg));
    j->p = p + 1;
    return 0;
}

/* Validate the string at the cursor (a '"'), moving past it. */
static inline int string_skip(sl_json *j)
{
    const char *sp;
    size_t sn;
    if (sl_json_string_plain(j, &sp, &sn))
        return 0;
    return string_scan(j, NULL);
}

int sl_json_string_raw(sl_json *j, const char **p, size_t *n, int *escaped)
{
    sl_json_ws(j);
    const char *start = j->p;
    unsigned before = j->escapes;
    if (string_skip(j) < 0)
        return -1;
    *p = start + 1;
    *n = (size_t)(j->p - start - 2);
    *escaped = j->escapes != before;
    return 0;
}

int sl_json_string(sl_json *j, sl_buf *out)
{
    sl_json_ws(j);
    if (out)
        sl_buf_reset(out);
    return string_scan(j, out);
}

static int literal(sl_json *j, const char *word, size_t n)
{
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
        return fail(j, j->p, "invalid literal (expected true, false or null)");
    j->p += n;
    return 0;
}

int sl_json_object_begin(sl_json *j)
{
    sl_json_ws(j);
    if (j->p >= j->end || *j->p != '{')
        return fail(j, j->p, "expected an object");
    if (++j->depth > SL_JSON_MAX_DEPTH)
        return fail(j, j->p, "nesting deeper than 512 levels");
    j->p++;
    return 0;
}

int sl_json_member_raw(sl_json *j, int *first, sl_buf *scratch, const char **key, size_t *keylen)
{
    sl_json_ws(j);
    if (j->p >= j->end)
        return fail(j, j->p, "unexpected end of input in an object");
    if (*j->p == '}') {
        j->p++;
        j->depth--;
        return 0;
    }
    if (!*first) {
        if (*j->p != ',')
            return fail(j, j->p, "expected ',' or '}' in an object");
        j->p++;
        sl_json_ws(j);
    }
    *first = 0;
    if (j->p >= j->end || *j->p != '"')
        return fail(j, j->p, "expected a member name (a string) in an object");
    const char *kp;
    size_t kn;
    int escaped = 0;
    if (!sl_json_string_plain(j, &kp, &kn) && sl_json_string_raw(j, &kp, &kn, &escaped) < 0)
        return -1;
    if (escaped && key) {
        /* rare: unescape into scratch */
        sl_json sub;
        sl_json_init(&sub, kp - 1, kn + 2);
        sl_json_string(&sub, scratch);
        kp = scratch->data ? scratch->data : "";
        kn = scratch->len;
    }
    if (key) {
        *key = kp;
        *keylen = kn;
    }
    sl_json_ws(j);
    if (j->p >= j->end || *j->p != ':')
        return fail(j, j->p, "expected ':' after a member name");
    j->p++;
    sl_json_ws(j);
    return 1;
}

int sl_json_member(sl_json *j, int *first, sl_buf *key)
{
    const char *kp;
    size_t kn;
    int rc = sl_json_member_raw(j, first, key, key ? &kp : NULL, &kn);
    if (rc == 1 && key && kp != key->data) {
        sl_buf_reset(key);
        sl_buf_add(key, kp, kn);
    }
    return rc;
}

int sl_json_array_begin(sl_json *j)
{
    sl_json_ws(j);
    if (j->p >= j->end || *j->p != '[')
        return fail(j, j->p, "expected an array");
    if (++j->depth > SL_JSON_MAX_DEPTH)
        return fail(j, j->p, "nesting deeper than 512 levels");
    j->p++;
    return 0;
}

int sl_json_element(sl_json *j, int *first)
{
    sl_json_ws(j);
    if (j->p >= j->end)
        return fail(j, j->p, "unexpected end of input in an array");
    if (*j->p == ']') {
        j->p++;
        j->depth--;
        return 0;
    }
    if (!*first) {
        if (*j->p != ',')
            return fail(j, j->p, "expected ',' or ']' in an array");
        j->p++;
        sl_json_ws(j);
    }
    *first = 0;
    return 1;
}

/* Skip one value: validate it and move past it, one loop over its tokens
 * with the open containers on a bit stack (1 = object) instead of a call
 * per member, element and name. The checks, their order and the messages
 * are those of sl_json_member/sl_json_element/sl_json_peek, so a value is
 * refused here where, and as, reading it would refuse it. */
int sl_json_skip(sl_json *j)
{
    uint64_t open[SL_JSON_MAX_DEPTH / 64 + 1];
    int top = 0;    /* containers open in this skip */
    int opened = 0; /* the innermost one was just opened */
    const char *np;
    size_t nn;
value:
    sl_json_ws(j);
    if (j->p >= j->end)
        return fail(j, j->p, "unexpected end of input (expected a value)");
    switch (*j->p) {
    case '"':
        if (string_skip(j) < 0)
            return -1;
        break;
    case 'n':
        if (literal(j, "null", 4) < 0)
            return -1;
        break;
    case 't':
        if (literal(j, "true", 4) < 0)
            return -1;
        break;
    case 'f':
        if (literal(j, "false", 5) < 0)
            return -1;
        break;
    case '{':
    case '[': {
        int obj = *j->p == '{';
        if (++j->depth > SL_JSON_MAX_DEPTH)
            return fail(j, j->p, "nesting deeper than 512 levels");
        j->p++;
        if (obj)
            open[top / 64] |= (uint64_t)1 << (top % 64);
        else
            open[top / 64] &= ~((uint64_t)1 << (top % 64));
        top++;
        opened = 1; /* its first member or element: no ',' before it */
        break;
    }
    default:
        if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9')) {
            if (sl_json_number(j, &np, &nn) < 0)
                return -1;
            break;
        }
        return fail(j, j->p, "unexpected character (expected a value)");
    }
    /* after a value or an opening bracket: the end of the container, or its
     * next member or element */
    while (top > 0) {
        int obj = (int)(open[(top - 1) / 64] >> ((top - 1) % 64) & 1);
        sl_json_ws(j);
        if (j->p >= j->end)
            return fail(j, j->p, obj ? "unexpected end of input in an object" : "unexpected end of input in an array");
        if (*j->p == (obj ? '}' : ']')) {
            j->p++;
            j->depth--;
            top--;
            opened = 0;
            continue;
        }
        if (!opened) {
            if (*j->p != ',')
                return fail(j, j->p, obj ? "expected ',' or '}' in an object" : "expected ',' or ']' in an array");
            j->p++;
            sl_json_ws(j);
        }
        opened = 0;
        if (!obj)
            goto value;
        if (j->p >= j->end || *j->p != '"')
            return fail(j, j->p, "expected a member name (a string) in an object");
        if (string_skip(j) < 0)
            return -1;
        sl_json_ws(j);
        if (j->p >= j->end || *j->p != ':')
            return fail(j, j->p, "expected ':' after a member name");
        j->p++;
        goto value;
    }
    return 0;
}

void sl_json_error_text(const sl_json *j, char *out, size_t cap)
{
    const char *at = j->err_at ? j->err_at : j->p;
    long line = 1, col = 1;
    for (const char *p = j->start; p < at; p++) {
        if (*p == '\n') {
            line++;
            col = 1;
        } else if (((unsigned char)*p & 0xC0) != 0x80) {
            col++;
        }
    }
    snprintf(out, cap, "line %ld, column %ld (byte %ld): %s", line, col, (long)(at - j->start),
             j->err[0] ? j->err : "invalid JSON");
}

int sl_json_validate(const char *p, size_t n, char *errbuf, size_t cap)
{
    sl_json j;
    sl_json_init(&j, p, n);
    if (sl_json_skip(&j) == 0) {
        sl_json_ws(&j);
        if (j.p == j.end)
            return 0;
        fail(&j, j.p, "unexpected data after the JSON value");
    }
    sl_json_error_text(&j, errbuf, cap);
    return -1;
}
