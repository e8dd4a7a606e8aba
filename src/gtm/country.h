/*
 * country.h: country.c's internals shared with the SQL registration and
 * the tests (the public functions are in gtm.h).
 */
#ifndef SL_GTM_COUNTRY_H
#define SL_GTM_COUNTRY_H
#include "core/util.h"
#include <stddef.h>

/* The lookup key of a name or code (casefold(unaccent(s)), letters,
 * digits and currency symbols only, all-digit text zero-padded to 3
 * digits) into out; 0 when nothing is left or s is not UTF-8 (or is
 * longer than 512 bytes). */
int sl_gtm_ref_fold(const char *s, size_t n, sl_buf *out);

/* Why the ISO 3166-1 (currency = 0) or ISO 4217 (currency = 1) data could
 * not be loaded ("cannot read /usr/share/iso-codes/json/iso_3166-1.json
 * (install the iso-codes package)"), or NULL when it loaded. Loads it. */
const char *sl_gtm_ref_error(int currency);

#endif
