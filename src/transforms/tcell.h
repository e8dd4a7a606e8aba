/*
 * tcell.h: batch cells to and from SQLite values, for the transforms that
 * keep rows in a private SQLite database (lookup, aggregate): binding a
 * cell so that SQLite orders it by value, reading a result back into a
 * typed column, and the key form that decides when two values are "the
 * same key".
 *
 * Key form: a value's text (bool true/false, dates and timestamps in ISO
 * form), except that a number written with a fraction or exponent whose
 * value is a whole number (1.0, 1e3) becomes that integer's text. So 1,
 * 1.0 and '1' are one key; '01' and 1 are two; 'A' and 'a' are two. Each
 * value is framed (length-prefixed) so that ("a","bc") != ("ab","c"); a
 * NULL is its own marker.
 */
#ifndef SL_TCELL_H
#define SL_TCELL_H
#include "core/batch.h"
#include "core/util.h"
#include <sqlite3.h>

/* Bind cell (c, row) to st's parameter idx: bool, int, date (days) and
 * timestamp (microseconds) as integers, float as a double, anything else
 * as text (borrowed from the batch: step before the batch changes). */
void sl_tcell_bind(sqlite3_stmt *st, int idx, const sl_column *c, size_t row);

/* Store result column icol of st's current row into cell (col, row) of
 * b, whose column type is already set (as sl_tcell_bind wrote it: int
 * storage from an integer, float from a number, text copied into the
 * batch arena). A NULL, or a value that does not fit the type, leaves the
 * cell null; returns 0, or -1 when it did not fit. */
int sl_tcell_set(sl_batch *b, size_t col, size_t row, sqlite3_stmt *st, int icol);

/* Append the framed key form of cell (c, row) to out (NULL: a marker). */
void sl_tcell_key(const sl_column *c, size_t row, sl_buf *out);
/* The same for a value given as text (p NULL: a NULL). */
void sl_tcell_key_text(const char *p, size_t n, sl_buf *out);
/* The key form of a group: sl_tcell_key for numbers (1 and 1.0 are one
 * key), but a text column's value as written ('1', '1.0' and '01' are three
 * groups, as SQL's GROUP BY over text makes them). */
void sl_tcell_group_key(const sl_column *c, size_t row, sl_buf *out);

/* Parse text as a value of type t for sl_tcell_set's storage: *iv for
 * integer storage, *dv for float; 0 ok, -1 when it is not one. Text
 * types always parse. */
int sl_tcell_parse(sl_type t, const char *p, size_t n, int64_t *iv, double *dv);

#endif
