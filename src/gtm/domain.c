/*
 * domain.c: url_host() and registered_domain() (gtm.h) for matching
 * accounts by web domain.
 *
 * host: the host of
 *   - a URL: "HTTPS://user@Shop.Example.co.uk:8443/x?y#z" ->
 *     "shop.example.co.uk" (any scheme://, or a //host without one);
 *   - a bare host with or without a path: "www.example.com/pricing";
 *   - an e-mail address (the part after the last '@'): "jane@Acme.io".
 * It is lower-cased (Unicode; IDN labels stay in UTF-8, punycode stays
 * punycode), without port or trailing dot; "www." is kept (it is part of
 * the host; registered_domain removes it with the rest). An IPv6 literal
 * gives its address without brackets. 0 when the host is empty or has
 * characters a host cannot have (spaces, '_', a port that is not digits).
 *
 * registered: the registrable domain (eTLD+1) of that host by the Public
 * Suffix List (libpsl, reading Debian's publicsuffix package, the newest
 * of it and libpsl's built-in copy; loaded once), private rules included
 * (so "foo.github.io" is its own domain, like "example.co.uk"). 0 for a
 * public suffix itself ("co.uk"), a host of one label ("localhost"), an
 * IP address, or a last label of digits.
 */
#include "gtm/gtm.h"
#include "gtm/text_int.h"
#include <libpsl.h>
#include <pthread.h>
#include <string.h>

static const psl_ctx_t *psl;
static pthread_once_t psl_once = PTHREAD_ONCE_INIT;

static void psl_load(void)
{
    psl = psl_latest(NULL);
    if (!psl)
        psl = psl_builtin();
}

static int is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Labels of letters, digits, non-ASCII characters and inner hyphens
 * (1-63 bytes each), at most 253 bytes in all (UTF-8 already checked). */
static int valid_host(const unsigned char *h, size_t n)
{
    if (n == 0 || n > 253)
        return 0;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || h[i] == '.') {
            size_t l = i - start;
            if (l == 0 || l > 63 || h[start] == '-' || h[i - 1] == '-')
                return 0;
            start = i + 1;
        } else if (!(h[i] >= 0x80 || is_alpha(h[i]) || is_digit(h[i]) || h[i] == '-')) {
            return 0;
        }
    }
    return 1;
}

int sl_gtm_domain_host(const char *s, size_t n, sl_buf *out)
{
    s = sl_gtm_trim(s, &n);
    if (!sl_gtm_utf8_valid(s, n))
        return 0;
    const char *e = s + n, *p = s;
    /* a scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) "://" */
    const char *q = s;
    if (q < e && is_alpha((unsigned char)*q)) {
        while (q < e && (is_alpha((unsigned char)*q) || is_digit((unsigned char)*q) || strchr("+-.", *q)))
            q++;
        if (e - q >= 3 && memcmp(q, "://", 3) == 0)
            p = q + 3;
    }
    if (p == s && e - s >= 2 && memcmp(s, "//", 2) == 0)
        p = s + 2;
    /* the authority: up to a path, query or fragment */
    const char *a = p;
    while (a < e && !strchr("/?#\\", *a))
        a++;
    /* after the last '@': a URL's user info, or an e-mail's local part */
    for (const char *r = a; r > p; r--)
        if (r[-1] == '@') {
            p = r;
            break;
        }
    const char *h = p, *he = a;
    if (h < he && *h == '[') { /* [IPv6]:port */
        const char *close = memchr(h, ']', (size_t)(he - h));
        if (!close)
            return 0;
        for (const char *r = h + 1; r < close; r++)
            if (!(is_digit((unsigned char)*r) || strchr("abcdefABCDEF:.", *r)))
                return 0;
        const char *port = close + 1;
        if (port < he && *port != ':')
            return 0;
        for (const char *r = port + (port < he); r < he; r++)
            if (!is_digit((unsigned char)*r))
                return 0;
        if (close - h < 3)
            return 0;
        return sl_gtm_text_lower(h + 1, (size_t)(close - h - 1), out);
    }
    const char *colon = memchr(h, ':', (size_t)(he - h));
    if (colon) {
        for (const char *r = colon + 1; r < he; r++)
            if (!is_digit((unsigned char)*r))
                return 0;
        he = colon;
    }
    if (he > h && he[-1] == '.')
        he--;
    if (!sl_gtm_text_lower(h, (size_t)(he - h), out))
        return 0;
    return valid_host((const unsigned char *)out->data, out->len);
}

int sl_gtm_domain_registered(const char *s, size_t n, sl_buf *out)
{
    if (!sl_gtm_domain_host(s, n, out))
        return 0;
    const char *last = strrchr(out->data, '.');
    if (!last || strchr(out->data, ':'))
        return 0; /* one label, or IPv6 */
    int digits = 1;
    for (const char *r = last + 1; *r; r++)
        digits &= is_digit((unsigned char)*r);
    if (digits)
        return 0; /* an IPv4 address */
    pthread_once(&psl_once, psl_load);
    if (!psl)
        return 0;
    const char *reg = psl_registrable_domain(psl, out->data);
    if (!reg)
        return 0;
    size_t rn = strlen(reg);
    memmove(out->data, reg, rn);
    out->len = rn;
    out->data[rn] = 0;
    return 1;
}
