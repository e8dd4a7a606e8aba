/*
 * compile_int.h: what compile.c, ephemeral.c and testsql.c share (not
 * for other modules: graph.h and compile.h are the interface).
 */
#ifndef SL_MODELS_COMPILE_INT_H
#define SL_MODELS_COMPILE_INT_H
#include "models/context.h"

/* Render node i's text (n->raw) with r as the render in progress,
 * appending to out. Errors: FILE:LINE:COL in err. */
int sl_compile_render_node(sl_graph *g, size_t i, sl_render *r, sl_buf *out, sl_error *err);
/* Free what a render collected (deps, ephemeral list); r is zeroed. */
void sl_compile_render_release(sl_render *r);
/* Append sql (what node i rendered, with r's ephemeral refs) to out with
 * the ephemeral models inlined as CTEs (ephemeral.c), and keep the result
 * as node i's compiled text. */
int sl_compile_finish(sl_graph *g, size_t i, const sl_render *r, const char *sql, size_t len, sl_buf *out,
                      sl_error *err);
/* A generic test's arguments (node.h's test_kwargs) rendered as dbt does
 * (testsql.c); column_name and model left out. A new dict, or NULL with
 * err set. Parse mode collects the ref()s they call. */
sl_jv *sl_compile_test_kwargs(sl_graph *g, const sl_node *n, sl_error *err);

#endif
