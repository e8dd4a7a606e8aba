/*
 * formats.c: sl_format_valid, the one definition of the `format` check's
 * formats in C (SQLite's sl_format_valid() function and pipelines), and
 * the lists of ISO codes PostgreSQL's SQL for the same check is written
 * from (check_sql.c writes regular expressions that accept exactly what
 * these functions accept; tests/pipeline/test_checks_sql_pg.c compares).
 *
 *   email         one addr-spec local@domain, no display name, no quoted
 *                 local part: local = atoms of RFC 5322 atext or non-ASCII
 *                 (RFC 6531) characters joined by single dots, at most 64
 *                 characters; domain = at least two labels of letters,
 *                 digits, non-ASCII characters and inner hyphens (1-63
 *                 characters each), the last at least 2 characters and not
 *                 all digits; at most 254 characters in all
 *   e164          + then 8 to 15 digits, the first not 0
 *   iso_country   an ISO 3166-1 alpha-2 code (upper case), from iso-codes
 *   iso_currency  an ISO 4217 alpha-3 code (upper case), from iso-codes
 *   url           http:// or https:// (any case), a host (labels as above,
 *                 or [IPv6]), an optional :port (1-5 digits), then nothing
 *                 or a path, query or fragment without spaces or controls
 *   uuid          8-4-4-4-12 hexadecimal digits (any case)
 *   date          YYYY-MM-DD, a real calendar date (year 0001-9999)
 *
 * The ISO lists are read once (pthread_once) from
 * /usr/share/iso-codes/json (SLUICE_ISO_CODES_DIR overrides, for tests);
 * when they cannot be read the check errors out naming the file, never
 * passes silently.
 */
#include "quality/check_int.h"
#include "core/mem.h"
#include "formats/json.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- ISO code lists -------------------------------------------------------- */

typedef struct code_list {
    char **v;
    size_t n;
    char err[512]; /* why it could not be read, or "" */
} code_list;

static code_list countries, currencies;
static pthread_once_t iso_once = PTHREAD_ONCE_INIT;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read the codes of field `field` of the objects in top[key] of file. */
static void load_codes(code_list *l, const char *dir, const char *file, const char *key, const char *field)
{
    char *path = sl_printf("%s/%s", dir, file);
    FILE *f = fopen(path, "rb");
    sl_buf text;
    sl_buf_init(&text);
    if (!f) {
        snprintf(l->err, sizeof l->err, "cannot read %s (install the iso-codes package)", path);
        sl_free(path);
        return;
    }
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        sl_buf_add(&text, chunk, got);
    fclose(f);
    sl_json j;
    sl_json_init(&j, text.data ? text.data : "", text.len);
    sl_buf k, s;
    sl_buf_init(&k);
    sl_buf_init(&s);
    int first = 1, rc;
    int ok = sl_json_peek(&j) == SL_JSON_OBJECT && sl_json_object_begin(&j) == 0;
    while (ok && (rc = sl_json_member(&j, &first, &k)) == 1) {
        if (strcmp(k.data, key) != 0 || sl_json_peek(&j) != SL_JSON_ARRAY) {
            ok = sl_json_skip(&j) == 0;
            continue;
        }
        int efirst = 1;
        ok = sl_json_array_begin(&j) == 0;
        while (ok && (rc = sl_json_element(&j, &efirst)) == 1) {
            int ofirst = 1;
            if (sl_json_peek(&j) != SL_JSON_OBJECT || sl_json_object_begin(&j) < 0) {
                ok = 0;
                break;
            }
            while ((rc = sl_json_member(&j, &ofirst, &k)) == 1) {
                if (strcmp(k.data, field) == 0 && sl_json_peek(&j) == SL_JSON_STRING) {
                    if (sl_json_string(&j, &s) < 0) {
                        ok = 0;
                        break;
                    }
                    l->v = sl_realloc(l->v, (l->n + 1) * sizeof *l->v);
                    l->v[l->n++] = sl_strdup(s.data);
                } else if (sl_json_skip(&j) < 0) {
                    ok = 0;
                    break;
                }
            }
            if (rc < 0)
                ok = 0;
        }
        if (rc < 0)
            ok = 0;
    }
    if (!ok || l->n == 0) {
        char where[160];
        sl_json_error_text(&j, where, sizeof where);
        snprintf(l->err, sizeof l->err, "cannot read the codes of %s (%s)", path, ok ? "no codes in it" : where);
    } else {
        qsort(l->v, l->n, sizeof *l->v, cmp_str);
    }
    sl_buf_release(&k);
    sl_buf_release(&s);
    sl_buf_release(&text);
    sl_free(path);
}

