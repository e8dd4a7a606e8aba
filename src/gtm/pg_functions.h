/*
 * pg_functions.h: the GTM functions (gtm/gtm.h) on PostgreSQL warehouses.
 * SQL models on PostgreSQL call normalize_email, normalize_company,
 * registered_domain, country_code, ... by the same names as on SQLite:
 * sluice installs SQL and PL/pgSQL functions of those names in the schema
 * `sluice` (docs/gtm/postgres.md) and appends that schema to the
 * connection's search_path, after the schemas already on it (so a
 * user's function of the same name in the target schema wins).
 *
 * What runs in PostgreSQL is built from the C side, so both warehouses
 * give the same results: the Unicode case and accent maps are generated
 * by calling gtm.h's functions on every code point, the company legal
 * forms come from sl_gtm_company_legal_forms(), the Public Suffix List
 * and the iso-codes countries and currencies (with their gettext
 * translations) are loaded into tables. Phones need libphonenumber, which
 * PostgreSQL lacks: normalize_phone and friends raise an error saying so.
 *
 * Data goes in as parameters and COPY rows, never as SQL text.
 */
#ifndef SL_GTM_PG_FUNCTIONS_H
#define SL_GTM_PG_FUNCTIONS_H
#include "core/error.h"
#include <libpq-fe.h>

/* The schema holding the functions and their tables. */
#define SL_GTM_PG_SCHEMA "sluice"
/* The installed version (sluice.functions_version.version): a new value
 * makes the next open replace every function and table. */
#define SL_GTM_PG_VERSION "gtm-2"

/* Make sure the current version is installed on c's database: a cheap
 * read of the marker when it is, else one transaction under an advisory
 * lock (concurrent openers wait, then find it installed). Call outside a
 * transaction block. Returns 0, or -1 with err saying what failed (for
 * example no CREATE privilege on the database). */
int sl_gtm_pg_install(PGconn *c, sl_error *err);

/* Append the `sluice` schema to c's search_path (session setting), when
 * it is not on it already. Returns 0 or -1 with err. */
int sl_gtm_pg_search_path(PGconn *c, sl_error *err);

/* Once per process and database (keyed by the server's host, port and
 * database): sl_gtm_pg_install; then, on every call, the search_path.
 * A failed install is logged as a warning and remembered (the models that
 * do not call the functions still run); 0 always, unless the connection
 * itself failed (-1 with err). What adapter_pg.c's open calls. */
int sl_gtm_pg_prepare(PGconn *c, sl_error *err);

#endif
