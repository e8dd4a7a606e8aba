/*
 * gate.h: `max_rejected`, the pipeline's quality gate.
 *
 * A run fails when its epoch has rejected more rows than the limit: a
 * number of rows (`max_rejected: 0`) or a share of the rows read
 * (`max_rejected: 1%`). The count covers the epoch, not one process: a
 * resumed run starts from the rejects its earlier runs committed (the
 * epoch's DLQ rows before every sink's committed position), so rerunning
 * a refused load fails the same way until the input or the limit changes,
 * or `sluice run --restart` opens a new epoch.
 *
 * The engine checks the row limit before each batch commits, so the batch
 * that crosses it rolls back (as with `on_error: fail`), and both limits
 * at the end of input, before the sinks publish (the full_refresh swap,
 * the file rename, PostgreSQL's `commit: run`): a percentage needs the
 * whole input.
 */
#ifndef SL_GATE_H
#define SL_GATE_H
#include "core/error.h"
#include <stdint.h>

struct sl_run;

typedef struct sl_gate {
    int64_t max;           /* rows; -1: no row limit */
    double pct;            /* percent of the rows read; -1: no percentage */
    int64_t base_rejected; /* rejects earlier runs of the epoch committed (this run does not count them) */
    int64_t base_read;     /* rows earlier runs of the epoch read */
} sl_gate;

/* The offset of `file` before which every sink has committed its rows
 * (0 when a sink has committed none of it). */
typedef int64_t (*sl_gate_committed_fn)(void *ctx, const char *file);

/* Set the limits from run->pipeline and, for a resumed run, what its
 * epoch's earlier runs rejected and read (from the state store). */
int sl_gate_init(sl_gate *g, const struct sl_run *run, sl_gate_committed_fn committed, void *ctx, sl_error *err);

/* 0 when `rejected` rows out of `read` (this run's counts, the batch about
 * to commit included) are within the limits; else -1 with err (SL_EDATA)
 * naming the count and the limit. The percentage is only checked when
 * `final` (end of input). */
int sl_gate_check(const sl_gate *g, int64_t read, int64_t rejected, int final, sl_error *err);

#endif
