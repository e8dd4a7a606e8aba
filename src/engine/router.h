/*
 * router.h: a run's routing state (the engine's side of route.h): each
 * sink's `where:` evaluated on a batch into a mask, and for each sink with
 * `where:` or `select:` its own copy of the batch (its rows and columns,
 * with their positions) that its write and commit see.
 *
 * Threads: sl_router_eval runs on the transform thread (the expression
 * engine's); the rest on the sink thread, which receives the batch (and
 * so its masks) through the engine's queue after the evaluation.
 */
#ifndef SL_ROUTER_H
#define SL_ROUTER_H
#include "config/project.h"
#include "core/batch.h"
#include "core/error.h"

struct sl_expr_engine;

typedef struct sl_router_slot {
    sl_batch *copy;             /* the sink's rows and columns of the current batch */
    size_t *rowmap, rowmap_cap; /* row of copy -> row of the batch */
    size_t from;                /* the first row of copy to write */
    int64_t rows;               /* rows given to the sink in this run (a dry run's plan) */
} sl_router_slot;

typedef struct sl_router sl_router;

/* The routing of pl's sinks, NULL when none has where: or select:. The
 * conditions are compiled in x. Masks are kept per pooled batch:
 * pool[0..npool) are the engine's batches (read at each lookup, so they
 * may be filled after this call). Free with sl_router_free. */
sl_router *sl_router_open(const sl_pipeline *pl, struct sl_expr_engine *x, sl_batch *const *pool, size_t npool);
void sl_router_free(sl_router *r);
/* Evaluate every sink's where: on b (a pooled batch). 0, or -1 with err
 * naming the sink's where: at file:line:col. */
int sl_router_eval(sl_router *r, sl_batch *b, sl_error *err);
/* Sink i's mask of b (1 = its where takes the row), NULL when it takes
 * every row. */
const uint8_t *sl_router_keep(const sl_router *r, size_t i, const sl_batch *b);
/* Write sink i's part of b from the rows at or after b's row `from`:
 * its copy is built, written, and its rejected rows set in rejected[]
 * (b's rows) and its rejects moved to b's. The sink's write's result. */
int sl_router_write(sl_router *r, size_t i, sl_batch *b, size_t from, uint8_t *rejected, sl_error *err);
/* Rows of b from `done` on that no sink's where: takes (filtered). */
size_t sl_router_filtered(const sl_router *r, const sl_batch *b, size_t done);
/* Sink i's slot (its copy of the current batch, its row count). */
sl_router_slot *sl_router_slot_of(sl_router *r, size_t i);

#endif
