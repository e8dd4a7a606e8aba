/*
 * bookmarks.h: where a source that has no byte offsets (a SQL query, an
 * HTTP API) keeps what it needs to resume, in the state store.
 *
 * Such a source numbers its rows in the epoch (ordinals) and uses them as
 * positions. Before a batch leaves it, it writes "ordinal N -> bookmark"
 * (write-ahead): the bookmark says how to read on after row N (the (cursor,
 * key) pair of a query, the next page of an API). Sinks commit ordinals
 * with their data; on resume the source looks up the bookmark of the
 * lowest committed one. Write-ahead entries stay until the next epoch
 * starts (a crash between saving the final bookmark and ending the run
 * resumes from them). "Saved" entries outlive epochs: the bookmark a
 * successful run ends with, for the next run to start from.
 */
#ifndef SL_BOOKMARKS_H
#define SL_BOOKMARKS_H
#include "engine/run.h"

typedef struct sl_bookmarks {
    sl_run *run;
    char *wal_name, *saved_name;
} sl_bookmarks;

void sl_bookmarks_init(sl_bookmarks *b, sl_run *run, const char *source_id);
void sl_bookmarks_release(sl_bookmarks *b);
/* A new epoch starts: forget the write-ahead entries of earlier ones. */
int sl_bookmarks_fresh(sl_bookmarks *b, sl_error *err);
int sl_bookmarks_wal_put(sl_bookmarks *b, int64_t ordinal, const char *value, sl_error *err);
/* *out: heap copy (caller frees) or NULL when none. */
int sl_bookmarks_wal_get(sl_bookmarks *b, int64_t ordinal, char **out, sl_error *err);
int sl_bookmarks_saved_put(sl_bookmarks *b, const char *key, const char *value, sl_error *err);
int sl_bookmarks_saved_get(sl_bookmarks *b, const char *key, char **out, sl_error *err);

#endif
