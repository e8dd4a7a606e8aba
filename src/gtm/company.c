/*
 * company.c: normalize_company() (gtm.h), a matching key for company
 * names, so that "Acme, Inc.", "ACME Inc" and "Acme Inc" are one account.
 *
 * Steps, in order:
 *   1. case folded, accents folded (as casefold() and unaccent(), text.c;
 *      NFKC so full-width letters and ligatures become plain ones);
 *   2. split into words: letters and digits make words; apostrophes are
 *      dropped inside a word ("McDonald's" -> "mcdonalds"); a dot after a
 *      single letter joins ("S.A." -> "sa", "L.L.C." -> "llc", "S.p.A." ->
 *      "spa"), any other dot, comma, slash, hyphen, bracket or space
 *      separates; '&' is the word "and" ("AT&T" -> "at and t");
 *   3. a leading "the" dropped ("The Boring Company" -> "boring");
 *   4. legal forms removed from the end, repeatedly, longest first, while
 *      a word is left (so "Incognito Labs" keeps "incognito", "Acme Co.,
 *      Ltd." gives "acme", and a company called just "Company" stays);
 *   5. the words joined by single spaces. 0 when no word is left.
 * The table of legal forms (written as their words after step 2) is
 * sl_gtm_company_legal_forms(), listed in docs/gtm/normalize.md.
 */
#include "gtm/gtm.h"
#include "gtm/text_int.h"
#include "core/mem.h"
#include <pthread.h>
#include <string.h>
#include <utf8proc.h>

/* Legal forms as words after step 2 (e.g. "GmbH & Co. KG" -> "gmbh and co
 * kg", "A/S" -> "a s", "Sp. z o.o." -> "sp z oo"). */
static const char *const forms[] = {
    "inc", "incorporated", "corp", "corporation", "co", "company", "and co", "co ltd", "co inc",
    "llc", "llp", "lp", "ltd", "limited", "plc", "gmbh", "gmbh and co kg", "ag and co kg", "kg", "kgaa",
    "ag", "se", "sa", "sas", "sarl", "srl", "spa", "bv", "nv", "oy", "oyj", "ab", "ab publ", "as", "asa",
    "a s", "aps", "pty ltd", "pty", "pvt ltd", "pvt", "pte ltd", "pte", "kk", "sp z oo", "ltda", "sl",
    "sdn bhd", "bhd", "ug", "sa de cv", "sro",
};
#define NFORMS (sizeof forms / sizeof forms[0])

const char *const *sl_gtm_company_legal_forms(size_t *n)
{
    *n = NFORMS;
    return forms;
}

/* Each form's words, split once: forms_words[f] words, the last one at
 * forms[f] + last_off[f] (last_len bytes), for a quick first test. */
static unsigned char form_words[NFORMS], last_off[NFORMS], last_len[NFORMS];
static pthread_once_t forms_once = PTHREAD_ONCE_INIT;

static void forms_split(void)
{
    for (size_t f = 0; f < NFORMS; f++) {
        const char *sp = strrchr(forms[f], ' ');
        size_t off = sp ? (size_t)(sp + 1 - forms[f]) : 0;
        unsigned words = 1;
        for (const char *q = forms[f]; *q; q++)
            words += *q == ' ';
        form_words[f] = (unsigned char)words;
        last_off[f] = (unsigned char)off;
        last_len[f] = (unsigned char)(strlen(forms[f]) - off);
    }
}

#define MAXW 64 /* words kept apart; a longer text keeps its words but no legal form is removed */

typedef struct word {
    size_t off, len; /* bytes in the key buffer */
} word;

/* 1 when the words w[k..nw) spell the form f (words separated by ' '). */
static int ends_with_form(const char *key, const word *w, size_t nw, size_t k, const char *f)
{
    for (size_t i = k; i < nw; i++) {
        size_t fl = strcspn(f, " ");
        if (fl != w[i].len || memcmp(key + w[i].off, f, fl) != 0)
            return 0;
        f += fl;
        if (i + 1 < nw) {
            if (*f != ' ')
                return 0;
            f++;
        }
    }
    return *f == 0;
}

