/* gate.c: the max_rejected gate. See gate.h. */
#include "engine/gate.h"
#include "engine/run.h"

typedef struct base_ctx {
    sl_gate_committed_fn committed;
    void *ctx;
    int64_t n;
} base_ctx;

static void count_committed(void *ctx, const char *file, int64_t offset)
{
    base_ctx *bc = ctx;
    if (offset < bc->committed(bc->ctx, *file ? file : NULL))
        bc->n++;
}

int sl_gate_init(sl_gate *g, const sl_run *run, sl_gate_committed_fn committed, void *ctx, sl_error *err)
{
    const sl_pipeline *pl = run->pipeline;
    *g = (sl_gate){pl->max_rejected, pl->max_rejected_pct, 0, 0};
    if ((g->max < 0 && g->pct < 0) || !run->resumed || run->dry_run)
        return 0;
    base_ctx bc = {committed, ctx, 0};
    if (sl_state_dlq_epoch_each(run->state, pl->name, run->epoch, count_committed, &bc, err) < 0)
        return -1;
    g->base_rejected = bc.n;
    if (g->pct >= 0 &&
        sl_state_epoch_rows_read(run->state, pl->name, run->epoch, run->run_id, &g->base_read, err) < 0)
        return -1;
    return 0;
}

int sl_gate_check(const sl_gate *g, int64_t read, int64_t rejected, int final, sl_error *err)
{
    int64_t r = g->base_rejected + rejected, n = g->base_read + read;
    const char *see = "see `sluice dlq list`; the gate holds until the input or the limit changes, or "
                      "`sluice run --restart`";
    if (g->max >= 0 && r > g->max)
        return sl_error_set(err, SL_EDATA, "%lld rows rejected, more than max_rejected (%lld); %s", (long long)r,
                            (long long)g->max, see);
    if (final && g->pct >= 0 && n > 0 && (double)r * 100.0 > g->pct * (double)n)
        return sl_error_set(err, SL_EDATA, "%lld of %lld rows rejected (%.2f%%), more than max_rejected (%g%%); %s",
                            (long long)r, (long long)n, (double)r * 100.0 / (double)n, g->pct, see);
    return 0;
}
