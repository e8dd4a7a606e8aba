/*
 * sinkkey.h: what sinks that match rows by a key (the warehouses' upsert,
 * the http sink) do with a row whose key is NULL.
 *
 * A NULL key matches nothing: SQLite and PostgreSQL treat NULLs as
 * distinct in a unique index, so such a row would be inserted again by
 * every run (or, collapsed with others in a batch, lost). Every keyed sink
 * therefore sends it to the DLQ with the reason "key column <name> is
 * NULL" instead of loading it, the same on every warehouse.
 */
#ifndef SL_SINKKEY_H
#define SL_SINKKEY_H
#include "config/options.h"
#include "config/diag.h"
#include "core/batch.h"

/* Reject, as stage `stage`, each row r in [from, b->nrows) not already
 * rejected whose value of a key column is NULL (a key column missing from
 * the batch is NULL in every row): sets rejected[r] and records the row in
 * b's rejects with the reason naming the first NULL column. Returns the
 * number of rows rejected. */
size_t sl_sinkkey_reject_nulls(sl_batch *b, size_t from, uint8_t *rejected, const sl_strlist *key,
                               const char *stage);

/* 1 if row r has a NULL (or missing) key column, else 0; *col is set to
 * the first such column's name when col is not NULL. */
int sl_sinkkey_is_null(const sl_batch *b, size_t r, const sl_strlist *key, const char **col);

/* The configuration check of `only_if_newer:` shared by the warehouses:
 * it needs mode upsert and must not be a key column. Adds a diagnostic
 * at loc for each problem; returns how many. */
int sl_sinkkey_check_newer(const char *mode, const sl_strlist *key, const char *only_if_newer, sl_loc loc,
                           sl_diags *d);

#endif
