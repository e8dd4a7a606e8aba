/* util.c: see util.h. */
#include "core/util.h"
#include "core/mem.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void sl_buf_init(sl_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
}

void sl_buf_release(sl_buf *b)
{
    sl_free(b->data);
    sl_buf_init(b);
}

void sl_buf_reset(sl_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = 0;
}

void sl_buf_reserve(sl_buf *b, size_t extra)
{
    if (b->len + extra + 1 > b->cap) {
        size_t n = b->cap ? b->cap * 2 : 256;
        while (n < b->len + extra + 1)
            n *= 2;
        b->data = sl_realloc(b->data, n);
        b->cap = n;
        b->data[b->len] = 0; /* allocated means terminated, even when empty */
    }
}

void sl_buf_adds(sl_buf *b, const char *s)
{
    sl_buf_add(b, s, strlen(s));
}

void sl_buf_addf(sl_buf *b, const char *fmt, ...)
{
    va_list ap, cp;
    va_start(ap, fmt);
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    sl_buf_reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    va_end(ap);
}

static const char hexdig[] = "0123456789abcdef";
#define HEXUP "0123456789ABCDEF"

/* Length of the valid UTF-8 sequence that starts s[0..n) (lead byte >= 0x80), 0 if none. */
static size_t utf8_seq_len(const char *s, size_t n)
{
    unsigned char c = (unsigned char)s[0];
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (len > n)
        return 0;
    return sl_utf8_valid_prefix(s, len) == len ? len : 0;
}

void sl_buf_add_utf8_shown(sl_buf *b, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t ok = sl_utf8_valid_prefix(s + i, n - i);
        sl_buf_add(b, s + i, ok);
        i += ok;
        if (i < n) {
            unsigned char c = (unsigned char)s[i++];
            char hex[5] = {'\\', 'x', HEXUP[c >> 4], HEXUP[c & 15], 0};
            sl_buf_add(b, hex, 4);
        }
    }
    sl_buf_reserve(b, 0);
}

void sl_buf_add_json_str(sl_buf *b, const char *s, size_t n)
{
    if (b->cap - b->len <= n + 2)
        sl_buf_reserve(b, n + 2);
    b->data[b->len++] = '"';
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
#ifdef __SSE2__
        /* skip 16 bytes at a time that need no escape (the last few
         * through a copy padded with spaces, which need none); control
         * bytes are found by an unsigned "< 0x20", a signed compare with
         * the sign bits flipped */
        while (i < n) {
            __m128i x;
            if (n - i >= 16) {
                x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            } else {
                char tail[16];
                memset(tail, ' ', sizeof tail);
                memcpy(tail, s + i, n - i);
                x = _mm_loadu_si128((const __m128i *)(const void *)tail);
            }
            __m128i flipped = _mm_xor_si128(x, _mm_set1_epi8((char)0x80));
            __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
                                                  _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
                                     _mm_cmplt_epi8(flipped, _mm_set1_epi8((char)(0x20 ^ 0x80))));
            /* and bytes >= 0x80 (their sign bit), whose UTF-8 is checked below */
            unsigned mask = (unsigned)(_mm_movemask_epi8(m) | _mm_movemask_epi8(x));
            if (mask) {
                i += (size_t)__builtin_ctz(mask);
                break;
            }
            i += 16;
        }
        if (i >= n)
            break;
#endif
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            size_t len = utf8_seq_len(s + i, n - i);
            if (len) {
                i += len - 1;
                continue;
            }
        } else if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }
        sl_buf_add(b, s + start, i - start);
        start = i + 1;
        if (c >= 0x80) {
            /* not UTF-8: JSON cannot hold the byte; shown as the text \xE9 */
            char hex[6] = {'\\', '\\', 'x', HEXUP[c >> 4], HEXUP[c & 15], 0};
            sl_buf_add(b, hex, 5);
            continue;
        }
        char esc[7] = {'\\', 0};
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            memcpy(esc, "\\u00", 4);
            esc[4] = hexdig[c >> 4];
            esc[5] = hexdig[c & 15];
            sl_buf_add(b, esc, 6);
            continue;
        }
        sl_buf_add(b, esc, 2);
    }
    sl_buf_add(b, s + start, n - start);
    sl_buf_addc(b, '"');
}

