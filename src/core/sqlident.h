/*
 * sqlident.h: the one helper that puts a name into SQL.
 *
 * Every table and column name that reaches a SQL statement goes through
 * sl_sql_ident(): it wraps the name in double quotes and doubles any double
 * quote inside, which is the standard quoting of SQLite and PostgreSQL. A
 * NUL cannot occur (names are C strings). Nothing else may splice names.
 */
#ifndef SL_SQLIDENT_H
#define SL_SQLIDENT_H
#include "core/util.h"

void sl_sql_ident(sl_buf *out, const char *name);
/* A quoted string literal ('it''s'), for values that cannot be bound. */
void sl_sql_literal(sl_buf *out, const char *value);

#endif
