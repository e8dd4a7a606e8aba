/*
 * reorder.h: a plan rewrite, as databases push predicates down: a
 * `filter` runs before a `derive` written ahead of it when that cannot
 * change anything a user sees, so the derive works only on the rows
 * that pass (docs/ARCHITECTURE.md, decision 32).
 *
 * A filter moves before the derive just ahead of it (repeatedly: past a
 * run of such derives) when
 *   - the filter reads no column the derive writes (names without ASCII
 *     case; a condition that cannot be analysed never moves);
 *   - every expression of the derive is text functions (lower, upper,
 *     trim, ltrim, rtrim, replace, substr, substring, char) and `||` over
 *     columns and literals, not a bare column or literal: its value is
 *     text or NULL on every row, it cannot fail on a row, and the derived
 *     column's type (text) does not depend on which rows it sees;
 *   - the derive's input columns are text whatever the rows: a csv source
 *     with infer_types: false, no derived name declared with another
 *     type, and only filters and such derives ahead of it.
 * The derive adds its columns to a batch the filter emptied as before,
 * and names a column that would collide as it does with rows (derive.c),
 * so rows, counts, rejects, the DLQ, output and column order are the same.
 * SLUICE_PUSHDOWN=0 turns it off, as every pushdown.
 */
#ifndef SL_TRANSFORMS_REORDER_H
#define SL_TRANSFORMS_REORDER_H
#include "core/util.h"

struct sl_pipeline;

/* Rewrite pl's transform order in place (idempotent), at load
 * (config/project.c, which keeps the note in pl->plan_note); each move is
 * logged at debug level and described in note (may be NULL; "; "
 * between moves). Returns the number of moves. */
int sl_reorder_filters_first(struct sl_pipeline *pl, sl_buf *note);

#endif
