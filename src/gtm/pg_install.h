/*
 * pg_install.h: the pieces gtm/pg_functions.c installs on PostgreSQL,
 * each in its own file: the Unicode character maps generated from gtm.h
 * (pg_charmap.c) and the reference tables loaded from Debian's data
 * (pg_reference.c). Internal to src/gtm/pg_*.c.
 */
#ifndef SL_GTM_PG_INSTALL_H
#define SL_GTM_PG_INSTALL_H
#include "core/error.h"
#include "core/util.h"
#include <libpq-fe.h>

/* A per-code-point map of a text function (lower, upper, casefold,
 * unaccent), in the shapes PostgreSQL's translate() and a JSON object
 * take:
 *   ascii_from/ascii_to: the ASCII characters that change to one
 *     character, then (past ascii_to's length) those that map to nothing
 *     (no ASCII character maps to more than one in these functions);
 *   from/to: every character that maps to one character, then (in from
 *     only, past to's length, which translate() deletes) the characters
 *     that map to nothing, such as combining accents for unaccent;
 *   cls: a regular-expression bracket expression of the characters that
 *     map to two or more ("[\U000000DF...]"), empty when there are none;
 *   json: a JSON object of every change, character -> its text. */
typedef struct sl_gtm_charmap {
    sl_buf ascii_from, ascii_to, from, to, cls, json;
} sl_gtm_charmap;

/* Build m (caller releases with sl_gtm_pg_charmap_release) by calling fn
 * on each code point U+0000..U+2FFFF (surrogates skipped; code points fn
 * refuses or leaves as they are are not in the map). */
void sl_gtm_pg_charmap(int (*fn)(const char *s, size_t n, sl_buf *out), sl_gtm_charmap *m);
void sl_gtm_pg_charmap_release(sl_gtm_charmap *m);

/* Per-character folds with gtm.h's shape, for maps of the folding steps
 * that have no function of their own:
 * company_char: company.c's step 1 and word classes (NFKC, casefold,
 *   marks stripped; word characters kept, apostrophes dropped, '.' and
 *   '&' kept, anything else a space);
 * ref_char: country.c's key characters (compatibility-decomposed,
 *   casefolded, marks stripped; letters, digits and currency symbols
 *   kept, the rest dropped). */
int sl_gtm_pg_company_char(const char *s, size_t n, sl_buf *out);
int sl_gtm_pg_ref_char(const char *s, size_t n, sl_buf *out);

/* Fill the reference tables (created empty by pg_functions.c, inside its
 * install transaction): sluice.public_suffixes from Debian's
 * public_suffix_list.dat, sluice.countries / sluice.currencies from
 * iso-codes' JSON, and the names to match (English, official, common,
 * codes, and every gettext translation iso-codes ships) into
 * sluice.country_names / sluice.currency_names. 0 or -1 with err. */
int sl_gtm_pg_load_reference(PGconn *c, sl_error *err);

#endif
