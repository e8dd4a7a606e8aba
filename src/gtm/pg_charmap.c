/*
 * pg_charmap.c: the Unicode maps behind sluice.lower/upper/casefold/
 * unaccent on PostgreSQL (gtm/pg_install.h), generated from gtm.h's own
 * functions one code point at a time, so PostgreSQL folds exactly as the
 * C side does for every character (whatever the database's locale).
 */
#include "gtm/pg_install.h"
#include "core/mem.h"
#include "gtm/text_int.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

static size_t utf8_put(uint32_t cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The number of code points in s[0..n) (valid UTF-8). */
static size_t utf8_count(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

void sl_gtm_pg_charmap(int (*fn)(const char *s, size_t n, sl_buf *out), sl_gtm_charmap *m)
{
    sl_buf *all[] = {&m->ascii_from, &m->ascii_to, &m->from, &m->to, &m->cls, &m->json};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        sl_buf_init(all[i]);
    sl_buf del, adel, out;
    sl_buf_init(&del);
    sl_buf_init(&adel);
    sl_buf_init(&out);
    sl_buf_addc(&m->json, '{');
    int first = 1;
    for (uint32_t cp = 1; cp < 0x30000; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        char c[4];
        size_t cn = utf8_put(cp, c);
        sl_buf_reset(&out);
        if (!fn(c, cn, &out) || (out.len == cn && memcmp(out.data, c, cn) == 0))
            continue;
        size_t k = utf8_count(out.data, out.len);
        if (cp < 0x80 && k == 1) {
            sl_buf_add(&m->ascii_from, c, cn);
            sl_buf_add(&m->ascii_to, out.data, out.len);
        } else if (cp < 0x80 && k == 0) {
            sl_buf_add(&adel, c, cn);
        }
        if (k == 1) {
            sl_buf_add(&m->from, c, cn);
            sl_buf_add(&m->to, out.data, out.len);
        } else if (k == 0) {
            sl_buf_add(&del, c, cn);
        } else {
            sl_buf_addf(&m->cls, "\\U%08X", (unsigned)cp);
        }
        if (!first)
            sl_buf_addc(&m->json, ',');
        first = 0;
        sl_buf_add_json_str(&m->json, c, cn);
        sl_buf_addc(&m->json, ':');
        sl_buf_add_json_str(&m->json, out.data, out.len);
    }
    sl_buf_addc(&m->json, '}');
    sl_buf_add(&m->from, del.data ? del.data : "", del.len);
    sl_buf_add(&m->ascii_from, adel.data ? adel.data : "", adel.len);
    if (m->cls.len) {
        sl_buf cls;
        sl_buf_init(&cls);
        sl_buf_addc(&cls, '[');
        sl_buf_add(&cls, m->cls.data, m->cls.len);
        sl_buf_addc(&cls, ']');
        sl_buf_release(&m->cls);
        m->cls = cls;
    }
    /* every field NUL-terminated, even when empty */
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        sl_buf_add(all[i], "", 0);
    sl_buf_release(&del);
    sl_buf_release(&adel);
    sl_buf_release(&out);
}

/* s decomposed with flags as the C functions do it (gtm/text_int.h's
 * sl_gtm_decompose: with accents, the letters with a stroke or bar that
 * Unicode does not decompose are folded too, as company.c's are), each
 * resulting code point through keep: 1 keep, 0 drop, else the character
 * written instead. */
static int map_keep(const char *s, size_t n, int flags, int accents, int32_t (*keep)(int32_t c), sl_buf *out)
{
    sl_buf_reset(out);
    int32_t buf[64], *cps = buf, *heap = NULL;
    long k = sl_gtm_decompose(s, n, flags, accents, buf, sizeof buf / sizeof *buf, &cps, &heap);
    if (k < 0)
        return 0;
    for (long i = 0; i < k; i++) {
        int32_t r = keep(cps[i]);
        if (r == 1) {
            utf8proc_uint8_t e[4];
            sl_buf_add(out, e, (size_t)utf8proc_encode_char(cps[i], e));
        } else if (r > 1) {
            sl_buf_addc(out, (char)r);
        }
    }
    sl_free(heap);
    sl_buf_add(out, "", 0);
    return 1;
}

/* company.c's word characters (letters, digits, combining marks) stay,
 * apostrophes go, '.' and '&' stay (the SQL joins and spells them),
 * anything else separates words (a space). */
static int32_t company_keep(int32_t c)
{
    if (c == '\'' || c == 0x2019 || c == 0x2BC)
        return 0;
    if (c == '.' || c == '&')
        return 1;
    utf8proc_category_t k = utf8proc_category(c);
    if ((k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_LO) ||
        (k >= UTF8PROC_CATEGORY_ND && k <= UTF8PROC_CATEGORY_NO) || k == UTF8PROC_CATEGORY_MN ||
        k == UTF8PROC_CATEGORY_MC)
        return 1;
    return ' ';
}

int sl_gtm_pg_company_char(const char *s, size_t n, sl_buf *out)
{
    return map_keep(s, n, UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK, 1,
                    company_keep, out);
}

/* country.c's key characters: letters, digits, currency symbols. */
static int32_t ref_keep(int32_t c)
{
    utf8proc_category_t k = utf8proc_category(c);
    return (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_LO) ||
           (k >= UTF8PROC_CATEGORY_ND && k <= UTF8PROC_CATEGORY_NO) || k == UTF8PROC_CATEGORY_SC;
}

int sl_gtm_pg_ref_char(const char *s, size_t n, sl_buf *out)
{
    return map_keep(s, n, UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK, 0, ref_keep,
                    out);
}

void sl_gtm_pg_charmap_release(sl_gtm_charmap *m)
{
    sl_buf *all[] = {&m->ascii_from, &m->ascii_to, &m->from, &m->to, &m->cls, &m->json};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        sl_buf_release(all[i]);
}
