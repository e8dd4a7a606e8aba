/*
 * register.h: the SQLite side of the GTM functions (gtm/gtm.h): each
 * area registers its SQL functions on a connection. expr/functions.c's
 * sl_functions_register calls sl_gtm_register, so every connection
 * expressions, checks and the SQLite warehouse run on has them.
 * Flags: SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS. NULL in
 * any argument gives NULL. Each returns 0, or -1 when SQLite refused one.
 */
#ifndef SL_GTM_REGISTER_H
#define SL_GTM_REGISTER_H
#include <sqlite3.h>

int sl_gtm_register(sqlite3 *db); /* all of the below */
/* normalize_email, canonical_email, email_domain, is_valid_email,
 * lower, upper (Unicode; replace SQLite's ASCII-only ones), casefold,
 * unaccent, normalize_company, url_host, registered_domain (h1) */
int sl_gtm_register_text(sqlite3 *db);
/* normalize_phone(x[, region]), phone_is_valid(x[, region]),
 * phone_region(x[, region]), phone_type(x[, region]), country_code,
 * country_name, country_alpha3, currency_code, currency_name (h2) */
int sl_gtm_register_reference(sqlite3 *db);

#endif
