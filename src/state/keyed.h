/*
 * keyed.h: keyed state kept across runs in the state store, for stateful
 * transforms (transforms/milestones.c): per (pipeline, transform id) a set
 * of rows (scope, key) -> value, all text.
 *
 *   pipeline   the name the run is recorded under (run->pipeline->name: a
 *              stream lane's name is "<pipeline>@<lane>", so lanes keep
 *              their own state)
 *   transform  the transform's id in the pipeline
 *   scope      what the transform keeps apart (milestones: a rule's name
 *              and the hash of its definition); SL_KEYED_OFFSETS is
 *              reserved for the tag offsets below
 *   key        the entity (a user id) or, under SL_KEYED_OFFSETS, an input
 *              (b->file: "spool" for a stream)
 *
 * The tag offsets say which rows the stored state already holds: for each
 * input, the end offset of the last batch the run that saved it saw. They
 * are written in the same transaction as the rows (sl_state_keyed_put), so
 * the state and its tags never disagree.
 *
 * Thread safety: as every sl_state function (the store's lock).
 */
#ifndef SL_STATE_KEYED_H
#define SL_STATE_KEYED_H
#include "core/error.h"
#include "state/state.h"
#include <stddef.h>
#include <stdint.h>

#define SL_KEYED_OFFSETS "(offsets)"

/* One row to store: value NULL deletes the row. Strings are borrowed. */
typedef struct sl_keyed_item {
    const char *scope, *key, *value;
} sl_keyed_item;

/* One input's tag offset: rows of `file` before `offset` are in the state. */
typedef struct sl_keyed_tag {
    const char *file;
    int64_t offset;
} sl_keyed_tag;

/* Called once per stored row; the strings are valid during the call only.
 * Tag offsets come as scope SL_KEYED_OFFSETS, key the input, value the
 * offset in decimal. */
typedef void (*sl_keyed_fn)(void *ctx, const char *scope, const char *key, const char *value);

/* Every stored row of (pipeline, transform), ordered by scope and key.
 * 0, or -1 with err (SL_ESQL). */
int sl_state_keyed_load(sl_state *s, const char *pipeline, const char *transform, sl_keyed_fn fn, void *ctx,
                        sl_error *err);

/* In one transaction: with replace, first forget every row of (pipeline,
 * transform); then store items[0..n) (upsert, or delete for a NULL value)
 * and set the tag offsets[0..ntags) (an input's offset never moves back
 * unless replace). 0, or -1 with err and nothing changed. */
int sl_state_keyed_put(sl_state *s, const char *pipeline, const char *transform, int replace,
                       const sl_keyed_item *items, size_t n, const sl_keyed_tag *tags, size_t ntags, sl_error *err);

/* Forget the keyed state of a pipeline and of its lanes ("<pipeline>@*"),
 * for `sluice state reset`. 0, or -1 with err. */
int sl_state_keyed_reset(sl_state *s, const char *pipeline, sl_error *err);

#endif
