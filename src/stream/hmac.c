/*
 * hmac.c: HMAC signatures of webhook requests (stream/webhook.h).
 *
 * The schemes providers document:
 *   GitHub   X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>
 *   Shopify  X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256 of the body>
 *   Stripe   Stripe-Signature: t=<unix s>,v1=<hex HMAC-SHA256 of "t.body">[,v1=...]
 *   generic  any header, hex or base64, an optional prefix, and optionally
 *            a timestamp header whose value is signed with the body
 *            ("timestamp.body") and must be within the tolerance of now.
 * The presented signature is decoded to bytes and compared with the
 * computed digest by CRYPTO_memcmp (constant time); a signature of the
 * wrong length fails before any comparison (its length is no secret).
 */
#include "core/mem.h"
#include "stream/webhook.h"
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

size_t sl_hmac(sl_hmac_alg alg, const void *key, size_t keylen, const void *data, size_t len, unsigned char *out)
{
    unsigned int n = 0;
    const EVP_MD *md = alg == SL_HMAC_SHA1 ? EVP_sha1() : EVP_sha256();
    if (!HMAC(md, key, (int)keylen, data, len, out, &n))
        return 0;
    return n;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode s[0..n) into out (cap bytes): the length, or -1 when not valid. */
static long decode_hex(const char *s, size_t n, unsigned char *out, size_t cap)
{
    if (n % 2 || n / 2 > cap)
        return -1;
    for (size_t i = 0; i < n; i += 2) {
        int h = hexval((unsigned char)s[i]), l = hexval((unsigned char)s[i + 1]);
        if (h < 0 || l < 0)
            return -1;
        out[i / 2] = (unsigned char)(h << 4 | l);
    }
    return (long)(n / 2);
}

/* Standard or URL-safe base64, padding optional, canonical only. */
static long decode_base64(const char *s, size_t n, unsigned char *out, size_t cap)
{
    sl_buf b;
    sl_buf_init(&b);
    long m = sl_base64_decode(s, n, 1, &b) == 0 && b.len <= cap ? (long)b.len : -1;
    if (m > 0)
        memcpy(out, b.data, b.len);
    sl_buf_release(&b);
    return m;
}

/* 1 when sig (text) is the digest of payload. */
static int matches(const sl_sig_config *c, const char *sig, size_t n, const unsigned char *want, size_t wantlen)
{
    unsigned char got[128];
    long m = c->format == SL_SIG_BASE64 ? decode_base64(sig, n, got, sizeof got) : decode_hex(sig, n, got, sizeof got);
    return m == (long)wantlen && CRYPTO_memcmp(got, want, wantlen) == 0;
}

/* A unix time in seconds (milliseconds when it has 13 digits or more). */
static int parse_time(const char *s, size_t n, int64_t *out)
{
    if (!n || n > 18)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = n >= 13 ? v / 1000 : v;
    return 0;
}

static size_t digest(const sl_sig_config *c, const char *ts, size_t tslen, const char *body, size_t len,
                     unsigned char *out)
{
    if (!ts)
        return sl_hmac(c->alg, c->secret, c->secret_len, body, len, out);
    char *msg = sl_malloc(tslen + 1 + len + 1);
    memcpy(msg, ts, tslen);
    msg[tslen] = '.';
    if (len)
        memcpy(msg + tslen + 1, body, len);
    size_t r = sl_hmac(c->alg, c->secret, c->secret_len, msg, tslen + 1 + len, out);
    sl_free(msg);
    return r;
}

static int stale(const sl_sig_config *c, int64_t ts, int64_t now_s)
{
    int64_t d = now_s > ts ? now_s - ts : ts - now_s;
    return c->tolerance_s > 0 && d > c->tolerance_s;
}

static int verify_stripe(const sl_sig_config *c, const char *h, const char *body, size_t len, int64_t now_s,
                         const char **why)
{
    const char *t = NULL;
    size_t tlen = 0;
    for (const char *p = h; *p;) { /* t=...,v1=...,v1=...,v0=... */
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n && (*p == ' ' || *p == '\t'))
            p++, n--;
        if (n > 2 && p[0] == 't' && p[1] == '=') {
            t = p + 2;
            tlen = n - 2;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    int64_t ts;
    if (!t || parse_time(t, tlen, &ts) < 0) {
        *why = "the signature header has no timestamp t=";
        return -1;
    }
    if (stale(c, ts, now_s)) {
        *why = "the signature's timestamp is outside the tolerance";
        return -1;
    }
    unsigned char want[EVP_MAX_MD_SIZE];
    size_t wantlen = digest(c, t, tlen, body, len, want);
    int ok = 0;
    for (const char *p = h; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n && (*p == ' ' || *p == '\t'))
            p++, n--;
        if (n > 3 && strncmp(p, "v1=", 3) == 0 && matches(c, p + 3, n - 3, want, wantlen))
            ok = 1;
        p += n;
        if (*p == ',')
            p++;
    }
    if (!ok)
        *why = "the signature does not match";
    return ok ? 0 : -1;
}

int sl_sig_verify(const sl_sig_config *c, const char *header, const char *body, size_t len, int64_t now_s,
                  const char **why)
{
    *why = "the signature does not match";
    if (!header || !*header) {
        *why = "the signature header is missing";
        return -1;
    }
    if (c->stripe)
        return verify_stripe(c, header, body, len, now_s, why);
    const char *ts = NULL;
    size_t tslen = 0;
    if (c->timestamp || c->sign_timestamp) {
        int64_t t;
        if (!c->timestamp || parse_time(c->timestamp, strlen(c->timestamp), &t) < 0) {
            *why = "the timestamp header is missing or not a unix time";
            return -1;
        }
        if (stale(c, t, now_s)) {
            *why = "the signature's timestamp is outside the tolerance";
            return -1;
        }
        if (c->sign_timestamp) {
            ts = c->timestamp;
            tslen = strlen(ts);
        }
    }
    size_t pl = strlen(c->prefix ? c->prefix : "");
    if (pl && strncasecmp(header, c->prefix, pl) != 0)
        return -1;
    const char *sig = header + pl;
    size_t n = strlen(sig);
    while (n && (sig[n - 1] == ' ' || sig[n - 1] == '\t'))
        n--;
    unsigned char want[EVP_MAX_MD_SIZE];
    size_t wantlen = digest(c, ts, tslen, body, len, want);
    return wantlen && matches(c, sig, n, want, wantlen) ? 0 : -1;
}