char *sl_buf_detach(sl_buf *b)
{
    char *p = b->data ? b->data : sl_strdup("");
    sl_buf_init(b);
    return p;
}

void sl_json_escape(char *out, size_t cap, const char *s)
{
    sl_buf b;
    sl_buf_init(&b);
    sl_buf_add_json_str(&b, s, strlen(s));
    size_t n = b.len - 2; /* without the quotes */
    if (n > cap - 1)
        n = cap - 1;
    memcpy(out, b.data + 1, n);
    out[n] = 0;
    sl_buf_release(&b);
}

int64_t sl_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct timespec sl_deadline_in(double seconds)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    time_t whole = (time_t)seconds;
    ts.tv_sec += whole;
    ts.tv_nsec += (long)((seconds - (double)whole) * 1e9);
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    return ts;
}

double sl_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sl_time_format_now(char *out, size_t cap)
{
    int64_t us = sl_now_us();
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(us % 1000000 / 1000));
}

int sl_edit_distance(const char *a, const char *b, int cap)
{
    /* optimal string alignment: Levenshtein plus adjacent transpositions,
     * so "rnu" is one edit from "run" */
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return cap + 1;
    int d[64][64];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb] > cap ? cap + 1 : d[la][lb];
}

size_t sl_utf8_valid_prefix(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        /* ASCII fast path: 8 bytes at a time */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ULL)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned cp;
        if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
        else return i;
        if (i + len > n)
            return i;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return i;
        i += len;
    }
    return n;
}

int64_t sl_parse_duration(const char *s)
{
    int64_t total = 0;
    if (!s || !*s)
        return -1;
    while (*s) {
        if (*s < '0' || *s > '9')
            return -1;
        int64_t v = 0;
        while (*s >= '0' && *s <= '9') {
            v = v * 10 + (*s - '0');
            if (v > (int64_t)1 << 40)
                return -1;
            s++;
        }
        switch (*s) {
        case 's': total += v; break;
        case 'm': total += v * 60; break;
        case 'h': total += v * 3600; break;
        case 'd': total += v * 86400; break;
        default: return -1;
        }
        s++;
    }
    return total;
}

void sl_buf_add_base64(sl_buf *b, const void *p, size_t n)
{
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)s[i + 1] << 8;
        if (i + 2 < n)
            v |= s[i + 2];
        sl_buf_addc(b, digits[(v >> 18) & 63]);
        sl_buf_addc(b, digits[(v >> 12) & 63]);
        sl_buf_addc(b, i + 1 < n ? digits[(v >> 6) & 63] : '=');
        sl_buf_addc(b, i + 2 < n ? digits[v & 63] : '=');
    }
}

static int base64_value(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

int sl_base64_decode(const char *s, size_t n, int strict, sl_buf *b)
{
    unsigned acc = 0;
    int bits = 0;
    size_t i = 0;
    for (; i < n && s[i] != '='; i++) {
        int v = base64_value((unsigned char)s[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            sl_buf_addc(b, (char)((acc >> bits) & 0xff));
        }
    }
    for (; i < n; i++)
        if (s[i] != '=')
            return -1;
    if (strict && (acc & ((1u << bits) - 1)))
        return -1;
    return 0;
}

int sl_mkdir_p(const char *dir)
{
    char *p = sl_strdup(dir);
    int rc = 0;
    for (char *s = p + 1; *s && rc == 0; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) < 0 && errno != EEXIST)
            rc = -1;
        *s = '/';
    }
    if (rc == 0 && mkdir(p, 0777) < 0 && errno != EEXIST)
        rc = -1;
    int e = errno;
    sl_free(p);
    errno = e;
    return rc;
}

int sl_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}
