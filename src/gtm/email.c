/*
 * email.c: e-mail address normalisation for normalize_email(),
 * canonical_email(), email_domain() and is_valid_email() (gtm.h).
 *
 * An address is valid when, after trimming white space, it is exactly one
 * RFC 5322 addr-spec with a dot-atom local part, by the same rules as the
 * `format: email` check (quality/formats.c), so is_valid_email(x) and
 * that check agree on trimmed values:
 *   local   atoms of RFC 5322 atext (letters, digits, !#$%&'*+-/=?^_`{|}~)
 *           or non-ASCII characters (RFC 6531), joined by single dots; at
 *           most 64 characters. Quoted local parts ("john doe"@x.com) are
 *           refused: they are legal but almost never real, and a quote or
 *           space inside is far more often a paste error.
 *   domain  at least two labels of letters, digits, non-ASCII characters
 *           and inner hyphens (1-63 characters each), the last at least 2
 *           characters and not all digits (so no IP literals).
 *   whole   at most 254 characters.
 * So display names (`Jane <j@x.com>`), `mailto:` (':' is not atext), two
 * addresses (`a@x.com, b@y.com`, `a@x.com;b@y.com`), spaces inside,
 * consecutive or leading/trailing dots, and a missing local part or
 * domain are all refused. normalize lower-cases the whole address
 * (Unicode simple lower case, text.c). canonical then removes a `+tag`
 * (from the first '+' that is not the first character of the local part,
 * with the dots right before it) for every domain, and for gmail.com and googlemail.com (one mailbox
 * provider that ignores dots) removes the dots and writes gmail.com.
 */
#include "gtm/gtm.h"
#include "gtm/text_int.h"
#include <string.h>

static int is_atext(unsigned char c)
{
    return c >= 0x21 && c <= 0x7E && !strchr("\"(),.:;<>@[\\]", c);
}

static int is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* 1 when s[0..n) is one addr-spec by the rules above; *at = the offset of
 * its '@'. Case-independent (lower-casing never changes validity). */
static int addr_spec(const unsigned char *s, size_t n, size_t *at)
{
    size_t i = 0, chars = 0;
    int need_atom = 1;
    /* the local part: atoms joined by single dots */
    for (; i < n && s[i] != '@'; chars++) {
        if (s[i] == '.') {
            if (need_atom)
                return 0;
            need_atom = 1;
            i++;
            continue;
        }
        int32_t c;
        size_t l = 1;
        if (s[i] >= 0x80) {
            l = sl_gtm_utf8_next(s, i, n, &c);
            if (!l)
                return 0;
        } else if (!is_atext(s[i])) {
            return 0;
        }
        need_atom = 0;
        i += l;
    }
    if (i == n || chars == 0 || need_atom || chars > 64)
        return 0;
    *at = i++;
    size_t total = chars + 1;
    /* the domain: labels joined by dots */
    int labels = 0;
    while (1) {
        size_t lchars = 0, start = i;
        int digits_only = 1;
        unsigned char prev = 0;
        while (i < n && s[i] != '.') {
            size_t l = 1;
            int32_t c;
            if (s[i] >= 0x80) {
                l = sl_gtm_utf8_next(s, i, n, &c);
                if (!l)
                    return 0;
                digits_only = 0;
            } else if (s[i] == '-') {
                if (i == start)
                    return 0;
                digits_only = 0;
            } else if (is_alnum(s[i])) {
                if (s[i] > '9')
                    digits_only = 0;
            } else {
                return 0; /* a second '@', a space, a '>', ... */
            }
            prev = s[i];
            i += l;
            lchars++;
        }
        if (lchars == 0 || lchars > 63 || prev == '-')
            return 0;
        labels++;
        total += lchars;
        if (i == n)
            return labels >= 2 && lchars >= 2 && !digits_only && total <= 254;
        i++;
        total++;
    }
}

int sl_gtm_email_valid(const char *s, size_t n)
{
    size_t at;
    s = sl_gtm_trim(s, &n);
    return addr_spec((const unsigned char *)s, n, &at);
}

/* normalize into out; *at = the offset of the '@' in out. */
static int normalize(const char *s, size_t n, sl_buf *out, size_t *at)
{
    s = sl_gtm_trim(s, &n);
    if (!addr_spec((const unsigned char *)s, n, at))
        return 0;
    if (!sl_gtm_text_lower(s, n, out))
        return 0;
    /* lower-casing may change byte lengths (not character counts): find '@' again */
    const char *a = memchr(out->data, '@', out->len);
    *at = (size_t)(a - out->data);
    return 1;
}

int sl_gtm_email_normalize(const char *s, size_t n, sl_buf *out)
{
    size_t at;
    return normalize(s, n, out, &at);
}

int sl_gtm_email_canonical(const char *s, size_t n, sl_buf *out)
{
    size_t at;
    if (!normalize(s, n, out, &at))
        return 0;
    char *d = out->data;
    const char *dom = d + at + 1;
    size_t dn = out->len - at - 1;
    int gmail = (dn == 9 && memcmp(dom, "gmail.com", 9) == 0) || (dn == 14 && memcmp(dom, "googlemail.com", 14) == 0);
    size_t w = 0;
    int tag = 0;
    for (size_t r = 0; r < at; r++) {
        if (d[r] == '+' && r > 0)
            tag = 1;
        if (!tag && !(gmail && d[r] == '.'))
            d[w++] = d[r];
    }
    while (w > 0 && d[w - 1] == '.')
        w--; /* "ann.+x": the dot before the tag goes with it (a local part never ends in a dot) */
    if (w == 0)
        return 0;
    d[w++] = '@';
    if (gmail) {
        memcpy(d + w, "gmail.com", 9);
        w += 9;
    } else {
        memmove(d + w, dom, dn);
        w += dn;
    }
    out->len = w;
    d[w] = 0;
    return 1;
}

int sl_gtm_email_domain(const char *s, size_t n, sl_buf *out)
{
    size_t at;
    if (!normalize(s, n, out, &at))
        return 0;
    size_t dn = out->len - at - 1;
    memmove(out->data, out->data + at + 1, dn);
    out->len = dn;
    out->data[dn] = 0;
    return 1;
}
