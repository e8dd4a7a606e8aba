/*
 * country.c: ISO 3166-1 countries and ISO 4217 currencies by any name
 * (gtm.h's sl_gtm_country_* and sl_gtm_currency_*), from Debian's
 * iso-codes: the JSON lists (/usr/share/iso-codes/json, or
 * $SLUICE_ISO_CODES_DIR) and every translation it ships as gettext
 * catalogs (/usr/share/locale/<lang>/LC_MESSAGES/iso_3166-1.mo and
 * iso_4217.mo, or $SLUICE_LOCALE_DIR), read with gtm/mo.c.
 *
 * The data loads once per process (pthread_once) into sorted arrays of
 * folded keys -> record: first the lists with their English names and
 * the aliases; the translations only when a lookup misses those. A key is the text case-folded, compatibility-
 * decomposed with its combining marks removed (casefold(unaccent(x))),
 * keeping only letters, digits and currency symbols: "Côte d'Ivoire",
 * "COTE D IVOIRE" and "cote-d'ivoire" are one key. All-digit text is a
 * numeric code, zero-padded to 3 digits ("76" = "076"). A key of the form
 * "the<name>" that is not found is tried as "<name>" ("The Gambia").
 *
 * Where one key names two records the lowest rank wins:
 *   0 codes (alpha-2, alpha-3, numeric), 1 English names (name, official
 *   and common name), 2 sluice's aliases (below), 3 translations;
 * and among translations of the same key, the record more languages give
 * it to, then the alphabetically first code. Everything is sorted before
 * it is ranked, so the result never depends on the order files are read.
 */
#include "gtm/country.h"
#include "core/mem.h"
#include "formats/json.h"
#include "gtm/gtm.h"
#include "gtm/mo.h"
#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* Aliases iso-codes lacks (documented in docs/gtm/reference.md). */
static const char *const country_aliases[][2] = {
    {"UK", "GB"}, {"U.K.", "GB"}, {"Great Britain", "GB"}, {"Britain", "GB"}, {"England", "GB"},
    {"Scotland", "GB"}, {"Wales", "GB"}, {"Northern Ireland", "GB"},
    {"USA", "US"}, {"U.S.", "US"}, {"U.S.A.", "US"}, {"America", "US"}, {"United States of America", "US"},
    {"Holland", "NL"}, {"Russia", "RU"}, {"Turkey", "TR"}, {"Czech Republic", "CZ"},
    {"Republic of Korea", "KR"}, {"Ivory Coast", "CI"}, {"Cape Verde", "CV"}, {"East Timor", "TL"},
    {"Swaziland", "SZ"}, {"Macedonia", "MK"}, {"Burma", "MM"}, {"Vatican", "VA"}, {"Vatican City", "VA"},
    {"Brunei", "BN"}, {"DR Congo", "CD"}, {"DRC", "CD"}, {"Democratic Republic of the Congo", "CD"},
    {"Micronesia", "FM"}, {"Palestine", "PS"}, {"UAE", "AE"}, {"Emirates", "AE"},
};
static const char *const currency_aliases[][2] = {
    {"$", "USD"}, {"US$", "USD"}, {"€", "EUR"}, {"£", "GBP"}, {"¥", "JPY"}, {"₹", "INR"}, {"R$", "BRL"},
    {"A$", "AUD"}, {"C$", "CAD"}, {"Yuan", "CNY"}, {"Renminbi", "CNY"}, {"RMB", "CNY"},
};

enum { RANK_CODE, RANK_ENGLISH, RANK_ALIAS, RANK_TRANSLATION };

typedef struct ref_rec {
    char code[4];    /* alpha-2 (countries) or alpha-3 (currencies) */
    char alpha3[4];  /* countries */
    char numeric[4];
    char *name, *official, *common;
} ref_rec;

typedef struct ref_key {
    char *key;
    uint16_t rec;
    uint8_t rank;
} ref_key;

typedef struct ref_table {
    const char *what;  /* "iso_3166-1" */
    ref_rec *recs;
    size_t nrecs;
    ref_key *keys;     /* every candidate (key, record, rank), any order */
    size_t nkeys, capkeys;
    ref_key *english;  /* exact English names -> rec, sorted, for the catalogs */
    size_t nenglish, capenglish;
    ref_key *base;     /* ranked, one per key: codes, English names, aliases */
    size_t nbase;
    ref_key *full;     /* ranked, one per key: the above and the translations */
    size_t nfull;
    char err[512];
} ref_table;

static ref_table countries = {.what = "iso_3166-1"}, currencies = {.what = "iso_4217"};
/* the lists, names and aliases; the translations only when a lookup
 * misses them (most data is codes and English names: a process that only
 * meets those never reads the ~200 catalogs) */