static void iso_load(void)
{
    const char *dir = getenv("SLUICE_ISO_CODES_DIR");
    if (!dir || !*dir)
        dir = "/usr/share/iso-codes/json";
    load_codes(&countries, dir, "iso_3166-1.json", "3166-1", "alpha_2");
    load_codes(&currencies, dir, "iso_4217.json", "4217", "alpha_3");
}

int sl_format_codes(const char *format, const char *const **codes, size_t *n, char *msg, size_t cap)
{
    pthread_once(&iso_once, iso_load);
    const code_list *l = strcmp(format, "iso_country") == 0 ? &countries : strcmp(format, "iso_currency") == 0 ? &currencies : NULL;
    if (!l) {
        snprintf(msg, cap, "format %s has no code list", format);
        return -1;
    }
    if (l->err[0]) {
        snprintf(msg, cap, "format %s: %s", format, l->err);
        return -1;
    }
    *codes = (const char *const *)l->v;
    *n = l->n;
    return 0;
}

/* ---- the formats -------------------------------------------------------------- */

/* Decode one UTF-8 character at s[i] (< n): its length, 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t i, size_t n)
{
    size_t got = sl_utf8_valid_prefix((const char *)s + i, n - i < 4 ? n - i : 4);
    if (got == 0)
        return 0;
    unsigned char c = s[i];
    size_t want = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    return got >= want ? want : 0;
}

static int is_atext(unsigned char c)
{
    return c >= 0x21 && c <= 0x7E && !strchr("\"(),.:;<>@[\\]", c);
}

static int is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A domain or host: labels of letters, digits, non-ASCII characters and
 * inner hyphens (1..63 characters), at least min_labels of them; the last
 * of an e-mail domain at least 2 characters and not all digits. p[0..n). */
static int valid_domain(const unsigned char *p, size_t n, int min_labels, int email)
{
    size_t i = 0;
    int labels = 0;
    while (1) {
        size_t chars = 0, start = i;
        int digits_only = 1;
        unsigned char prev = 0;
        while (i < n && p[i] != '.') {
            size_t l = 1;
            if (p[i] >= 0x80) {
                l = utf8_len(p, i, n);
                if (!l)
                    return 0;
                digits_only = 0;
            } else if (p[i] == '-') {
                if (i == start)
                    return 0;
                digits_only = 0;
            } else if (is_alnum(p[i])) {
                if (!(p[i] >= '0' && p[i] <= '9'))
                    digits_only = 0;
            } else {
                return 0;
            }
            prev = p[i];
            i += l;
            chars++;
        }
        if (chars == 0 || chars > 63 || prev == '-')
            return 0;
        labels++;
        if (i == n) {
            if (email && (chars < 2 || digits_only))
                return 0;
            return labels >= min_labels;
        }
        i++; /* the dot */
    }
}

static int valid_email(const unsigned char *s, size_t n)
{
    const unsigned char *at = memchr(s, '@', n);
    if (!at)
        return 0;
    size_t ln = (size_t)(at - s);
    /* the local part: atoms joined by single dots, <= 64 characters */
    size_t chars = 0, total = 0;
    int need_atom = 1;
    for (size_t i = 0; i < ln;) {
        if (s[i] == '.') {
            if (need_atom)
                return 0;
            need_atom = 1;
            i++;
            chars++;
            continue;
        }
        size_t l = 1;
        if (s[i] >= 0x80) {
            l = utf8_len(s, i, ln);
            if (!l)
                return 0;
        } else if (!is_atext(s[i])) {
            return 0;
        }
        need_atom = 0;
        i += l;
        chars++;
    }
    if (chars == 0 || need_atom || chars > 64)
        return 0;
    total = chars + 1;
    const unsigned char *d = at + 1;
    size_t dn = n - ln - 1;
    for (size_t i = 0; i < dn;) {
        size_t l = d[i] >= 0x80 ? utf8_len(d, i, dn) : 1;
        if (!l)
            return 0;
        i += l;
        total++;
    }
    return total <= 254 && valid_domain(d, dn, 2, 1);
}

