/*
 * mo.h: a reader of GNU gettext message catalogs (.mo files), for the
 * translated country and currency names iso-codes ships
 * (/usr/share/locale/<lang>/LC_MESSAGES/iso_3166-1.mo, iso_4217.mo).
 *
 * Format (GNU gettext manual, "The Format of GNU MO Files"): a header of
 * 32-bit words (magic 0x950412de in the file's byte order, so either
 * byte order reads; revision, major 0 or 1; N strings; offset of the
 * originals table; offset of the translations table), then two tables of
 * N (length, offset) pairs. Every offset and length is checked against
 * the buffer: any bytes give either the pairs or an error, never a read
 * out of bounds (tests/fuzz/fuzz_normalize.c feeds it arbitrary bytes).
 */
#ifndef SL_GTM_MO_H
#define SL_GTM_MO_H
#include <stddef.h>

/* Called once per (original, translation) pair, in the file's order.
 * Each text is `n` bytes, not NUL-terminated in general; a context
 * ("ctx\004msgid") is removed from the original and only the first form
 * of a plural (up to the first NUL) is passed. Pairs with an empty
 * original (the catalog's header) or an empty translation are skipped.
 * Return 0 to go on, non-zero to stop (sl_mo_parse then returns it). */
typedef int (*sl_mo_fn)(void *ctx, const char *msgid, size_t idn, const char *msgstr, size_t strn);

/* Parse the .mo bytes data[0..n) and call fn for each pair.
 * Returns 0, fn's non-zero answer, or -1 with a message in err (cap
 * bytes) for bytes that are not a .mo file ("bad magic", "string 3 out
 * of bounds", ...). */
int sl_mo_parse(const void *data, size_t n, sl_mo_fn fn, void *ctx, char *err, size_t cap);

#endif