static pthread_once_t load_once = PTHREAD_ONCE_INIT, countries_once = PTHREAD_ONCE_INIT,
                      currencies_once = PTHREAD_ONCE_INIT;

/* ---- folding --------------------------------------------------------------- */

static int keep_cp(utf8proc_int32_t c)
{
    utf8proc_category_t k = utf8proc_category(c);
    return (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_LO) ||
           (k >= UTF8PROC_CATEGORY_ND && k <= UTF8PROC_CATEGORY_NO) || k == UTF8PROC_CATEGORY_SC;
}

int sl_gtm_ref_fold(const char *s, size_t n, sl_buf *out)
{
    sl_buf_reset(out);
    if (n > 512)
        return 0;
    int ascii = 1;
    for (size_t i = 0; i < n && ascii; i++)
        ascii = (unsigned char)s[i] < 0x80;
    if (ascii) {
        for (size_t i = 0; i < n; i++) {
            char c = s[i];
            if (c >= 'A' && c <= 'Z')
                sl_buf_addc(out, (char)(c - 'A' + 'a'));
            else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '$')
                sl_buf_addc(out, c);
        }
    } else {
        utf8proc_uint8_t *m = NULL;
        utf8proc_ssize_t mn = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &m,
                                           UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE |
                                               UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK);
        if (mn < 0)
            return 0;
        for (utf8proc_ssize_t i = 0; i < mn;) {
            utf8proc_int32_t c;
            utf8proc_ssize_t k = utf8proc_iterate(m + i, mn - i, &c);
            if (k <= 0)
                break;
            if (keep_cp(c))
                sl_buf_add(out, m + i, (size_t)k);
            i += k;
        }
        free(m);
    }
    if (out->len == 0)
        return 0;
    /* a numeric code: zero-padded to 3 digits */
    size_t digits = strspn(out->data, "0123456789");
    if (digits == out->len) {
        long v = out->len <= 6 ? strtol(out->data, NULL, 10) : 100000;
        if (v < 1000) {
            char num[8];
            snprintf(num, sizeof num, "%03ld", v);
            sl_buf_reset(out);
            sl_buf_adds(out, num);
        }
    }
    return 1;
}

/* ---- loading ---------------------------------------------------------------- */

static void add_key(ref_key **v, size_t *n, size_t *cap, const char *key, size_t rec, int rank)
{
    SL_GROW(*v, *cap, *n + 1);
    (*v)[*n] = (ref_key){sl_strdup(key), (uint16_t)rec, (uint8_t)rank};
    (*n)++;
}

static void add_folded(ref_table *t, const char *s, size_t n, size_t rec, int rank)
{
    sl_buf f;
    sl_buf_init(&f);
    if (s && sl_gtm_ref_fold(s, n, &f))
        add_key(&t->keys, &t->nkeys, &t->capkeys, f.data, rec, rank);
    sl_buf_release(&f);
}

static int cmp_rec(const void *a, const void *b)
{
    return strcmp(((const ref_rec *)a)->code, ((const ref_rec *)b)->code);
}

static int cmp_key(const void *a, const void *b)
{
    const ref_key *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    if (x->rank != y->rank)
        return x->rank - y->rank;
    return (int)x->rec - (int)y->rec;
}

static char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    sl_buf b;
    sl_buf_init(&b);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        sl_buf_add(&b, chunk, got);
    fclose(f);
    *n = b.len;
    if (!b.data)
        sl_buf_addc(&b, 0);
    return sl_buf_detach(&b);
}