static int valid_e164(const unsigned char *s, size_t n)
{
    if (n < 9 || n > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9')
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int valid_uuid(const unsigned char *s, size_t n)
{
    if (n != 36)
        return 0;
    for (size_t i = 0; i < 36; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_hex(s[i]))
            return 0;
    }
    return 1;
}

static int valid_date(const unsigned char *s, size_t n)
{
    if (n != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    int v[8], k = 0;
    for (size_t i = 0; i < 10; i++) {
        if (i == 4 || i == 7)
            continue;
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v[k++] = s[i] - '0';
    }
    int y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3], m = v[4] * 10 + v[5], d = v[6] * 10 + v[7];
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return 0;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
}

static int valid_url(const unsigned char *s, size_t n)
{
    size_t i;
    if (n >= 7 && strncasecmp((const char *)s, "http://", 7) == 0)
        i = 7;
    else if (n >= 8 && strncasecmp((const char *)s, "https://", 8) == 0)
        i = 8;
    else
        return 0;
    size_t hs = i;
    if (i < n && s[i] == '[') {
        i++;
        size_t a = i;
        while (i < n && (is_hex(s[i]) || s[i] == ':' || s[i] == '.'))
            i++;
        if (i == a || i >= n || s[i] != ']')
            return 0;
        i++;
    } else {
        while (i < n && s[i] != ':' && s[i] != '/' && s[i] != '?' && s[i] != '#')
            i++;
        if (!valid_domain(s + hs, i - hs, 1, 0))
            return 0;
    }
    if (i < n && s[i] == ':') {
        size_t a = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == a || i - a > 5)
            return 0;
    }
    if (i == n)
        return 1;
    if (s[i] != '/' && s[i] != '?' && s[i] != '#')
        return 0;
    for (; i < n; i++) {
        if (s[i] <= 0x20 || s[i] == 0x7F)
            return 0;
        if (s[i] >= 0x80) {
            size_t l = utf8_len(s, i, n);
            if (!l)
                return 0;
            i += l - 1;
        }
    }
    return 1;
}

static int in_codes(const char *format, const unsigned char *s, size_t n, size_t want, char *msg, size_t cap)
{
    const char *const *codes;
    size_t nc;
    if (sl_format_codes(format, &codes, &nc, msg, cap) < 0)
        return -1;
    if (n != want)
        return 0;
    char key[4];
    memcpy(key, s, n);
    key[n] = 0;
    const char *kp = key;
    return bsearch(&kp, codes, nc, sizeof *codes, cmp_str) != NULL;
}

int sl_format_check(const char *format, const char *value, size_t len, char *msg, size_t cap)
{
    const unsigned char *s = (const unsigned char *)value;
    if (msg && cap)
        msg[0] = 0;
    char scratch[1];
    if (!msg) {
        msg = scratch;
        cap = sizeof scratch;
    }
    if (!format) {
        snprintf(msg, cap, "no format given");
        return -1;
    }
    if (strcmp(format, "email") == 0)
        return valid_email(s, len);
    if (strcmp(format, "e164") == 0)
        return valid_e164(s, len);
    if (strcmp(format, "uuid") == 0)
        return valid_uuid(s, len);
    if (strcmp(format, "date") == 0)
        return valid_date(s, len);
    if (strcmp(format, "url") == 0)
        return valid_url(s, len);
    if (strcmp(format, "iso_country") == 0)
        return in_codes(format, s, len, 2, msg, cap);
    if (strcmp(format, "iso_currency") == 0)
        return in_codes(format, s, len, 3, msg, cap);
    snprintf(msg, cap, "unknown format '%s' (email, e164, iso_country, iso_currency, url, uuid, date)", format);
    return -1;
}

int sl_format_valid(const char *format, const char *value, size_t len)
{
    return sl_format_check(format, value, len, NULL, 0);
}
