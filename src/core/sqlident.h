/*
 * sqlident.h: the one helper that puts a name into SQL, for SQLite and
 * PostgreSQL alike.
 *
 * Every table, schema and column name that reaches a SQL statement goes
 * through sl_sql_ident(): it wraps the name in double quotes and doubles any
 * double quote inside, which is the standard quoting of both dialects, so a
 * name can hold quotes, spaces, semicolons, reserved words or any Unicode
 * and is never read as SQL. A NUL cannot occur (names are C strings).
 * Nothing else may splice names.
 *
 * PostgreSQL keeps only the first 63 bytes of a name and would silently
 * merge two long names that share them. sl_sql_name_fit() gives the name a
 * sink must use instead: the name itself when it fits, else a deterministic
 * shortening (a prefix cut on a UTF-8 boundary, "_" and 8 hex digits of a
 * hash of the whole name). sl_sql_names keeps one table's mapping and
 * refuses two source names that would land on the same destination name.
 */
#ifndef SL_SQLIDENT_H
#define SL_SQLIDENT_H
#include "core/error.h"
#include "core/util.h"

void sl_sql_ident(sl_buf *out, const char *name);
/* A quoted string literal ('it''s'), for values that cannot be bound. */
void sl_sql_literal(sl_buf *out, const char *value);

typedef enum { SL_SQL_SQLITE, SL_SQL_POSTGRES } sl_sql_dialect;
#define SL_SQL_NAME_MAX 63 /* PostgreSQL's NAMEDATALEN - 1 */

/* Write the destination name of `name` to out (SL_SQL_NAME_MAX + 1 bytes
 * at least for PostgreSQL; SQLite names are never shortened, so out must
 * hold strlen(name) + 1 there). Invalid UTF-8 bytes become '?'; an empty
 * name becomes "_". Returns 1 if the name had to change, else 0. */
int sl_sql_name_fit(sl_sql_dialect d, const char *name, char *out, size_t outcap);

/* One table's source name -> destination name mapping. */
typedef struct sl_sql_names {
    sl_sql_dialect dialect;
    char **src, **dst;
    size_t n, cap;
} sl_sql_names;

/* The destination name of `src` (owned by the map), adding it if new. A
 * changed name is returned with *changed = 1 the first time only. Returns
 * NULL with err set when it would collide with another source name's. */
const char *sl_sql_names_map(sl_sql_names *m, const char *src, int *changed, sl_error *err);
void sl_sql_names_release(sl_sql_names *m);

#endif