/* Read the records of top[key] of dir/<what>.json. */
static int load_json(ref_table *t, const char *dir, const char *key, int is_country)
{
    char *path = sl_printf("%s/%s.json", dir, t->what);
    size_t n;
    char *text = read_all(path, &n);
    if (!text) {
        snprintf(t->err, sizeof t->err, "cannot read %s (install the iso-codes package)", path);
        sl_free(path);
        return -1;
    }
    sl_json j;
    sl_json_init(&j, text, n);
    sl_buf k, s;
    sl_buf_init(&k);
    sl_buf_init(&s);
    int first = 1, rc = 0, ok = sl_json_peek(&j) == SL_JSON_OBJECT && sl_json_object_begin(&j) == 0;
    size_t cap = 0;
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
            SL_GROW(t->recs, cap, t->nrecs + 1);
            ref_rec *r = &t->recs[t->nrecs];
            memset(r, 0, sizeof *r);
            while ((rc = sl_json_member(&j, &ofirst, &k)) == 1) {
                if (sl_json_peek(&j) != SL_JSON_STRING) {
                    if (sl_json_skip(&j) < 0)
                        break;
                    continue;
                }
                if (sl_json_string(&j, &s) < 0) {
                    rc = -1;
                    break;
                }
                if (strcmp(k.data, is_country ? "alpha_2" : "alpha_3") == 0)
                    snprintf(r->code, sizeof r->code, "%s", s.data);
                else if (is_country && strcmp(k.data, "alpha_3") == 0)
                    snprintf(r->alpha3, sizeof r->alpha3, "%s", s.data);
                else if (strcmp(k.data, "numeric") == 0)
                    snprintf(r->numeric, sizeof r->numeric, "%s", s.data);
                else if (strcmp(k.data, "name") == 0 && !r->name)
                    r->name = sl_strdup(s.data);
                else if (strcmp(k.data, "official_name") == 0 && !r->official)
                    r->official = sl_strdup(s.data);
                else if (strcmp(k.data, "common_name") == 0 && !r->common)
                    r->common = sl_strdup(s.data);
            }
            if (rc < 0) {
                ok = 0;
                break;
            }
            if (r->code[0] && r->name)
                t->nrecs++;
            else {
                sl_free(r->name);
                sl_free(r->official);
                sl_free(r->common);
            }
        }
        if (rc < 0)
            ok = 0;
    }
    if (rc < 0)
        ok = 0;
    if (!ok || t->nrecs == 0) {
        char where[160];
        sl_json_error_text(&j, where, sizeof where);
        snprintf(t->err, sizeof t->err, "cannot read the records of %s (%s)", path, ok ? "none in it" : where);
    }
    sl_buf_release(&k);
    sl_buf_release(&s);
    sl_free(text);
    sl_free(path);
    return t->err[0] ? -1 : 0;
}

static int cmp_english(const void *a, const void *b)
{
    return strcmp(((const ref_key *)a)->key, ((const ref_key *)b)->key);
}

/* A catalog pair: a translation of an English name. */
static int on_translation(void *ctx, const char *id, size_t idn, const char *str, size_t strn)
{
    ref_table *t = ctx;
    char idz[256];
    if (idn >= sizeof idz)
        return 0;
    memcpy(idz, id, idn);
    idz[idn] = 0;
    ref_key probe = {idz, 0, 0};
    const ref_key *e = bsearch(&probe, t->english, t->nenglish, sizeof *t->english, cmp_english);
    if (e && sl_utf8_valid_prefix(str, strn) == strn)
        add_folded(t, str, strn, e->rec, RANK_TRANSLATION);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void load_translations(ref_table *t, const char *localedir)
{
    DIR *d = opendir(localedir);
    if (!d)
        return;
    char **langs = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        SL_GROW(langs, cap, n + 1);
        langs[n++] = sl_strdup(e->d_name);
    }
    closedir(d);
    qsort(langs, n, sizeof *langs, cmp_str);
    for (size_t i = 0; i < n; i++) {
        char *path = sl_printf("%s/%s/LC_MESSAGES/%s.mo", localedir, langs[i], t->what);
        size_t len;
        char *mo = read_all(path, &len);
        if (mo) {
            char err[128];
            sl_mo_parse(mo, len, on_translation, t, err, sizeof err); /* a broken catalog: its pairs up to there */
            sl_free(mo);
        }
        sl_free(path);
        sl_free(langs[i]);
    }
    sl_free(langs);
}

static size_t find_code(const ref_table *t, const char *code)
{
    for (size_t i = 0; i < t->nrecs; i++)
        if (strcmp(t->recs[i].code, code) == 0)
            return i;
    return (size_t)-1;
}

/* Rank the candidates: one entry per key (the keys are shared, not copied). */
static void rank_keys(ref_table *t, ref_key **out, size_t *nout)
{
    qsort(t->keys, t->nkeys, sizeof *t->keys, cmp_key);
    *out = sl_malloc((t->nkeys ? t->nkeys : 1) * sizeof **out);
    size_t w = 0;
    for (size_t i = 0; i < t->nkeys;) {
        size_t end = i + 1;
        while (end < t->nkeys && strcmp(t->keys[end].key, t->keys[i].key) == 0)
            end++;
        /* entries of the best rank are first, then by record: count runs */
        size_t best = i, best_votes = 0;
        for (size_t a = i; a < end && t->keys[a].rank == t->keys[i].rank;) {
            size_t b = a;
            while (b < end && t->keys[b].rank == t->keys[a].rank && t->keys[b].rec == t->keys[a].rec)
                b++;
            if (b - a > best_votes) {
                best_votes = b - a;
                best = a;
            }
            a = b;
        }
        (*out)[w++] = t->keys[best];
        i = end;
    }
    *nout = w;
}