static int is_word_char(int32_t c)
{
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
    utf8proc_category_t k = utf8proc_category(c);
    return (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_LO) ||
           (k >= UTF8PROC_CATEGORY_ND && k <= UTF8PROC_CATEGORY_NO) || k == UTF8PROC_CATEGORY_MN ||
           k == UTF8PROC_CATEGORY_MC;
}

int sl_gtm_company_normalize(const char *s, size_t n, sl_buf *out)
{
    sl_buf_reset(out);
    pthread_once(&forms_once, forms_split);
    int32_t buf[512], *cps = buf, *heap = NULL;
    long k = 0;
    /* ASCII (the common case) folds to itself but for case: no utf8proc */
    int ascii = n <= 512;
    for (size_t i = 0; ascii && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        ascii = c < 0x80;
        buf[i] = c >= 'A' && c <= 'Z' ? c + 32 : c;
    }
    if (ascii)
        k = (long)n;
    else
        k = sl_gtm_decompose(s, n, UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK, 1,
                             buf, 512, &cps, &heap);
    if (k < 0)
        return 0;
    /* step 2: the words, written to out separated by single spaces */
    word w[MAXW];
    size_t nw = 0, seg = 0; /* seg: characters since the last dot or separator */
    int in_word = 0;
    sl_buf_reserve(out, (size_t)k * 4 + 8);
    char *p = out->data;
    size_t len = 0;
#define END_WORD()                                                                                          \
    do {                                                                                                    \
        if (in_word) {                                                                                      \
            if (nw < MAXW)                                                                                  \
                w[nw].len = len - w[nw].off;                                                                \
            nw++;                                                                                           \
            in_word = 0;                                                                                    \
        }                                                                                                   \
        seg = 0;                                                                                            \
    } while (0)
#define START_WORD()                                                                                        \
    do {                                                                                                    \
        if (!in_word) {                                                                                     \
            if (len)                                                                                        \
                p[len++] = ' ';                                                                             \
            if (nw < MAXW)                                                                                  \
                w[nw].off = len;                                                                            \
            in_word = 1;                                                                                    \
        }                                                                                                   \
    } while (0)
    for (long i = 0; i < k; i++) {
        int32_t c = cps[i];
        if (is_word_char(c)) {
            START_WORD();
            len += (size_t)utf8proc_encode_char(c, (unsigned char *)p + len);
            seg++;
        } else if (c == '\'' || c == 0x2019 || c == 0x2BC) {
            /* an apostrophe joins */
        } else if (c == '.' && in_word && seg == 1) {
            seg = 0; /* S.A.: the dot after a single letter joins */
        } else if (c == '&') {
            END_WORD();
            START_WORD();
            memcpy(p + len, "and", 3);
            len += 3;
            END_WORD();
        } else {
            END_WORD();
        }
    }
    END_WORD();
#undef END_WORD
#undef START_WORD
    sl_free(heap);
    if (nw == 0)
        return 0;
    /* step 3: a leading "the" */
    size_t first = 0;
    if (nw > 1 && w[0].len == 3 && memcmp(p + w[0].off, "the", 3) == 0)
        first = 1;
    if (nw > MAXW) { /* step 5 for a long text: every word */
        size_t from = w[first].off;
        memmove(p, p + from, len - from);
        out->len = len - from;
        p[out->len] = 0;
        return 1;
    }
    /* step 4: legal forms at the end, longest first, while a word is left */
    for (int again = 1; again;) {
        again = 0;
        size_t best = nw;
        const word *lw = &w[nw - 1];
        for (size_t f = 0; f < NFORMS; f++) {
            size_t words = form_words[f];
            if (words >= nw - first || nw - words >= best || lw->len != last_len[f] ||
                memcmp(p + lw->off, forms[f] + last_off[f], lw->len) != 0)
                continue;
            if (ends_with_form(p, w, nw, nw - words, forms[f]))
                best = nw - words;
        }
        if (best < nw) {
            nw = best;
            again = 1;
        }
    }
    /* step 5 */
    size_t from = w[first].off, to = w[nw - 1].off + w[nw - 1].len;
    memmove(p, p + from, to - from);
    out->len = to - from;
    p[out->len] = 0;
    return 1;
}
