/*
 * gtm.h: go-to-market normalisation, the C side of the SQL functions
 * sluice adds for GTM data (docs/gtm/functions.md): e-mails, phones,
 * countries and currencies, company names, domains, Unicode case and
 * accent folding. Every function here is pure and thread-safe (the
 * reference data loads once, lazily, under a pthread_once), takes a UTF-8
 * text of n bytes (not necessarily NUL-terminated) and either writes its
 * result into out (reset first; out->data NUL-terminated) and returns 1,
 * or returns 0 when the value cannot be normalised (the SQL function then
 * gives NULL). Invalid UTF-8 input gives 0, never a crash.
 *
 * The SQL wrappers (NULL in, NULL out) are registered on every SQLite
 * connection expressions run on (expr/functions.c: sl_functions_register
 * calls sl_gtm_register) and documented, each with an example that the
 * unit tests run, in expr/function_docs.c's table (the gtm_*.inc files).
 * On PostgreSQL warehouses models call SQL functions sluice installs in
 * the `sluice` schema (gtm/pg_functions.c).
 *
 * Files: email.c, text.c (utf8proc), company.c, domain.c (libpsl),
 * phone.cc (libphonenumber, C++ behind this C interface), country.c
 * (iso-codes, with its gettext translations), register.c (SQLite).
 */
#ifndef SL_GTM_H
#define SL_GTM_H
#include "core/util.h"
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- e-mail (email.c; RFC 5321/5322 addr-spec, dot-atom local parts) ----
 * normalize: trimmed, lower-cased (Unicode-aware), one addr-spec only:
 *   a display name (`Jane <j@x.com>`), `mailto:`, two addresses, a missing
 *   or dotless domain, spaces inside give 0.
 * canonical: normalize, then for mailbox providers that ignore them
 *   (gmail.com, googlemail.com -> gmail.com) dots removed from the local
 *   part, and `+tag` suffixes removed for every domain.
 * domain: the part after '@' of the normalized address.
 * valid: 1 when normalize would succeed. */
int sl_gtm_email_normalize(const char *s, size_t n, sl_buf *out);
int sl_gtm_email_canonical(const char *s, size_t n, sl_buf *out);
int sl_gtm_email_domain(const char *s, size_t n, sl_buf *out);
int sl_gtm_email_valid(const char *s, size_t n);

/* ---- Unicode text (text.c, utf8proc) ----
 * lower/upper: Unicode simple case mapping, code point by code point
 *   (utf8proc_tolower/toupper): 'ÉCOLE' -> 'école', 'straße' -> 'STRAßE'.
 * casefold: Unicode case folding (for comparing: 'Straße' ~ 'STRASSE').
 * unaccent: NFKD, combining marks removed, recomposed (NFC): 'España' ->
 *   'Espana'. Return 0 only for invalid UTF-8. */
int sl_gtm_text_lower(const char *s, size_t n, sl_buf *out);
int sl_gtm_text_upper(const char *s, size_t n, sl_buf *out);
int sl_gtm_text_casefold(const char *s, size_t n, sl_buf *out);
int sl_gtm_text_unaccent(const char *s, size_t n, sl_buf *out);

/* ---- companies (company.c) ----
 * normalize: casefolded, accents folded, punctuation to spaces, '&' ->
 *   'and', legal-form suffixes removed (table below), spaces collapsed:
 *   "Acme, Inc." and "ACME Inc" -> "acme". 0 when nothing is left. */
int sl_gtm_company_normalize(const char *s, size_t n, sl_buf *out);
/* The legal forms removed, for the docs (static strings, n entries). */
const char *const *sl_gtm_company_legal_forms(size_t *n);

/* ---- domains (domain.c, libpsl + Debian's publicsuffix list) ----
 * host: the host of a URL or a bare host / e-mail address, lower-cased,
 *   without port, trailing dot or "www."-style nothing: just the host.
 * registered: the registrable domain (eTLD+1) of that host by the Public
 *   Suffix List: "https://www.shop.example.co.uk/x" -> "example.co.uk";
 *   0 for a public suffix itself, an IP address or no dot. */
int sl_gtm_domain_host(const char *s, size_t n, sl_buf *out);
int sl_gtm_domain_registered(const char *s, size_t n, sl_buf *out);

/* ---- phones (phone.cc, libphonenumber) ----
 * region: ISO 3166-1 alpha-2 for numbers without a +country prefix, or
 *   NULL (then only +... numbers parse).
 * normalize: E.164 ("+14155550100") of a number libphonenumber parses
 *   AND judges possible; 0 otherwise.
 * valid: 1 when it parses and IsValidNumber.
 * region_of: the number's region (alpha-2), 0 when unknown.
 * type: "mobile", "fixed_line", "fixed_line_or_mobile", "toll_free",
 *   "premium_rate", "shared_cost", "voip", "personal_number", "pager",
 *   "uan", "voicemail"; 0 for unknown or unparsable. */
int sl_gtm_phone_normalize(const char *s, size_t n, const char *region, sl_buf *out);
int sl_gtm_phone_valid(const char *s, size_t n, const char *region);
int sl_gtm_phone_region(const char *s, size_t n, const char *region, sl_buf *out);
int sl_gtm_phone_type(const char *s, size_t n, const char *region, sl_buf *out);

/* ---- countries and currencies (country.c, iso-codes) ----
 * country_code: alpha-2 of any alpha-2/alpha-3/numeric code, English
 *   name, official name, common name, or a name in any language iso-codes
 *   translates to (its .mo files), compared casefolded and unaccented,
 *   punctuation and spaces folded: "Deutschland", "Allemagne", "GERMANY",
 *   "DEU", "276" -> "DE". Also a few documented aliases iso-codes lacks
 *   ("UK", "USA", "U.S.A."). 0 when unknown.
 * country_name: the English (common, else plain) name of a code or name.
 * country_alpha3: alpha-3 of any of the above.
 * currency_code: ISO 4217 alpha-3 of a code, numeric code or name in any
 *   language. currency_name: its English name. */
int sl_gtm_country_code(const char *s, size_t n, sl_buf *out);
int sl_gtm_country_name(const char *s, size_t n, sl_buf *out);
int sl_gtm_country_alpha3(const char *s, size_t n, sl_buf *out);
int sl_gtm_currency_code(const char *s, size_t n, sl_buf *out);
int sl_gtm_currency_name(const char *s, size_t n, sl_buf *out);

#ifdef __cplusplus
}
#endif
#endif