static void build(ref_table *t, const char *dir, const char *key, int is_country, const char *const (*aliases)[2],
                  size_t naliases)
{
    if (load_json(t, dir, key, is_country) < 0)
        return;
    qsort(t->recs, t->nrecs, sizeof *t->recs, cmp_rec);
    for (size_t i = 0; i < t->nrecs; i++) {
        ref_rec *r = &t->recs[i];
        add_folded(t, r->code, strlen(r->code), i, RANK_CODE);
        if (r->alpha3[0])
            add_folded(t, r->alpha3, strlen(r->alpha3), i, RANK_CODE);
        if (r->numeric[0])
            add_folded(t, r->numeric, strlen(r->numeric), i, RANK_CODE);
        const char *names[3] = {r->name, r->official, r->common};
        for (int k = 0; k < 3; k++)
            if (names[k]) {
                add_folded(t, names[k], strlen(names[k]), i, RANK_ENGLISH);
                add_key(&t->english, &t->nenglish, &t->capenglish, names[k], i, 0);
            }
    }
    for (size_t i = 0; i < naliases; i++) {
        size_t rec = find_code(t, aliases[i][1]);
        if (rec != (size_t)-1)
            add_folded(t, aliases[i][0], strlen(aliases[i][0]), rec, RANK_ALIAS);
    }
    qsort(t->english, t->nenglish, sizeof *t->english, cmp_english);
    rank_keys(t, &t->base, &t->nbase);
}

static void load(void)
{
    const char *dir = getenv("SLUICE_ISO_CODES_DIR");
    if (!dir || !*dir)
        dir = "/usr/share/iso-codes/json";
    build(&countries, dir, "3166-1", 1, country_aliases, sizeof country_aliases / sizeof *country_aliases);
    build(&currencies, dir, "4217", 0, currency_aliases, sizeof currency_aliases / sizeof *currency_aliases);
}

/* Add the translations and rank everything (after load). */
static void load_full(ref_table *t)
{
    const char *localedir = getenv("SLUICE_LOCALE_DIR");
    if (!localedir || !*localedir)
        localedir = "/usr/share/locale";
    if (!t->err[0])
        load_translations(t, localedir);
    rank_keys(t, &t->full, &t->nfull);
}
static void load_countries_full(void) { load_full(&countries); }
static void load_currencies_full(void) { load_full(&currencies); }

const char *sl_gtm_ref_error(int currency)
{
    pthread_once(&load_once, load);
    const ref_table *t = currency ? &currencies : &countries;
    return t->err[0] ? t->err : NULL;
}

/* ---- lookups ---------------------------------------------------------------- */

static const ref_key *find(const ref_key *keys, size_t n, const char *key)
{
    ref_key probe = {(char *)key, 0, 0};
    return n ? bsearch(&probe, keys, n, sizeof *keys, cmp_english) : NULL;
}

/* The record s names: a code, English name or alias is found in the base
 * table (they outrank every translation, so the full table would give
 * the same); anything else loads the translations and looks there. */
static const ref_rec *lookup(ref_table *t, const char *s, size_t n)
{
    pthread_once(&load_once, load);
    if (!s || t->err[0])
        return NULL;
    sl_buf f;
    sl_buf_init(&f);
    const ref_rec *r = NULL;
    if (sl_gtm_ref_fold(s, n, &f)) {
        const ref_key *k = find(t->base, t->nbase, f.data);
        if (!k) {
            pthread_once(t == &countries ? &countries_once : &currencies_once,
                         t == &countries ? load_countries_full : load_currencies_full);
            k = find(t->full, t->nfull, f.data);
            if (!k && f.len > 3 && memcmp(f.data, "the", 3) == 0)
                k = find(t->full, t->nfull, f.data + 3);
        }
        if (k)
            r = &t->recs[k->rec];
    }
    sl_buf_release(&f);
    return r;
}

static int put(sl_buf *out, const char *s)
{
    sl_buf_reset(out);
    sl_buf_adds(out, s);
    return 1;
}

int sl_gtm_country_code(const char *s, size_t n, sl_buf *out)
{
    const ref_rec *r = lookup(&countries, s, n);
    return r ? put(out, r->code) : 0;
}

int sl_gtm_country_name(const char *s, size_t n, sl_buf *out)
{
    const ref_rec *r = lookup(&countries, s, n);
    return r ? put(out, r->common ? r->common : r->name) : 0;
}

int sl_gtm_country_alpha3(const char *s, size_t n, sl_buf *out)
{
    const ref_rec *r = lookup(&countries, s, n);
    return r && r->alpha3[0] ? put(out, r->alpha3) : 0;
}

int sl_gtm_currency_code(const char *s, size_t n, sl_buf *out)
{
    const ref_rec *r = lookup(&currencies, s, n);
    return r ? put(out, r->code) : 0;
}

int sl_gtm_currency_name(const char *s, size_t n, sl_buf *out)
{
    const ref_rec *r = lookup(&currencies, s, n);
    return r ? put(out, r->name) : 0;
}
