/*
 * functions.h: SQL functions sluice adds to its expressions (derive,
 * filter, ...) and to the connections the sqlite sink loads through.
 *
 *   sha256(x)            lowercase hex SHA-256 of x's text (OpenSSL EVP);
 *                        NULL stays NULL. Ad platforms take audiences as
 *                        hashes: sha256(normalize_email(email)).
 *   the go-to-market functions (normalize_email, canonical_email, lower,
 *   upper, casefold, unaccent, normalize_company, registered_domain,
 *   normalize_phone, country_code, ...): gtm/gtm.h, registered by
 *   gtm/register.h's sl_gtm_register.

 * Every function an expression may call is documented in one table
 * (function_docs.c): sluice's own and the SQLite built-ins people use.
 * `sluice help functions` prints it and docs/FUNCTIONS.md is generated
 * from it; a function registered here without an entry fails
 * tests/unit/test_functions.c, which also runs every example.
 */
#ifndef SL_FUNCTIONS_H
#define SL_FUNCTIONS_H
#include <sqlite3.h>
#include <stddef.h>

/* Add sluice's functions to db. 0, or -1 (SQLite refused one). */
int sl_functions_register(sqlite3 *db);

/* One function's documentation. Every field is a static string. */
typedef struct sl_function_doc {
    const char *name;      /* as called: "sha256" */
    const char *section;   /* one of sl_functions_sections() */
    int sluice;            /* 1: added by sluice (functions.c); 0: SQLite's */
    const char *signature; /* "substr(x, start[, length])" */
    const char *returns;   /* what it gives */
    const char *nulls;     /* what a NULL argument gives */
    const char *example;   /* an expression that runs as written in derive or filter */
    const char *result;    /* the example's value as SQLite's text of it; "NULL" for NULL */
} sl_function_doc;

/* The whole table (n entries), grouped by section in section order. */
const sl_function_doc *sl_functions_docs(size_t *n);
/* The entry for name (exact, lower case), or NULL. */
const sl_function_doc *sl_functions_doc(const char *name);
/* The section names, in order, NULL-terminated. */
const char *const *sl_functions_sections(void);

#endif
