/*
 * agg_hash.h: the aggregate transform's native group table: an in-memory
 * hash table of groups that computes exactly what the transform's SQLite
 * upsert computes (aggregate.c), row for row, so that most runs never
 * touch SQLite until the end.
 *
 * Exactness: a group is found by the same key blob the SQLite table's
 * primary key holds (tcell.h's key form), each cell is taken as
 * sl_tcell_bind would bind it (int, real, text; NULL also for a NaN and
 * for a text without bytes pointer, as SQLite binds them), and each
 * aggregate follows the upsert's SQL: count adds 1, count(x) adds x IS
 * NOT NULL, sum and avg's sum keep the first non-null value (a text as
 * its number, `x + 0`) and then add with SQLite's `+`
 * (expr/vec_value.c: integers until one overflows, then reals; a text's
 * leading number, else 0), min and max compare with
 * SQLite's order (numbers before text, text by bytes), first and last
 * are coalesce(). Whatever only SQLite can decide (a text whose number
 * only SQLite's conversion knows), and any row past the memory budget,
 * is refused: the caller then moves every group into the SQLite table
 * (sl_agghash_insert_all) and continues there, so results are the same
 * whichever path computed them. count_distinct and windows always take
 * the SQLite path.
 */
#ifndef SL_AGG_HASH_H
#define SL_AGG_HASH_H
#include "core/batch.h"
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* The aggregate functions (aggregate.c parses them). */
enum {
    SL_AGG_COUNT,
    SL_AGG_COUNT_X,
    SL_AGG_COUNT_DISTINCT,
    SL_AGG_SUM,
    SL_AGG_MIN,
    SL_AGG_MAX,
    SL_AGG_AVG,
    SL_AGG_FIRST,
    SL_AGG_LAST
};

typedef struct sl_agghash sl_agghash;

/* A table for ngroup group columns and nfns aggregates fns[] (copied; no
 * SL_AGG_COUNT_DISTINCT), holding at most budget bytes (groups, keys,
 * texts and the slot array counted). */
sl_agghash *sl_agghash_new(size_t ngroup, const int *fns, size_t nfns, size_t budget);
void sl_agghash_free(sl_agghash *h);

/* Fold row r of b into the group of key[0..klen) (the SQLite table's key
 * blob), created with sequence number seq when new: group column j is
 * b's column gcols[j], aggregate i's argument fcols[i] (-1: none). 0 when
 * folded; 1 when refused (the budget, or a value only SQLite can add):
 * nothing changed, the row is the caller's. */
int sl_agghash_add(sl_agghash *h, const void *key, size_t klen, int64_t seq, const sl_batch *b, const int *gcols,
                   const int *fcols, size_t r);

/* Insert every group, in order of first appearance, with ins: an INSERT
 * of (key, seq, ws, g0.., a0, n0, a1, n1, ...) whose ws is bound to 0.
 * 0, or the failing SQLite result code. */
int sl_agghash_insert_all(sl_agghash *h, sqlite3_stmt *ins);

/* Number of groups, and bytes held. */
size_t sl_agghash_groups(const sl_agghash *h);
size_t sl_agghash_bytes(const sl_agghash *h);

#endif
