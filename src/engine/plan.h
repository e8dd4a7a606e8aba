/*
 * plan.h: the plan of a dry run (`sluice run --dry-run`), the JSON object
 * that pipeline.c puts into sl_run_result.plan (pipeline.h): the source
 * with the inputs it read and their rows, the transforms, the checks (not
 * evaluated: a dry run loads nothing), and per sink the rows that reach it
 * and what the sinks that take part in a dry run would do with them. The
 * engine collects; this file only writes the document.
 */
#ifndef SL_ENGINE_PLAN_H
#define SL_ENGINE_PLAN_H
#include "config/project.h"
#include "core/util.h"
#include "engine/component.h"
#include <stddef.h>
#include <stdint.h>

/* Inputs listed by name in a plan (inputs_total counts them all). */
#define SL_PLAN_INPUTS 50

/* Append sink i's entry to sinks (a JSON array's elements, comma-separated
 * by i): rows reaching it; with ran, the counts c it would produce and its
 * requests (req: a JSON array's text, NULL or empty for none). */
void sl_plan_add_sink(sl_buf *sinks, size_t i, const sl_instance *s, int64_t rows, int ran, const sl_sink_counts *c,
                      const sl_buf *req);

/* The whole plan into out (cap bytes, NUL-terminated, secrets redacted):
 * the first SL_PLAN_INPUTS of inputs[0..ninputs) with their rows, then
 * the sink entries, left out whole ("truncated") when they would not fit.
 * out is left as it is when even that does not fit. */
void sl_plan_render(const sl_pipeline *pl, char *const *inputs, const int64_t *input_rows, size_t ninputs,
                    int full_refresh, const sl_buf *sinks, char *out, size_t cap);

#endif
