/*
 * functions.h: SQL functions sluice adds to its expressions (derive,
 * filter, ...) and to the connections the sqlite sink loads through.
 *
 *   sha256(x)            lowercase hex SHA-256 of x's text (OpenSSL EVP);
 *                        NULL stays NULL. Ad platforms take audiences as
 *                        hashes: sha256(normalize_email(email)).
 *   normalize_email(x)   trimmed and lowercased; for gmail.com and
 *                        googlemail.com also without dots and +tags in the
 *                        local part (the same mailbox); NULL unless x has
 *                        exactly one '@' with text on both sides.
 */
#ifndef SL_FUNCTIONS_H
#define SL_FUNCTIONS_H
#include <sqlite3.h>

int sl_functions_register(sqlite3 *db);

#endif
