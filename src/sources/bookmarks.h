/*
 * bookmarks.h: what a source keeps in the state store to resume: the
 * write-ahead bookmarks of sources without byte offsets, the bookmarks a
 * successful run ends with, and what each input was when its positions
 * were taken (so a position is never used on a different input).
 *
 * Write-ahead bookmarks. A source without byte offsets (a SQL query, an
 * HTTP API) numbers its rows in the epoch (ordinals) and uses them as
 * positions. Before a batch leaves it, it writes "ordinal N -> bookmark"
 * (write-ahead): the bookmark says how to read on after row N (the (cursor,
 * key) pair of a query, the next page of an API). Sinks commit ordinals
 * with their data; on resume the source looks up the bookmark of the
 * lowest committed one. Write-ahead entries stay until the next epoch
 * starts (a crash between saving the final bookmark and ending the run
 * resumes from them). "Saved" entries outlive epochs: the bookmark a
 * successful run ends with, for the next run to start from.
 *
 * Input identities. Sinks keep their positions per input key (a file's
 * path, "sqlite:<source id>", ...). Before any batch of an input leaves the
 * source, the source records, per epoch, what the input is: a file's
 * identity and the hash of the bytes read so far (sources/files.c), or a
 * fingerprint of the configuration that says what a query or an API call
 * reads (sl_bookmarks_tie). When a resumed epoch finds the input different
 * (a file replaced, a query edited), the positions taken on the old input
 * do not apply: the input is read again from its start under a new
 * position key, "<key>#<generation>", with a warning in the log. The new
 * key means no sink skips rows of the new input for positions of the old
 * one, also after a crash, and the dead-letter entries of the two stay
 * apart. Saved bookmarks of a tied source carry its fingerprint, and one
 * taken with another configuration is not used (the source starts over,
 * with a warning), never applied to a different query.
 */
#ifndef SL_BOOKMARKS_H
#define SL_BOOKMARKS_H
#include "engine/run.h"

typedef struct sl_bookmarks {
    sl_run *run;
    const char *source_id;
    char *wal_name, *saved_name, *inputs_name;
    char fp[17];     /* fingerprint of what the source reads ("" = not tied) */
    char pos_fp[17]; /* ... and of how it pages through it (positions) */
} sl_bookmarks;

void sl_bookmarks_init(sl_bookmarks *b, sl_run *run, const char *source_id);
void sl_bookmarks_release(sl_bookmarks *b);
/* A new epoch starts: forget the write-ahead entries of earlier ones. */
int sl_bookmarks_fresh(sl_bookmarks *b, sl_error *err);
int sl_bookmarks_wal_put(sl_bookmarks *b, int64_t ordinal, const char *value, sl_error *err);
/* *out: heap copy (caller frees) or NULL when none. */
int sl_bookmarks_wal_get(sl_bookmarks *b, int64_t ordinal, char **out, sl_error *err);
/* Saved bookmarks. Once tied, a value is stored with the fingerprint (as
 * "<key>.fingerprint") and one stored with another fingerprint reads as
 * none (logged as a warning); values saved before fingerprints existed are
 * used as they are. */
int sl_bookmarks_saved_put(sl_bookmarks *b, const char *key, const char *value, sl_error *err);
int sl_bookmarks_saved_get(sl_bookmarks *b, const char *key, char **out, sl_error *err);

/* Tie the source's bookmarks and positions to what it reads: `what` is
 * the text of every setting that decides which rows it reads and in which
 * order (table, query, cursor, URL, parameters, ...), and saved bookmarks
 * are tied to it; `how` adds what only positions inside an epoch depend
 * on (an API's pagination: a page number means other records under
 * another page size). Only hashes are kept. */
void sl_bookmarks_tie(sl_bookmarks *b, const char *what, const char *how);

/* The position key of a tied source's one input `base` in this epoch
 * (heap, caller frees): base itself, or "<base>#<n>" when the input was
 * read with another configuration earlier in this resumed epoch (logged).
 * Records the fingerprint for the epoch. */
int sl_bookmarks_input_key(sl_bookmarks *b, const char *base, char **key, sl_error *err);

/* Input identity records of this epoch (value: source-defined text). A
 * fresh epoch first forgets those of earlier ones. */
int sl_bookmarks_inputs_fresh(sl_bookmarks *b, sl_error *err);
int sl_bookmarks_input_put(sl_bookmarks *b, const char *input, const char *value, sl_error *err);
int sl_bookmarks_inputs_each(sl_bookmarks *b, void (*fn)(void *ctx, const char *input, const char *value),
                             void *ctx, sl_error *err);
/* "<base>" for generation 0, else "<base>#<gen>" (heap). */
char *sl_bookmarks_key(const char *base, int gen);

#endif
