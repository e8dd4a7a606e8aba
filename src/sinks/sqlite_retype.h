/*
 * sqlite_retype.h: giving columns of an existing SQLite table a new
 * declared type, for the sqlite sink when a column widens after its table
 * exists (an int column meets "02100", a float column a decimal).
 *
 * A column's declared type decides its affinity, and affinity converts
 * values on the way in: "02100" bound into an INTEGER column is stored as
 * the integer 2100. SQLite cannot ALTER a column's type, so the table is
 * rebuilt in the caller's transaction, the way SQLite's documentation
 * describes (create, copy, drop, rename), keeping NOT NULL, defaults, the
 * primary key, indexes and triggers.
 */
#ifndef SL_SQLITE_RETYPE_H
#define SL_SQLITE_RETYPE_H
#include "core/types.h"
#include <sqlite3.h>

/* The affinity SQLite gives a declared type (its rules, in order): 'i'
 * INTEGER (contains INT), 't' TEXT (CHAR, CLOB, TEXT), 'b' BLOB (BLOB or
 * no type), 'r' REAL (REAL, FLOA, DOUB), 'n' NUMERIC (anything else). */
char sl_sqlite_affinity(const char *decl);

/* 1 when a column declared decl would change values of type t bound into
 * it as the sink binds them (text into a numeric affinity is converted
 * when it looks like a number; an int into REAL goes through a double). */
int sl_sqlite_affinity_alters(const char *decl, sl_type t);

/* Register sluice_exact_text(value, declared type) on db: a REAL as the
 * shortest text that reads back as the same double (SQLite's own
 * conversion to text keeps 15 digits), a BOOLEAN 0/1 (by the declared
 * type) as false/true, anything else unchanged. */
void sl_sqlite_exact_text_register(sqlite3 *db);

/* Rebuild table so that column names[k] is declared decls[k] (k < n;
 * names as the table spells them, compared without ASCII case); the other
 * columns keep theirs. Must run inside a write transaction; on error the
 * caller rolls back. REAL values of a retyped column are copied as the
 * shortest text that reads back as the same double (SQLite's own
 * conversion keeps 15 digits). 0 ok, -1 with *msg set (caller frees with
 * sl_free). */
int sl_sqlite_retype(sqlite3 *db, const char *table, const char *const *names, const char *const *decls,
                     size_t n, char **msg);

#endif
