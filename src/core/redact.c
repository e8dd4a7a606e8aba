/* redact.c: see redact.h. The matcher walks a secret byte by byte and, at
 * each byte, tries every encoding of it at the current text position
 * (backtracking where two encodings start alike, e.g. '%' raw and "%25"),
 * so mixed encodings need no list of precomputed forms. */
#include "core/redact.h"
#include "core/mem.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct secret {
    unsigned char *v;
    size_t n;
} secret;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static secret *secrets; /* longest first: a secret inside another loses */
static size_t nsecrets, capsecrets;
static unsigned char starts[256]; /* bytes an encoded secret can start with */

void sl_redact_add(const char *value)
{
    if (!value)
        return;
    size_t n = strlen(value);
    if (n < SL_REDACT_MIN)
        return;
    pthread_mutex_lock(&lock);
    size_t at = nsecrets;
    for (size_t i = 0; i < nsecrets; i++) {
        if (secrets[i].n == n && memcmp(secrets[i].v, value, n) == 0) {
            pthread_mutex_unlock(&lock);
            return;
        }
        if (at == nsecrets && secrets[i].n < n)
            at = i;
    }
    SL_GROW(secrets, capsecrets, nsecrets + 1);
    memmove(secrets + at + 1, secrets + at, (nsecrets - at) * sizeof *secrets);
    secrets[at].v = (unsigned char *)sl_strdup(value);
    secrets[at].n = n;
    nsecrets++;
    unsigned char b = (unsigned char)value[0];
    starts[b] = starts['%'] = starts['\\'] = starts['&'] = 1;
    if (b == ' ')
        starts['+'] = 1;
    if (b >= 0x80)
        starts[0xC0 | (b >> 6)] = 1;
    pthread_mutex_unlock(&lock);
}

size_t sl_redact_count(void)
{
    pthread_mutex_lock(&lock);
    size_t n = nsecrets;
    pthread_mutex_unlock(&lock);
    return n;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The value of 4 hex digits at t, or -1. */
static long hex4(const unsigned char *t)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(t[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* The code point of the UTF-8 character at s (n bytes left), its length in
 * *len; -1 when s does not start a valid character. */
static long utf8_at(const unsigned char *s, size_t n, size_t *len)
{
    unsigned char b = s[0];
    size_t k = b >= 0xF0 && b < 0xF5 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 && b < 0xE0 ? 2 : 0;
    if (!k || k > n)
        return -1;
    long cp = b & (0x7F >> k);
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return -1;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    *len = k;
    return cp;
}

enum { M_NO = -1, M_PARTIAL = -2 };

typedef struct alt {
    size_t tlen, slen; /* text consumed, secret consumed */
} alt;

/* The encodings of secret byte s[0] (n bytes of secret left) that text t
 * (tn bytes) starts with, into out (at most 8). *partial is set when t
 * ends before an encoding whose start it matches could be decided. */
static int alternatives(const unsigned char *s, size_t n, const unsigned char *t, size_t tn, alt out[8],
                        int *partial)
{
    unsigned char b = s[0];
    int k = 0;
    if (t[0] == b)
        out[k++] = (alt){1, 1};
    if (b == ' ' && t[0] == '+')
        out[k++] = (alt){1, 1};
    if (t[0] == '%') {
        if (tn < 3)
            *partial = 1;
        else if (hexval(t[1]) >= 0 && hexval(t[2]) >= 0 && hexval(t[1]) * 16 + hexval(t[2]) == b)
            out[k++] = (alt){3, 1};
    }
    if (t[0] == '\\') {
        /* one backslash, or a run of them: JSON text inside JSON text
         * (a record kept as a string in a record) escapes each escape again:
         * \u00e9 becomes \\u00e9, \" becomes \\\" */
        static const char esc[] = "\"\"\\\\//n\nt\tr\rb\bf\f";
        size_t r = 0;
        while (r < tn && r < 16 && t[r] == '\\')
            r++;
        const unsigned char *e = t + r;
        size_t en = tn - r;
        if (b == '\\') {
            /* a backslash of the secret: "\\" in JSON, "\\\\" in JSON
             * inside JSON (the run above would take it for an escape's
             * prefix) */
            if (r >= 2)
                out[k++] = (alt){2, 1};
            if (r >= 4)
                out[k++] = (alt){4, 1};
        }
        if (en == 0) {
            *partial = 1;
        } else if (e[0] == 'u') {
            long v = en >= 5 ? hex4(e + 1) : -1;
            if (en < 5)
                *partial = 1;
            else if (v == b)
                out[k++] = (alt){r + 5, 1}; /* a byte as a code point: ASCII, or Latin-1 misread UTF-8 */
            size_t len = 0;
            long cp = b >= 0x80 && v >= 0 ? utf8_at(s, n, &len) : -1;
            if (cp >= 0 && cp <= 0xFFFF && v == cp) {
                out[k++] = (alt){r + 5, len};
            } else if (cp > 0xFFFF && v == 0xD800 + ((cp - 0x10000) >> 10)) {
                size_t lo = 5 + r; /* the low surrogate's 'u' */
                int same_run = 1;
                for (size_t i = 5; i < lo && i < en; i++)
                    same_run &= e[i] == '\\';
                if (en < lo + 5 && same_run)
                    *partial = 1;
                else if (same_run && en >= lo + 5 && e[lo] == 'u' && hex4(e + lo + 1) == 0xDC00 + ((cp - 0x10000) & 0x3FF))
                    out[k++] = (alt){r + lo + 5, len};
            }
        } else {
            for (const char *x = esc; *x; x += 2)
                if (e[0] == (unsigned char)x[0] && b == (unsigned char)x[1])
                    out[k++] = (alt){r + 1, 1};
        }
    }
    if (b >= 0x80 && t[0] == (0xC0 | (b >> 6))) {
        if (tn < 2)
            *partial = 1;
        else if (t[1] == (0x80 | (b & 0x3F)))
            out[k++] = (alt){2, 1};
    }
    if (t[0] == '&') {
        static const struct {
            const char *ent;
            unsigned char c;
        } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}, {"&#x27;", '\''}};
        for (size_t i = 0; i < sizeof ents / sizeof ents[0]; i++) {
            size_t el = strlen(ents[i].ent);
            if (b != ents[i].c)
                continue;
            if (tn < el && memcmp(t, ents[i].ent, tn) == 0)
                *partial = 1;
            else if (tn >= el && memcmp(t, ents[i].ent, el) == 0)
                out[k++] = (alt){el, 1};
        }
    }
    return k;
}

/* Text consumed by a whole match of s[0..n) at t, M_NO, or M_PARTIAL when
 * t ends first (final: the text ends there, so no match). */
static long match(const unsigned char *s, size_t n, const unsigned char *t, size_t tn, int final, long *budget)
{
    if (n == 0)
        return 0;
    if (tn == 0)
        return final ? M_NO : M_PARTIAL;
    if (--*budget < 0)
        return M_NO;
    alt a[8];
    int partial = 0;
    int k = alternatives(s, n, t, tn, a, &partial);
    /* the longest encoding first: "%25" is a '%', not '%' and then "25" */
    for (int i = 1; i < k; i++)
        for (int j = i; j > 0 && a[j].tlen > a[j - 1].tlen; j--) {
            alt x = a[j];
            a[j] = a[j - 1];
            a[j - 1] = x;
        }
    for (int i = 0; i < k; i++) {
        long r = match(s + a[i].slen, n - a[i].slen, t + a[i].tlen, tn - a[i].tlen, final, budget);
        if (r >= 0)
            return (long)a[i].tlen + r;
        if (r == M_PARTIAL)
            partial = 1;
    }
    return partial && !final ? M_PARTIAL : M_NO;
}

/* At t: the length of the longest-registered secret's match (> 0), M_NO,
 * or M_PARTIAL (more text could still make one). Caller holds the lock. */
static long match_any(const unsigned char *t, size_t tn, int final)
{
    if (!starts[t[0]])
        return M_NO;
    for (size_t i = 0; i < nsecrets; i++) {
        long budget = 64 * (long)secrets[i].n + 256;
        long r = match(secrets[i].v, secrets[i].n, t, tn, final, &budget);
        if (r > 0 || r == M_PARTIAL)
            return r;
    }
    return M_NO;
}

/* Redact buf[0..len) in place up to where the text may still hold the
 * start of a secret (not final); *held is that point's offset in the
 * original text. Returns the redacted length of buf[0..*held). */
static size_t redact_prefix(char *buf, size_t len, int final, size_t *held)
{
    const unsigned char *t = (const unsigned char *)buf;
    size_t r = 0, w = 0;
    while (r < len) {
        long m = nsecrets ? match_any(t + r, len - r, final) : M_NO;
        if (m == M_PARTIAL)
            break;
        if (m > 0) {
            memcpy(buf + w, "***", 3);
            w += 3;
            r += (size_t)m;
        } else {
            buf[w++] = buf[r++];
        }
    }
    *held = r;
    return w;
}

size_t sl_redact_span(char *buf, size_t len)
{
    size_t held;
    pthread_mutex_lock(&lock);
    size_t n = nsecrets ? redact_prefix(buf, len, 1, &held) : len;
    pthread_mutex_unlock(&lock);
    return n;
}

void sl_redact_str(char *s)
{
    if (!s)
        return;
    size_t n = sl_redact_span(s, strlen(s));
    s[n] = 0;
}

char *sl_redact_dup(const char *s, size_t len)
{
    char *c = sl_malloc(len + 1);
    memcpy(c, s, len);
    c[sl_redact_span(c, len)] = 0;
    return c;
}

char *sl_redact_cut(char *out, size_t outlen, const char *s, size_t len)
{
    if (!outlen)
        return out;
    pthread_mutex_lock(&lock);
    size_t longest = nsecrets ? secrets[0].n : 0;
    pthread_mutex_unlock(&lock);
    /* an encoded byte takes at most 6 bytes (\u00XX): a secret starting
     * before the cut ends within this window */
    size_t window = outlen + 6 * longest;
    char *c = sl_redact_dup(s, len < window ? len : window);
    snprintf(out, outlen, "%s", c);
    sl_free(c);
    return out;
}

/* ---- streams ---------------------------------------------------------------- */

struct sl_redact_stream {
    int fd;
    char *pend; /* text taken but not yet written */
    size_t len, cap;
};

sl_redact_stream *sl_redact_stream_new(int fd)
{
    sl_redact_stream *s = sl_calloc(1, sizeof *s);
    s->fd = fd;
    return s;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Redact and write what is decided; keep the undecided tail. */
static int stream_drain(sl_redact_stream *s, int final)
{
    size_t held = s->len;
    pthread_mutex_lock(&lock);
    size_t out = nsecrets ? redact_prefix(s->pend, s->len, final, &held) : s->len;
    pthread_mutex_unlock(&lock);
    int rc = write_all(s->fd, s->pend, out);
    memmove(s->pend, s->pend + held, s->len - held);
    s->len -= held;
    return rc;
}

int sl_redact_stream_write(sl_redact_stream *s, const char *buf, size_t len)
{
    SL_GROW(s->pend, s->cap, s->len + len);
    memcpy(s->pend + s->len, buf, len);
    s->len += len;
    return stream_drain(s, 0);
}

int sl_redact_stream_flush(sl_redact_stream *s)
{
    return s->len ? stream_drain(s, 1) : 0;
}

void sl_redact_stream_free(sl_redact_stream *s)
{
    if (!s)
        return;
    sl_redact_stream_flush(s);
    sl_free(s->pend);
    sl_free(s);
}

/* ---- stdout and stderr -------------------------------------------------------- */

static sl_redact_stream *std_streams[2];

static ssize_t cookie_write(void *c, const char *buf, size_t size)
{
    if (sl_redact_stream_write(c, buf, size) < 0)
        return -1;
    return (ssize_t)size;
}

static int cookie_close(void *c)
{
    return sl_redact_stream_flush(c);
}

static void std_flush_at_exit(void)
{
    fflush(stdout);
    fflush(stderr);
    for (int i = 0; i < 2; i++)
        if (std_streams[i])
            sl_redact_stream_flush(std_streams[i]);
}

void sl_redact_stdio(void)
{
    if (std_streams[0])
        return;
    cookie_io_functions_t io = {.read = NULL, .write = cookie_write, .seek = NULL, .close = cookie_close};
    fflush(stdout);
    fflush(stderr);
    for (int i = 0; i < 2; i++) {
        int fd = i + 1;
        sl_redact_stream *s = sl_redact_stream_new(fd);
        FILE *f = fopencookie(s, "w", io);
        if (!f) {
            sl_redact_stream_free(s);
            return;
        }
        if (fd == 2)
            setvbuf(f, NULL, _IONBF, 0);
        else
            setvbuf(f, NULL, isatty(fd) ? _IOLBF : _IOFBF, 0);
        std_streams[i] = s;
        if (fd == 1)
            stdout = f;
        else
            stderr = f;
    }
    atexit(std_flush_at_exit);
}
